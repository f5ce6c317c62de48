"""Words the question code needs in both languages: state names and their spellings, and the
feedback for known mistakes (the interface's fixed words are in quizgen/i18n.py). Bank
templates carry everything else."""

from __future__ import annotations

import re

STATES = ["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                 "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"]

#: Linux's names (include/net/tcp_states.h, as `ss` prints them).
LINUX = {"CLOSED": "CLOSE", "LISTEN": "LISTEN", "SYN-SENT": "SYN_SENT",
                "SYN-RECEIVED": "SYN_RECV", "ESTABLISHED": "ESTABLISHED", "FIN-WAIT-1": "FIN_WAIT1",
                "FIN-WAIT-2": "FIN_WAIT2", "CLOSE-WAIT": "CLOSE_WAIT", "CLOSING": "CLOSING",
                "LAST-ACK": "LAST_ACK", "TIME-WAIT": "TIME_WAIT"}

#: The seed article's Chinese names (and the usual ones for states it does not name).
ZH = {"CLOSED": "关闭", "LISTEN": "监听", "SYN-SENT": "同步已发送", "SYN-RECEIVED": "同步收到",
             "ESTABLISHED": "已建立连接", "FIN-WAIT-1": "终止等待1", "FIN-WAIT-2": "终止等待2",
             "CLOSE-WAIT": "关闭等待", "CLOSING": "同时关闭", "LAST-ACK": "最后确认", "TIME-WAIT": "时间等待"}

#: What each state means, for the feedback on a wrong choice.
MEANING = {
    "en": {
        "CLOSED": "CLOSED: no connection at all (before the start, or after the end).",
        "LISTEN": "LISTEN: a server waiting for a SYN.",
        "SYN-SENT": "SYN-SENT: the active opener after sending its SYN, waiting for SYN,ACK.",
        "SYN-RECEIVED": "SYN-RECEIVED: the passive opener after answering a SYN with SYN,ACK.",
        "ESTABLISHED": "ESTABLISHED: the handshake is complete; data flows both ways.",
        "FIN-WAIT-1": "FIN-WAIT-1: the active closer after sending its FIN, before it is acknowledged.",
        "FIN-WAIT-2": "FIN-WAIT-2: the active closer whose FIN is acknowledged, waiting for the peer's FIN.",
        "CLOSE-WAIT": "CLOSE-WAIT: the passive closer after receiving the peer's FIN, before closing itself.",
        "CLOSING": "CLOSING: both FINs crossed (simultaneous close); waiting for the ACK of its own FIN.",
        "LAST-ACK": "LAST-ACK: the passive closer after sending its own FIN, waiting for the last ACK.",
        "TIME-WAIT": "TIME-WAIT: the active closer after acknowledging the peer's FIN; it waits 2 MSL.",
    },
    "zh": {
        "CLOSED": "关闭（CLOSED）：没有连接（开始之前或结束之后）。",
        "LISTEN": "监听（LISTEN）：服务器等待 SYN。",
        "SYN-SENT": "同步已发送（SYN-SENT）：主动打开方发出 SYN 之后、收到 SYN,ACK 之前。",
        "SYN-RECEIVED": "同步收到（SYN-RECEIVED）：被动打开方收到 SYN 并回复 SYN,ACK 之后。",
        "ESTABLISHED": "已建立连接（ESTABLISHED）：握手完成，双方可以传送数据。",
        "FIN-WAIT-1": "终止等待1（FIN-WAIT-1）：主动关闭方发出 FIN、尚未收到确认。",
        "FIN-WAIT-2": "终止等待2（FIN-WAIT-2）：主动关闭方的 FIN 已被确认，等待对方的 FIN。",
        "CLOSE-WAIT": "关闭等待（CLOSE-WAIT）：被动关闭方收到对方的 FIN 之后、自己关闭之前。",
        "CLOSING": "同时关闭（CLOSING）：双方的 FIN 交叉（同时关闭），等待对自己 FIN 的确认。",
        "LAST-ACK": "最后确认（LAST-ACK）：被动关闭方发出自己的 FIN 之后，等待最后的确认。",
        "TIME-WAIT": "时间等待（TIME-WAIT）：主动关闭方确认了对方的 FIN 之后，要等待 2MSL。",
    },
}

#: The pairs students really confuse: each state's three most tempting wrong answers.
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
    return f"{ZH[state]}（{state}）" if lang == "zh" else state


#: Feedback naming each known mistake, for distractors built from it.
MISTAKES = {
    "no_plus_one": {"en": "Forgets that SYN and FIN each use one sequence number: ack must be one more.",
                    "zh": "忘记了 SYN 和 FIN 各消耗一个序号：确认号应再加 1。"},
    "swapped": {"en": "Swaps seq and ack: seq is the sender's own number, ack the next number it expects from the peer.",
                "zh": "把 seq 和 ack 弄反了：seq 是发送方自己的序号，ack 是期望收到对方的下一个序号。"},
    "syn_off": {"en": "Leaves the SYN bit off: the second handshake segment synchronises B's sequence numbers too.",
                "zh": "漏了 SYN 位：第二次握手的报文段也要同步 B 自己的序号，SYN = 1。"},
    "ack_off": {"en": "Leaves the ACK bit off: once the peer's SYN is received every segment carries ACK = 1.",
                "zh": "漏了 ACK 位：收到对方的 SYN 之后，报文段都要置 ACK = 1 才能确认。"},
    "own_number": {"en": "Acknowledges its own number instead of the peer's.",
                   "zh": "确认的是自己的序号，而不是对方的序号。"},
    "data_forgotten": {"en": "Forgets the data bytes received before: ack counts every byte (and each SYN/FIN).",
                       "zh": "忘记了之前收到的数据字节：ack 要把每个数据字节（以及 SYN/FIN）都算上。"},
    "fin_as_ack": {"en": "Sets FIN where only an acknowledgement is sent.",
                   "zh": "只是确认时却置了 FIN 位。"},
    "seq_plus_one": {"en": "Advances seq after a pure ACK: a segment without data, SYN or FIN uses no sequence number.",
                     "zh": "纯确认报文段（无数据、无 SYN/FIN）不消耗序号，seq 不应加 1。"},
}
