"""Words the question code needs in both languages: state names and their spellings, and the
feedback for known mistakes (the interface's fixed words are in quizgen/i18n.py). Bank
templates carry everything else."""

from __future__ import annotations

import re
from typing import Any

STATES = ["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                 "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"]

#: Linux's names (include/net/tcp_states.h, as `ss` prints them).
LINUX = {"CLOSED": "CLOSE", "LISTEN": "LISTEN", "SYN-SENT": "SYN_SENT",
                "SYN-RECEIVED": "SYN_RECV", "ESTABLISHED": "ESTABLISHED", "FIN-WAIT-1": "FIN_WAIT1",
                "FIN-WAIT-2": "FIN_WAIT2", "CLOSE-WAIT": "CLOSE_WAIT", "CLOSING": "CLOSING",
                "LAST-ACK": "LAST_ACK", "TIME-WAIT": "TIME_WAIT"}

#: The seed article's Chinese names. The textbook has no Chinese name for CLOSING (同时关闭 is
#: the name of the situation, and the words a prompt about it uses): it is called CLOSING.
ZH = {"CLOSED": "关闭", "LISTEN": "监听", "SYN-SENT": "同步已发送", "SYN-RECEIVED": "同步收到",
             "ESTABLISHED": "已建立连接", "FIN-WAIT-1": "终止等待1", "FIN-WAIT-2": "终止等待2",
             "CLOSE-WAIT": "关闭等待", "CLOSING": "CLOSING", "LAST-ACK": "最后确认", "TIME-WAIT": "时间等待"}

#: What each state means, for the feedback on a wrong choice.
MEANING = {
    "en": {
        "CLOSED": "CLOSED: no connection at all (before the start, or after the end).",
        "LISTEN": "LISTEN: a server waiting for a SYN.",
        "SYN-SENT": "SYN-SENT: an end that has sent its SYN and waits for the peer's answer.",
        "SYN-RECEIVED": "SYN-RECEIVED: an end that has received a SYN and sent its own, waiting for the acknowledgement of its SYN (the passive opener; in a simultaneous open, both ends).",
        "ESTABLISHED": "ESTABLISHED: the handshake is complete; data flows both ways.",
        "FIN-WAIT-1": "FIN-WAIT-1: the active closer after sending its FIN, before it is acknowledged.",
        "FIN-WAIT-2": "FIN-WAIT-2: the active closer whose FIN is acknowledged, waiting for the peer's FIN.",
        "CLOSE-WAIT": "CLOSE-WAIT: the passive closer after receiving the peer's FIN, before closing itself.",
        "CLOSING": "CLOSING: the FINs crossed (a simultaneous close): the peer's FIN arrived before the ACK of its own FIN, which it still waits for.",
        "LAST-ACK": "LAST-ACK: the passive closer after sending its own FIN, waiting for the last ACK.",
        "TIME-WAIT": "TIME-WAIT: an end that sent the first FIN (in a simultaneous close, both ends), after acknowledging the peer's FIN; it waits 2 MSL.",
    },
    "zh": {
        "CLOSED": "关闭（CLOSED）：没有连接（开始之前或结束之后）。",
        "LISTEN": "监听（LISTEN）：服务器等待 SYN。",
        "SYN-SENT": "同步已发送（SYN-SENT）：发出 SYN 之后、等待对方应答的一方。",
        "SYN-RECEIVED": "同步收到（SYN-RECEIVED）：收到对方的 SYN 并发出自己的 SYN、等待对自己 SYN 的确认的一方（被动打开方；同时打开时双方都是）。",
        "ESTABLISHED": "已建立连接（ESTABLISHED）：握手完成，双方可以传送数据。",
        "FIN-WAIT-1": "终止等待1（FIN-WAIT-1）：主动关闭方发出 FIN、尚未收到确认。",
        "FIN-WAIT-2": "终止等待2（FIN-WAIT-2）：主动关闭方的 FIN 已被确认，等待对方的 FIN。",
        "CLOSE-WAIT": "关闭等待（CLOSE-WAIT）：被动关闭方收到对方的 FIN 之后、自己关闭之前。",
        "CLOSING": "CLOSING：双方的 FIN 交叉（同时关闭）：自己的 FIN 尚未被确认就收到了对方的 FIN，仍在等待对自己 FIN 的确认。",
        "LAST-ACK": "最后确认（LAST-ACK）：被动关闭方发出自己的 FIN 之后，等待最后的确认。",
        "TIME-WAIT": "时间等待（TIME-WAIT）：先发出 FIN 的一方（同时关闭时双方都是）确认了对方的 FIN 之后，要等待 2MSL。",
    },
}

#: The pairs students often confuse (the drill tests type them as wrong answers; the state
#: type's distractors come from MISCONCEPTIONS, below).
CONFUSED = {
    "CLOSED": ["TIME-WAIT", "LAST-ACK", "LISTEN"],
    "LISTEN": ["SYN-RECEIVED", "CLOSED", "SYN-SENT"],
    "SYN-SENT": ["SYN-RECEIVED", "LISTEN", "ESTABLISHED"],
    "SYN-RECEIVED": ["SYN-SENT", "ESTABLISHED", "LISTEN"],
    "ESTABLISHED": ["SYN-RECEIVED", "SYN-SENT", "CLOSE-WAIT"],
    "FIN-WAIT-1": ["FIN-WAIT-2", "CLOSE-WAIT", "CLOSING"],
    "FIN-WAIT-2": ["CLOSE-WAIT", "FIN-WAIT-1", "TIME-WAIT"],
    "CLOSE-WAIT": ["FIN-WAIT-2", "LAST-ACK", "CLOSING"],
    "CLOSING": ["TIME-WAIT", "FIN-WAIT-2", "LAST-ACK"],
    "LAST-ACK": ["TIME-WAIT", "CLOSE-WAIT", "CLOSING"],
    "TIME-WAIT": ["LAST-ACK", "CLOSED", "FIN-WAIT-2"],
}


def spellings(state: str) -> list[str]:
    """Every spelling a free answer may use: RFC, Linux, with underscores, Chinese."""
    out = [state, LINUX[state], state.replace("-", "_"), ZH[state]]
    m = re.fullmatch(r"(.*?)(\d)", ZH[state])
    if m:
        out.append(f"{m.group(1)} {m.group(2)}")                 # 终止等待 1
    m = re.fullmatch(r"(FIN-WAIT)-(\d)", state)
    if m:
        out += [f"FIN-WAIT{m.group(2)}", f"FIN_WAIT_{m.group(2)}"]
    seen: list[str] = []
    for s in out:
        if s not in seen:
            seen.append(s)
    return seen


def normalise_state(text: str) -> str | None:
    """The RFC name a free answer means, or None: forgiving about case, spaces, - and _."""
    key = _squash(text)
    for state in STATES:
        if key in {_squash(s) for s in spellings(state)}:
            return state
    return None


def _squash(s: str) -> str:
    return re.sub(r"[\s_\-（）()]", "", s).upper()


def state_label(state: str, lang: str) -> str:
    return f"{ZH[state]}（{state}）" if lang == "zh" and ZH[state] != state else state


#: The misconceptions distractors are made of: each is a faulty variant of one rule, named.
#: A distractor is the answer the question's own scenario gives under that faulty rule
#: (quizgen.questions.types.misconceptions runs it); its feedback names the mistake. ``rule``
#: is the rule the mistake breaks, ``source`` where the rule is written; ``feedback`` may
#: name ``{who}`` (the sender or the end asked about), ``{peer}`` and ``{what}`` (what the
#: segment acknowledges: "A's FIN"). docs/misconceptions.md is this table, for teachers.
MISCONCEPTIONS: dict[str, dict[str, Any]] = {
    # ---- sequence numbers: how many numbers a segment uses
    "syn_uses_none": {
        "kind": "numbering", "source": "RFC 9293 3.4; textbook: 'SYN 报文段不能携带数据，但要消耗掉一个序号'",
        "rule": {"en": "A SYN uses one sequence number.", "zh": "SYN 报文段要消耗一个序号。"},
        "feedback": {"en": "Counts the SYN as using no sequence number: a SYN uses one, so the number after the ISN is ISN + 1.",
                     "zh": "认为 SYN 不消耗序号：SYN 要消耗一个序号，初始序号之后的下一个序号是初始序号加 1。"}},
    "fin_uses_none": {
        "kind": "numbering", "source": "RFC 9293 3.4; textbook: 'FIN 报文段即使不携带数据，也消耗掉一个序号'",
        "rule": {"en": "A FIN uses one sequence number, even without data.",
                 "zh": "FIN 报文段即使不携带数据，也要消耗一个序号。"},
        "feedback": {"en": "Counts the FIN as using no sequence number: a FIN uses one even without data, so it is acknowledged with its seq + 1.",
                     "zh": "认为 FIN 不消耗序号：FIN 即使不携带数据也消耗一个序号，对它的确认号是它的序号加 1。"}},
    "ack_uses_number": {
        "kind": "numbering", "source": "RFC 9293 3.4; textbook: 'ACK 报文段如果不携带数据，则不消耗序号'",
        "rule": {"en": "A segment with no data, SYN or FIN (a pure ACK) uses no sequence number.",
                 "zh": "不携带数据、也没有 SYN 或 FIN 的报文段（纯确认）不消耗序号。"},
        "feedback": {"en": "Counts a pure ACK as using a sequence number: a segment with no data, SYN or FIN uses none, so the sender's next segment has the same seq.",
                     "zh": "认为纯确认报文段也消耗序号：不携带数据、没有 SYN 或 FIN 的报文段不消耗序号，发送方下一个报文段的序号不变。"}},
    "w_equals_v": {
        "kind": "numbering", "source": "RFC 9293 3.4 (every data byte uses one number) and 3.6.1 (half-closed connections)",
        "rule": {"en": "Data sent while half-closed uses sequence numbers: w = v + the bytes sent.",
                 "zh": "半关闭期间发送的数据也消耗序号：w = v + 发送的字节数。"},
        "feedback": {"en": "Keeps w = v although {who} sent data after acknowledging the FIN: every byte uses a sequence number, so w = v + the bytes sent.",
                     "zh": "以为 w 总等于 v：{who} 确认 FIN 之后又发送了数据，每个字节都消耗序号，所以 w = v + 发送的字节数。"}},
    "isn_zero": {
        "kind": "numbering", "source": "RFC 9293 3.4.1 (the ISN is chosen by a clock-driven generator)",
        "rule": {"en": "Each end picks its own initial sequence number; it is not 0.",
                 "zh": "双方各自选择初始序号，初始序号不是 0。"},
        "feedback": {"en": "Starts the sequence numbers at 0: each end picks its own initial sequence number, and it is not 0.",
                     "zh": "以为序号从 0 开始：双方各自选择初始序号，初始序号不是 0。"}},
    # ---- acknowledgement numbers: how ack is formed
    "ack_is_received_seq": {
        "kind": "acking", "source": "RFC 9293 3.4 (the acknowledgement is the next sequence number expected)",
        "rule": {"en": "ack is the next number expected: one past the last number the peer used.",
                 "zh": "确认号是期望收到对方的下一个序号：对方已用的最后一个序号加 1。"},
        "feedback": {"en": "Acknowledges the number it received: ack is the next number expected, one past the last number {what} used.",
                     "zh": "把收到的序号当作确认号：确认号是期望收到的下一个序号，即 {what} 所用的最后一个序号加 1。"}},
    "ack_is_seq_plus_one": {
        "kind": "acking", "source": "RFC 9293 3.4 (every data byte uses one number)",
        "rule": {"en": "ack counts every byte received: seq + len (+ 1 for a SYN or FIN).",
                 "zh": "确认号要把收到的每个字节都算上：seq + 数据长度（SYN 或 FIN 再加 1）。"},
        "feedback": {"en": "Takes ack = seq + 1 whatever arrived: the segment acknowledged carried data, and ack counts every byte of it.",
                     "zh": "以为确认号总是 seq + 1：被确认的报文段携带了数据，确认号要把每个数据字节都算上。"}},
    "own_number": {
        "kind": "acking", "source": "RFC 9293 3.4",
        "rule": {"en": "ack acknowledges the peer's numbers, not the sender's own.",
                 "zh": "确认号确认的是对方的序号，不是自己的。"},
        "feedback": {"en": "Acknowledges its own sequence number: ack counts what {peer} sent.",
                     "zh": "确认的是自己的序号：确认号计算的是 {peer} 发来的序号。"}},
    "swapped": {
        "kind": "acking", "source": "RFC 9293 3.1 (the header) and 3.4",
        "rule": {"en": "seq is the sender's own number; ack is the next number it expects from the peer.",
                 "zh": "seq 是发送方自己的序号，ack 是它期望收到对方的下一个序号。"},
        "feedback": {"en": "Swaps seq and ack: seq is the sender's own number, ack the next number it expects from the peer.",
                     "zh": "把 seq 和 ack 弄反了：seq 是发送方自己的序号，ack 是期望收到对方的下一个序号。"}},
    # ---- control bits
    "syn_bit_off": {
        "kind": "flags", "source": "RFC 9293 3.5 (the three-way handshake); textbook: 'SYN = 1，ACK = 1'",
        "rule": {"en": "The answer to a SYN carries SYN too: it synchronises the answerer's own numbers.",
                 "zh": "对 SYN 的应答也要置 SYN = 1：它要同步应答方自己的序号。"},
        "feedback": {"en": "Leaves SYN off: the answer to a SYN synchronises {who}'s own sequence numbers too, so SYN = 1.",
                     "zh": "漏了 SYN 位：对 SYN 的应答也要同步 {who} 自己的序号，SYN = 1。"}},
    "ack_bit_off": {
        "kind": "flags", "source": "RFC 9293 3.1 (the acknowledgement field is significant only with ACK)",
        "rule": {"en": "A segment that acknowledges something sets ACK = 1: the ack field counts only then.",
                 "zh": "要确认对方的报文段必须置 ACK = 1：只有 ACK = 1 时确认号字段才有效。"},
        "feedback": {"en": "Leaves ACK off: this segment acknowledges {what}, and an acknowledgement number counts only with ACK = 1.",
                     "zh": "漏了 ACK 位：这个报文段要确认 {what}，只有 ACK = 1 时确认号才有效。"}},
    "fin_without_ack": {
        "kind": "flags", "source": "RFC 9293 3.10.7.4 (in a synchronised state a segment without ACK is dropped); Linux",
        "rule": {"en": "In RFC 9293 (and Linux) every segment after the handshake carries ACK = 1, a FIN too.",
                 "zh": "按 RFC 9293（Linux 也是如此），握手之后的每个报文段都置 ACK = 1，FIN 也不例外。"},
        "feedback": {"en": "Leaves ACK off the FIN: in RFC 9293 and Linux every segment after the handshake carries ACK = 1, the FIN too (only the textbook's figure leaves it out of the first FIN).",
                     "zh": "FIN 报文段漏了 ACK 位：按 RFC 9293 和 Linux，握手之后的每个报文段都置 ACK = 1，FIN 也不例外（只有教材的图中第一次挥手不写 ACK）。"}},
    "rst_without_ack": {
        "kind": "flags", "source": "RFC 9293 3.10.7.1 (a segment arriving for a connection that does not exist)",
        "rule": {"en": "A reset answering a segment without ACK has seq = 0, ACK = 1 and ack = SEG.SEQ + SEG.LEN (a SYN counts one).",
                 "zh": "对不带 ACK 的报文段回复的复位报文段：seq = 0，ACK = 1，ack = SEG.SEQ + SEG.LEN（SYN 算一个序号）。"},
        "feedback": {"en": "Leaves ACK off the reset: a reset answering a segment without ACK carries ACK = 1 and ack = SEG.SEQ + SEG.LEN, the SYN counting one (RFC 9293, 3.10.7.1).",
                     "zh": "复位报文段漏了 ACK 位：对不带 ACK 的报文段回复 RST 时要置 ACK = 1，ack = SEG.SEQ + SEG.LEN，SYN 算一个序号（RFC 9293，3.10.7.1）。"}},
    "rst_acks_it": {
        "kind": "flags", "source": "RFC 9293 3.10.7.1 (a segment arriving for a connection that does not exist)",
        "rule": {"en": "A reset answering a segment that carries ACK has seq = SEG.ACK and no ACK bit.",
                 "zh": "对带 ACK 的报文段回复的复位报文段：seq = SEG.ACK，不置 ACK。"},
        "feedback": {"en": "Answers as if the segment had no ACK: it carries ACK, so the reset takes its acknowledgement number as seq and sets no ACK (RFC 9293, 3.10.7.1).",
                     "zh": "当成了不带 ACK 的报文段来回答：它带着 ACK，所以复位报文段的 seq 取它的确认号，不置 ACK（RFC 9293，3.10.7.1）。"}},
    "old_synack_accepted": {
        "kind": "flags", "source": "RFC 9293 3.5 (figure 8, recovery from an old duplicate SYN)",
        "rule": {"en": "A SYN,ACK that acknowledges no SYN of a connection one has is refused with a reset, not acknowledged.",
                 "zh": "确认的不是自己连接中 SYN 的 SYN,ACK 报文段要用复位报文段拒绝，而不是确认它。"},
        "feedback": {"en": "Completes a handshake {who} never began: the SYN,ACK answers an old SYN, so {who} refuses it with a reset; that refusal is what the third segment of the handshake makes possible.",
                     "zh": "把一次自己没有发起的握手完成了：这个 SYN,ACK 回答的是旧的 SYN，{who} 要用复位报文段拒绝它——第三次握手正是为此。"}},
    "stale_data_taken": {
        "kind": "flags", "source": "RFC 9293 3.4 (ISN selection: old segments must not fall in the window) and 3.10.7.4 (first check: an unacceptable segment is acknowledged and dropped)",
        "rule": {"en": "A segment outside the receive window is not taken: the receiver answers with an ACK of what it expects (ack = RCV.NXT) and drops it.",
                 "zh": "落在接收窗口之外的报文段不被接收：接收方回答一个确认，确认号仍是它期望收到的序号（RCV.NXT），并丢弃该报文段。"},
        "feedback": {"en": "Takes the old segment's bytes as data: its seq, from the earlier connection's own random ISN, lies far outside {who}'s window, so {who} acknowledges only what it expects and drops them.",
                     "zh": "把旧报文段的数据当成了新数据：它的序号来自旧连接自己随机选取的初始序号，远在 {who} 的接收窗口之外，{who} 只确认自己期望的序号，丢弃这些数据。"}},
    "stale_gets_rst": {
        "kind": "flags", "source": "RFC 9293 3.10.7.4 (first check: in a synchronized state an unacceptable segment gets an ACK, not a reset)",
        "rule": {"en": "In a synchronized state a segment outside the window is answered by an ACK, never by a reset: the connection goes on.",
                 "zh": "在同步状态下，窗口之外的报文段得到的是确认而不是复位：连接照常进行。"},
        "feedback": {"en": "Resets the connection for a stray segment: {who} is synchronized, so a segment outside its window gets an ACK of what {who} expects, and the connection goes on.",
                     "zh": "为一个迷途的报文段复位了连接：{who} 处于同步状态，窗口之外的报文段只会得到一个确认（确认号为期望的序号），连接照常进行。"}},
    "rst_closes_listener": {
        "kind": "state", "source": "RFC 9293 3.10.7.4 (SYN-RECEIVED: a reset returns a passive open to LISTEN)",
        "rule": {"en": "A reset of a half-open connection that came from LISTEN returns the end to LISTEN.",
                 "zh": "从监听状态进入的半开连接收到复位报文段后，回到监听状态。"},
        "feedback": {"en": "Closes the listener: the half-open connection came from LISTEN, so a reset sends {who} back to LISTEN, still waiting for requests.",
                     "zh": "把监听也关掉了：这个半开连接是从监听状态进入的，收到复位报文段后 {who} 回到监听状态，继续等待连接请求。"}},
    "fin_on_ack": {
        "kind": "flags", "source": "RFC 9293 3.6 and 3.10.4 (a FIN is sent on CLOSE)",
        "rule": {"en": "A FIN says the sender closes; an acknowledgement alone has FIN = 0.",
                 "zh": "FIN 表示发送方要关闭；只是确认时 FIN = 0。"},
        "feedback": {"en": "Sets FIN on a segment that only acknowledges: a FIN says {who} closes, and {who} sends its FIN only when its application closes.",
                     "zh": "只是确认时却置了 FIN 位：FIN 表示 {who} 要关闭，{who} 只在自己的应用进程关闭时才发出 FIN。"},
        "feedback_closed": {"en": "Sets FIN on a segment that only acknowledges: {who} has sent its one FIN already; this segment acknowledges {what}.",
                            "zh": "只是确认时却置了 FIN 位：{who} 已经发出过自己的 FIN（只发一次），这个报文段只是确认 {what}。"}},
    # ---- states
    "state_lags": {
        "kind": "state", "source": "RFC 9293 3.3.2 (the state diagram: a state changes as the segment is sent or received)",
        "rule": {"en": "An end changes state as it sends or receives the segment, not later.",
                 "zh": "端点在发送或收到报文段时就改变状态，而不是之后。"},
        "feedback": {"en": "That is {who}'s state before this segment: {who} leaves it as this segment is sent or received.",
                     "zh": "这是 {who} 在这个报文段之前的状态：发送或收到这个报文段时 {who} 就离开了它。"}},
    "state_jumps": {
        "kind": "state", "source": "RFC 9293 3.3.2 (the state diagram)",
        "rule": {"en": "An end moves one step at a time through the state diagram.",
                 "zh": "端点在状态图中一步一步地转换状态。"},
        "feedback": {"en": "Jumps ahead: {who} reaches that state only at its next step, later in the connection.",
                     "zh": "跳过了一步：{who} 要到下一步（连接后面的阶段）才进入这个状态。"}},
    "handshake_roles": {
        "kind": "state", "source": "RFC 9293 3.3.2; textbook: 同步已发送 / 同步收到",
        "rule": {"en": "SYN-SENT is the end that sent a SYN and waits for the answer; SYN-RECEIVED the end that answered a SYN.",
                 "zh": "同步已发送是发出 SYN、等待应答的一方的状态；同步收到是收到 SYN 并作出应答的一方的状态。"},
        "feedback": {"en": "Swaps the opener's and the answerer's states: SYN-SENT is the end that sent a SYN and waits; SYN-RECEIVED the end that answered one.",
                     "zh": "把发起方和应答方的状态弄反了：同步已发送是发出 SYN 后等待的一方，同步收到是收到 SYN 并应答的一方。"}},
    "two_way_handshake": {
        "kind": "state", "source": "RFC 9293 3.5 (why three segments: the answerer waits for the ACK of its SYN)",
        "rule": {"en": "The answerer is established only when its own SYN is acknowledged (the third segment).",
                 "zh": "应答方要等自己的 SYN 被确认（第三次握手）后才进入已建立连接状态。"},
        "feedback": {"en": "Treats the handshake as two segments: {who} is ESTABLISHED only once its own SYN is acknowledged, by the third segment.",
                     "zh": "把握手当成两次：{who} 要等自己的 SYN 被确认（第三个报文段）后才进入已建立连接状态。"}},
    "roles_swapped": {
        "kind": "state", "source": "RFC 9293 3.6 (closing); textbook: 主动关闭 / 被动关闭",
        "rule": {"en": "The states of a close follow who sends the first FIN, not who is client or server.",
                 "zh": "释放连接时的状态取决于谁先发出 FIN，而不是谁是客户端、谁是服务器。"},
        "feedback": {"en": "Swaps the active and the passive closer's states: the end that sends the first FIN goes through FIN-WAIT-1 and FIN-WAIT-2, the other through CLOSE-WAIT and LAST-ACK.",
                     "zh": "把主动关闭方和被动关闭方的状态弄反了：先发出 FIN 的一方经过终止等待1、终止等待2，另一方经过关闭等待、最后确认。"}},
    "fin_means_close_wait": {
        "kind": "state", "source": "RFC 9293 3.10.7.4 (a FIN received in FIN-WAIT-1)",
        "rule": {"en": "A FIN received after sending one's own FIN (not yet acknowledged) leads to CLOSING.",
                 "zh": "自己的 FIN 尚未被确认时收到对方的 FIN，进入 CLOSING 状态。"},
        "feedback": {"en": "Treats the peer's FIN as if {who} had not closed: CLOSE-WAIT is for an end that has not sent its FIN; {who} has, and waits in CLOSING for its acknowledgement.",
                     "zh": "当作 {who} 还没有关闭：关闭等待属于还没有发出 FIN 的一方；{who} 已经发出了 FIN，要在 CLOSING 状态等待对它的确认。"}},
    "merged_fin_ignored": {
        "kind": "state", "source": "RFC 9293 3.10.7.4 (FIN-WAIT-1: if our FIN is now acknowledged and the FIN bit is set, TIME-WAIT)",
        "rule": {"en": "A FIN,ACK that acknowledges one's own FIN in FIN-WAIT-1 is both the ACK and the peer's FIN: straight on to TIME-WAIT.",
                 "zh": "在终止等待1状态收到确认了自己 FIN 的 FIN,ACK 报文段：它既是确认也是对方的 FIN，直接进入时间等待。"},
        "feedback": {"en": "Reads the FIN,ACK as an acknowledgement only: it also carries the peer's FIN, which {who} acknowledges, so {who} goes on to TIME-WAIT without waiting in FIN-WAIT-2.",
                     "zh": "只把这个 FIN,ACK 当作确认：它同时带着对方的 FIN，{who} 确认之后直接进入时间等待，不在终止等待2停留。"}},
    "fin_is_ack": {
        "kind": "state", "source": "RFC 9293 3.10.7.4",
        "rule": {"en": "The peer's FIN does not acknowledge one's own FIN unless its ack says so.",
                 "zh": "对方的 FIN 不等于对自己 FIN 的确认，除非它的确认号确认了自己的 FIN。"},
        "feedback": {"en": "Takes the crossing FIN for the acknowledgement of {who}'s own: it acknowledges nothing new, so {who} still waits for that ACK.",
                     "zh": "把交错而来的 FIN 当作对自己 FIN 的确认：它并没有确认 {who} 的 FIN，{who} 仍要等待确认。"}},
    "passive_time_wait": {
        "kind": "state", "source": "RFC 9293 3.10.7.4 (LAST-ACK: on the ACK of our FIN, CLOSED)",
        "rule": {"en": "Only the end that sent the first FIN waits in TIME-WAIT; the passive closer is CLOSED on the last ACK.",
                 "zh": "只有先发出 FIN 的一方要经过时间等待；被动关闭方收到最后的确认就进入关闭状态。"},
        "feedback": {"en": "Puts the passive closer in TIME-WAIT: only the end that sent the first FIN waits 2 MSL; {who} is CLOSED as soon as its FIN is acknowledged.",
                     "zh": "让被动关闭方也经过时间等待：只有先发出 FIN 的一方才等待 2MSL；{who} 的 FIN 一被确认就进入关闭状态。"}},
    "no_time_wait": {
        "kind": "state", "source": "RFC 9293 3.6 and 3.10.7.4 (TIME-WAIT, 2 MSL)",
        "rule": {"en": "The end that sent the first FIN waits 2 MSL in TIME-WAIT after acknowledging the peer's FIN.",
                 "zh": "先发出 FIN 的一方确认对方的 FIN 之后，要在时间等待状态等待 2MSL。"},
        "feedback": {"en": "Skips TIME-WAIT: the end that sent the first FIN waits 2 MSL after acknowledging the peer's FIN, in case that last ACK is lost.",
                     "zh": "跳过了时间等待：先发出 FIN 的一方确认对方的 FIN 之后还要等待 2MSL，以防最后的确认丢失。"}},
    "rst_time_wait": {
        "kind": "state", "source": "RFC 9293 3.5.3 and 3.10.7.4 (a valid reset: CLOSED)",
        "rule": {"en": "A valid reset ends the connection at once: CLOSED, no TIME-WAIT.",
                 "zh": "有效的复位报文段立即释放连接：进入关闭状态，没有时间等待。"},
        "feedback": {"en": "Sends a reset through TIME-WAIT: a valid RST ends the connection at once, and {who} is CLOSED.",
                     "zh": "以为复位之后也要时间等待：有效的 RST 立即释放连接，{who} 直接进入关闭状态。"}},
    "cookie_keeps_state": {
        "kind": "state", "source": "RFC 4987 3.6 (SYN cookies); Linux's tcp_syncookies (cookie_v4_check opens the connection from the listener)",
        "rule": {"en": "A SYN answered by a SYN cookie leaves no half-open connection: the listener stays in LISTEN, and the ACK of the cookie opens the connection straight to ESTABLISHED.",
                 "zh": "用 SYN cookie 回答的 SYN 不留下半连接：服务器保持监听状态，收到对 cookie 的确认后直接进入已建立连接状态。"},
        "feedback": {"en": "Keeps a half-open connection for a SYN cookie: {who} answered with a cookie and kept nothing, so it never was in SYN-RECEIVED; the ACK of the cookie takes it from LISTEN straight to ESTABLISHED.",
                     "zh": "以为 SYN cookie 也留下了半连接：{who} 用 cookie 回答后什么也没有保存，从未进入同步收到状态；收到对 cookie 的确认后，直接从监听进入已建立连接状态。"}},
    # ---- statements (true/false)
    "time_wait_one_msl": {
        "kind": "claim", "source": "RFC 9293 3.6 and 3.10.7.4 (TIME-WAIT, its 2 MSL timer)",
        "rule": {"en": "TIME-WAIT lasts 2 MSL.", "zh": "时间等待持续 2MSL。"},
        "feedback": {"en": "Takes TIME-WAIT for one MSL: it lasts 2 MSL, long enough for the last ACK to be lost and the peer's FIN to come again.",
                     "zh": "以为时间等待只有 1 个 MSL：它持续 2MSL，足以让丢失的最后确认引起的重传 FIN 到达。"}},
    "closer_closes_first": {
        "kind": "claim", "source": "RFC 9293 3.6 (TIME-WAIT belongs to the end that closes first)",
        "rule": {"en": "The passive closer is CLOSED first: the end that sent the first FIN still waits 2 MSL.",
                 "zh": "被动关闭方先进入关闭状态：先发出 FIN 的一方还要等待 2MSL。"},
        "feedback": {"en": "Thinks the end that closes first is closed first: it is the one that waits 2 MSL in TIME-WAIT, so the passive closer is CLOSED first.",
                     "zh": "以为先关闭的一方先进入关闭状态：正是它要在时间等待状态等待 2MSL，所以被动关闭方先关闭。"}},
    "syn_with_data": {
        "kind": "claim", "source": "textbook: 'SYN 报文段不能携带数据'; RFC 9293 3.4 and 3.10.7.2 allow data on a SYN (held until the connection is established); TCP Fast Open (RFC 7413) uses it",
        "rule": {"en": "In the textbook's model a SYN carries no data (RFC 9293 allows it; TCP Fast Open uses it).",
                 "zh": "按教材，SYN 报文段不携带数据（RFC 9293 允许携带，TCP 快速打开就这样做）。"},
        "feedback": {"en": "In the textbook's model a SYN carries no data; it only uses one sequence number. (RFC 9293 does allow data on a SYN, held until the handshake completes, and TCP Fast Open uses it.)",
                     "zh": "按教材的模型，SYN 报文段不携带数据，只消耗一个序号。（RFC 9293 允许 SYN 携带数据，待握手完成后才交付，TCP 快速打开就利用了这一点。）"}},
    "half_close_silent": {
        "kind": "claim", "source": "RFC 9293 3.6 and 3.6.1 (half-closed connections; CLOSE-WAIT may still SEND)",
        "rule": {"en": "After the first FIN the other end may still send data (from CLOSE-WAIT), and the closer, in FIN-WAIT-2, receives and acknowledges it.",
                 "zh": "第一个 FIN 之后，另一方仍可以（在关闭等待状态）发送数据，主动关闭方在终止等待2状态照常接收并确认。"},
        "feedback": {"en": "Thinks a FIN ends the connection both ways: it closes only the closer's direction; the peer, in CLOSE-WAIT, may still send, and the closer, in FIN-WAIT-2, still receives and acknowledges.",
                     "zh": "以为 FIN 同时关闭了两个方向：它只关闭了主动关闭方这一方向；对方在关闭等待状态仍可以发送数据，主动关闭方在终止等待2状态仍要接收并确认。"}},
    "close_wait_times_out": {
        "kind": "claim", "source": "RFC 9293 3.6 and 3.10.4 (only the application's CLOSE sends the FIN; CLOSE-WAIT has no timer)",
        "rule": {"en": "CLOSE-WAIT ends only when the application closes: until then the end sends no FIN, and the closer waits in FIN-WAIT-2.",
                 "zh": "关闭等待只有在应用进程关闭时才结束：在此之前这一方不会发出 FIN，主动关闭方一直停在终止等待2。"},
        "feedback": {"en": "Thinks CLOSE-WAIT ends by itself: no timer ends it; the end sends its FIN only when its application closes, so an application that never closes leaves it in CLOSE-WAIT, and the closer in FIN-WAIT-2.",
                     "zh": "以为关闭等待会自行结束：没有计时器结束它；只有应用进程关闭时才发出 FIN，应用进程一直不关闭，这一方就一直处于关闭等待，主动关闭方一直处于终止等待2。"}},
    "listener_always_answers": {
        "kind": "claim", "source": "RFC 4987 2 (SYN flooding: a full backlog drops new SYNs); Linux's tcp_conn_request (inet_csk_reqsk_queue_is_full, tcp_syncookies = 0)",
        "rule": {"en": "A listener whose SYN queue is full (and that has no SYN cookies) drops a new SYN without answering; the client retransmits it.",
                 "zh": "半连接队列已满（且没有启用 SYN cookie）的服务器丢弃新到的 SYN，不作回答；客户端只能超时重传。"},
        "feedback": {"en": "Thinks a listener answers every SYN: the SYN flood has taken every place in the SYN queue, so the SYN is dropped and {peer} answers nothing; only a SYN retransmitted after the forged half-open connections are given up is answered.",
                     "zh": "以为服务器对每个 SYN 都会回答：SYN 洪泛占满了半连接队列，新的 SYN 被丢弃，{peer} 不作回答；要等伪造的半连接被放弃之后，重传的 SYN 才得到回答。"}},
    "full_queue_always_drops": {
        "kind": "claim", "source": "RFC 4987 3.6 (SYN cookies); Linux's tcp_syncookies = 1 (its default)",
        "rule": {"en": "With SYN cookies a listener whose SYN queue is full still answers a SYN at once, with a cookie, keeping no state.",
                 "zh": "启用 SYN cookie 时，半连接队列满了服务器仍立即回答 SYN：用 cookie 作初始序号，不保存任何状态。"},
        "feedback": {"en": "Forgets SYN cookies: with them a full SYN queue does not stop the answer; {peer} sends its SYN,ACK at once, its seq the cookie, and keeps nothing until the ACK of the cookie comes back.",
                     "zh": "忘了 SYN cookie：启用后，半连接队列满了也照样回答；{peer} 立即发回 SYN,ACK，序号就是 cookie，在收到对它的确认之前什么也不保存。"}},
    "scan_misread": {
        "kind": "claim", "source": "RFC 9293 3.10.7.1 and 3.10.7.2 (a closed port answers RST,ACK; a listener SYN,ACK); a port scanner's reading (nmap's SYN scan)",
        "rule": {"en": "A SYN scan reads the answer: SYN,ACK means open (the scanner's TCP then resets it), RST,ACK means closed, no answer at all means filtered.",
                 "zh": "SYN 扫描看回答：收到 SYN,ACK 说明端口开放（扫描方的 TCP 随后发出复位），收到 RST,ACK 说明端口关闭，什么也收不到说明被过滤。"},
        "feedback": {"en": "Misreads the answer: SYN,ACK means open (the RST after it is the scanner's own TCP refusing a handshake it never began), RST,ACK means closed, and silence means a firewall dropped the probe: filtered.",
                     "zh": "读错了回答：SYN,ACK 表示开放（之后的 RST 是扫描方自己的 TCP 拒绝一次它并未发起的握手），RST,ACK 表示关闭，什么也收不到表示探测报文被防火墙丢弃，即被过滤。"}},
    "old_data_accepted": {
        "kind": "claim", "source": "RFC 9293 3.4 (ISN selection) and 3.10.7.4 (first check: segment acceptability)",
        "rule": {"en": "Because each connection draws its ISN at random, an earlier connection's segment lies outside the new connection's window: it is acknowledged and dropped, not taken as data.",
                 "zh": "每个连接的初始序号都是随机选取的，所以旧连接的报文段落在新连接的接收窗口之外：只被确认并丢弃，不会被当作数据接收。"},
        "feedback": {"en": "Thinks any segment between the same ports is taken: {peer} checks its seq against the window first, and the earlier connection's seq, from its own random ISN, is far outside it; this is why ISNs are random and not, say, always 0.",
                     "zh": "以为同一对端口之间的报文段都会被接收：{peer} 先检查序号是否落在接收窗口内，而旧连接的序号来自它自己随机选取的初始序号，远在窗口之外；这正是初始序号要随机选取、不能总从 0 开始的原因。"}},
    "hs3_no_data": {
        "kind": "claim", "source": "textbook: 'ACK 报文段可以携带数据'; RFC 9293 3.5",
        "rule": {"en": "The third handshake segment may carry data.", "zh": "第三次握手的报文段可以携带数据。"},
        "feedback": {"en": "Thinks the third handshake segment is only an acknowledgement: it has no SYN bit, so it may carry data, which then uses sequence numbers.",
                     "zh": "以为第三次握手只能是确认：它没有 SYN 位，可以携带数据，携带的数据要消耗序号。"}},
}


def misconception_feedback(mid: str, lang: str, variant: str = "feedback", **context: str) -> str:
    """The feedback naming misconception ``mid``, in ``lang``, with ``who``, ``peer`` and
    ``what`` filled in (``variant``: another wording for a context the catalogue names)."""
    m = MISCONCEPTIONS[mid]
    return m.get(variant, m["feedback"])[lang].format(**context)
