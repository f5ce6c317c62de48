"""What the banks cover: topics x question types x difficulty, and the syllabus points each
entry asks about (``quizgen banks coverage``).

A syllabus point is found from the questions themselves, not from a list typed beside the
banks: each entry is generated with a few seeds and every part's ``source`` (where in the
trace its answer was read) is classified against the trace. A part read off the segment with
seq = u and the FIN flag asks about the first FIN; a part read off a segment that repeats an
earlier one asks about retransmission; a claim about what a SYN consumes is about counting;
and so on (``_points_of``). The points are the seed article's steps, then the topics real
exams ask (issue 13), some of which no built-in entry covers yet: the report says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from quizgen.questions import landmarks as lm


#: (id, Chinese, English): the seed article's steps first, then what exams also ask.
POINTS: tuple[tuple[str, str, str], ...] = (
    ("hs-syn", "第一次握手：SYN=1, seq=x", "First handshake: SYN=1, seq=x"),
    ("hs-synack", "第二次握手：SYN=1, ACK=1, seq=y, ack=x+1", "Second handshake: SYN, ACK, seq=y, ack=x+1"),
    ("hs-ack", "第三次握手：ACK=1, seq=x+1, ack=y+1", "Third handshake: ACK, seq=x+1, ack=y+1"),
    ("td-fin1", "第一个 FIN：FIN=1, seq=u", "The first FIN: FIN=1, seq=u"),
    ("td-ack1", "对第一个 FIN 的确认：ACK=1, seq=v, ack=u+1", "The ACK of the first FIN: seq=v, ack=u+1"),
    ("td-fin2", "对端的 FIN：FIN=1, ACK=1, seq=w, ack=u+1", "The peer's FIN: seq=w, ack=u+1"),
    ("td-ack2", "最后的确认：ACK=1, seq=u+1, ack=w+1", "The last ACK: seq=u+1, ack=w+1"),
    ("states", "两端的状态及其变化", "Both ends' states and their changes"),
    ("half-close", "半关闭：被动关闭方继续发送数据（w > v）", "Half-close: the passive closer sends on (w > v)"),
    ("time-wait", "TIME-WAIT 与 2MSL", "TIME-WAIT and 2 MSL"),
    ("counting", "序号与字节的计数（哪些报文段消耗序号）", "Counting sequence numbers and bytes"),
    ("data", "数据报文段与捎带确认", "Data segments and piggybacked ACKs"),
    ("loss", "丢失与重传", "Loss and retransmission"),
    ("reset", "复位：异常终止、拒绝连接", "Resets: abort, refused connection"),
    ("simultaneous", "同时打开、同时关闭", "Simultaneous open and close"),
    ("wraparound", "序号回绕（模 2^32）", "Wraparound (mod 2^32)"),
    ("old-dup-syn", "为什么要三次握手：旧的重复 SYN", "Why three handshakes: an old duplicate SYN"),
    ("no-time-wait", "没有 TIME-WAIT 时：重传的 FIN 被 RST 回答", "Without TIME-WAIT: the retransmitted FIN gets a RST"),
    ("timing", "用 RTT 与 MSL 计算时间", "Timing with RTT and MSL"),
    ("fin-data", "携带数据的 FIN（ack = seq + len + 1）", "A FIN that carries data (ack = seq + len + 1)"),
    ("syn-flood", "SYN 洪泛、半连接与监听队列", "SYN flood, half-open connections, the backlog"),
    ("isn-scan", "ISN 为何随机；端口扫描的回答", "Why the ISN is random; port-scan answers"),
)
POINT_IDS = tuple(p[0] for p in POINTS)
COVERAGE_SEEDS = (1, 2, 3, 4)

#: Claims of true/false entries (``source.claim``) and the points they are about.
_CLAIMS = {
    "syn_consumes": ("counting", "hs-syn"), "fin_consumes": ("counting", "td-fin1"),
    "pure_ack_consumes": ("counting",), "hs3_carries_data": ("hs-ack", "data"),
    "syn_carries_data": ("hs-syn", "data"), "fin_ack_value": ("td-ack1",),
    "time_wait": ("time-wait", "states"), "closed_first": ("states", "time-wait"),
    "both_closed": ("states",), "rst_state": ("reset", "states"),
    "half_close_data": ("half-close", "data"),
    "queue_full_syn": ("syn-flood",), "scan_result": ("isn-scan",),
    "old_data_taken": ("isn-scan",),
}


#: Landmarks (quizgen.questions.landmarks) and the point of the segments that are, or repeat,
#: them: the pure ACKs of the handshake and the close, and an old duplicate's exchange.
_MARKED = {"hs3": "hs-ack", "fin1_ack": "td-ack1", "fin2_ack": "td-ack2",
           "old_syn": "old-dup-syn", "old_synack": "old-dup-syn", "old_rst": "old-dup-syn",
           "probe": "isn-scan", "probe_reply": "isn-scan", "probe_rst": "isn-scan",
           "old_data": "isn-scan", "old_data_ack": "isn-scan"}


def _key(s: Mapping[str, Any]) -> tuple:
    return (s["from"], s["seq"], s["ack"], tuple(s["flags"]), s["len"])


def _roles(trace: Mapping[str, Any]) -> dict[int, set[str]]:
    """Each segment's syllabus points, from its flags and the trace's landmarks."""
    marks = lm.find_landmarks(trace)
    marked = {_key(seg): point for name, point in _MARKED.items()
              if (seg := marks.get(name)) is not None}
    fin1 = marks.get("fin1")
    roles: dict[int, set[str]] = {}
    seen: set[tuple] = set()
    for s in trace["segments"]:
        flags, r, key = set(s["flags"]), set(), _key(s)
        if marked.get(key) in ("old-dup-syn", "isn-scan"):
            r = {marked[key]} | ({"reset"} if "RST" in flags else set())
        elif "RST" in flags:
            r.add("reset")
        elif "SYN" in flags:
            r.add("hs-synack" if "ACK" in flags else "hs-syn")
        elif "FIN" in flags:
            r.add("td-fin1" if fin1 is not None and _key(fin1) == key else "td-fin2")
            if s["len"]:
                r.add("fin-data")
        elif s["len"]:
            r.add("data")
        elif key in marked:
            r.add(marked[key])
            if marked[key] == "td-ack1" and fin1["len"]:
                r.add("fin-data")          # the ACK of a FIN with data: u + len + 1
        if key in seen or s.get("lost"):
            r.add("loss")
        seen.add(key)
        roles[s["n"]] = r
    return roles


def _points_of(q: Mapping[str, Any]) -> set[str]:
    """The syllabus points a generated question asks about."""
    trace = q["trace"]
    roles = _roles(trace)
    found: set[str] = set()
    flood = bool(trace.get("listener"))
    for part in q["parts"]:
        src = part.get("source") or {}
        segs = ([src["segment"]] if "segment" in src else []) + list(src.get("segments", ()))
        for n in segs:
            found |= roles.get(n, set())
        if "segment" in src and "who" in src or "states_of" in src:
            found.add("states")
        if "time_in" in src:
            found.add("time-wait" if src["time_in"] == "TIME-WAIT" else "states")
        if "claim" in src:
            found.update(_CLAIMS.get(src["claim"], ()))
        if "bytes_of" in src or "numbers_of" in src:
            found.add("counting")
        if ("syns_of" in src or "elapsed" in src or "who" in src) and flood:
            found.add("syn-flood")       # SYNs dropped, a delayed open, a cookie's states
        if "syns_of" in src and not flood:
            found.add("loss")
        if "elapsed" in src:
            found.add("timing")
            if src["elapsed"] == "closed_after_fin":
                found.add("time-wait")
    if q.get("diagram"):
        for n in q["diagram"]["segments"]:
            found |= roles.get(n, set())
    scenario = trace.get("scenario", "")
    if scenario.startswith("simultaneous"):
        found.add("simultaneous")
    if scenario == "wraparound" or "wraparound" in q.get("tags", ()):
        found.add("wraparound")
    values = trace.get("values") or {}
    if ("td-fin2" in found and values.get("w") is not None and values.get("v") is not None
            and values["w"] != values["v"]):
        found.add("half-close")
    if (trace.get("options") or {}).get("time_wait") is False and "reset" in found:
        found.add("no-time-wait")
    return found


@dataclass
class Coverage:
    entries: int = 0
    by_topic_type: Counter = field(default_factory=Counter)       # (topic, type) -> n
    by_topic_difficulty: Counter = field(default_factory=Counter)  # (topic, d) -> n
    points: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in POINT_IDS})


def coverage(entries: Sequence[Any], generate, seeds: Iterable[int] = COVERAGE_SEEDS
             ) -> Coverage:
    """The coverage of ``entries``; ``generate(entry, seed, lang)`` makes a question."""
    out = Coverage(entries=len(entries))
    seeds = tuple(seeds)
    for e in entries:
        out.by_topic_type[(e.topic, e.type)] += 1
        out.by_topic_difficulty[(e.topic, e.difficulty)] += 1
        found: set[str] = set()
        for seed in seeds:
            found |= _points_of(generate(e, seed, "en"))
        for p in POINT_IDS:
            if p in found:
                out.points[p].append(e.id)
    return out


def render_text(c: Coverage, lang: str) -> str:
    """The two tables as plain text: topics x types (and difficulty 1/2/3), then points."""
    types = sorted({t for _, t in c.by_topic_type})
    topics = sorted({t for t, _ in c.by_topic_type})
    width = max([5] + [len(t) for t in topics]) + 2
    head = "topic".ljust(width) + "".join(t[:8].rjust(9) for t in types) + "    d1  d2  d3"
    lines = [f"{c.entries} entries", "", head]
    for topic in topics:
        row = topic.ljust(width) + "".join(
            (str(c.by_topic_type[(topic, t)]) if c.by_topic_type[(topic, t)] else "·").rjust(9)
            for t in types)
        row += "  " + "".join(str(c.by_topic_difficulty[(topic, d)]).rjust(4) for d in (1, 2, 3))
        lines.append(row)
    total = "total".ljust(width) + "".join(
        str(sum(c.by_topic_type[(tp, t)] for tp in topics)).rjust(9) for t in types)
    lines += [total, ""]
    name = {p: (zh if lang == "zh" else en) for p, zh, en in POINTS}
    for p in POINT_IDS:
        ids = c.points[p]
        shown = ", ".join(ids[:6]) + (f", … ({len(ids)})" if len(ids) > 6 else "")
        lines.append(f"{p:<13} {len(ids):>3}  {name[p]}")
        lines.append(f"{'':<18} {shown if ids else ('未覆盖' if lang == 'zh' else 'not covered')}")
    return "\n".join(lines) + "\n"


def render_csv(c: Coverage) -> str:
    import csv
    import io

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["point", "name_zh", "name_en", "entries", "ids"])
    for p, zh, en in POINTS:
        out.writerow([p, zh, en, len(c.points[p]), " ".join(c.points[p])])
    return buf.getvalue()
