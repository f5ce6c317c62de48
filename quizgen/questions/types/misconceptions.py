"""Distractors from named misconceptions: the question's own connection run again under one
faulty rule (names.MISCONCEPTIONS says each rule and where it is written).

Sequence numbers are renumbered: the same segments, sent in the same order and
acknowledging the same segments of the peer, but with a faulty count of the numbers a SYN,
a FIN, a pure ACK or half-closed data uses, or a faulty way of forming ack (the number
received, seq + 1, one's own number, seq and ack swapped). Run with no fault, the renumbering
must give the trace's own numbers: a trace it cannot reproduce (a capture unlike any
simulation) gets no distractors from it. Control bits and states go wrong one rule at a time
the same way: a SYN,ACK without SYN, an acknowledgement without ACK, a passive closer in
TIME-WAIT.

Each distractor carries the id of its misconception (``misconception``) and the feedback
that names it. Where two misconceptions give the same answer, the one whose faulty rule
acts nearest the asked segment names it (a FIN counted as using no number, not a SYN).
"""

from __future__ import annotations

from typing import Any

from quizgen.questions import landmarks as lm
from quizgen.questions.names import MISCONCEPTIONS, misconception_feedback

MOD = 1 << 32
_PEER = {"A": "B", "B": "A"}

#: The numbering faults, in the order they are tried (and preferred when two agree at the
#: same distance).
NUMBERING = ("fin_uses_none", "syn_uses_none", "ack_uses_number", "w_equals_v")
#: The distance of a misconception about the asked segment's own situation (a reset answering
#: a segment that carries ACK, an old segment's answer): before every other, and always offered.
SITUATION = -1
ACKING = ("ack_is_received_seq", "ack_is_seq_plus_one", "own_number", "swapped")


def _uses(s: dict, fault: str | None, late: set[int]) -> int:
    """The sequence numbers segment ``s`` uses under ``fault``."""
    syn, fin = "SYN" in s["flags"], "FIN" in s["flags"]
    n = s["len"] + syn + fin
    if fault == "syn_uses_none":
        n -= syn
    elif fault == "fin_uses_none":
        n -= fin
    elif fault == "ack_uses_number" and not (syn or fin or s["len"] or "RST" in s["flags"]):
        n += 1
    elif fault == "w_equals_v" and s["n"] in late:
        n -= s["len"]
    return n


class Renumbering:
    """The trace's first sends, numbered again under a fault. ``numbers(fault)`` maps each
    segment number to its (seq, ack) under the fault; None if the fault changes nothing of
    the asked segment or the trace cannot be renumbered."""

    def __init__(self, trace: dict):
        self.trace = trace
        # the connection's own segments: an old duplicate (of an earlier connection), B's
        # SYN,ACK answering an old SYN and A's reset of it belong to no connection here
        marks = lm.find_landmarks(trace)
        stray = {id(marks[k]) for k in ("old_synack", "old_rst") if marks.get(k) is not None}
        self.segs = [s for s in lm.first_sends(trace) if not s.get("old") and id(s) not in stray]
        isn = {}
        for s in self.segs:
            if "SYN" in s["flags"] and s["from"] not in isn:
                isn[s["from"]] = s["seq"]
        self.isn = isn
        # half-closed data: what the peer sends after acknowledging the first FIN
        late: set[int] = set()
        fin1_ack, v = marks.get("fin1_ack"), trace["values"]
        if fin1_ack is not None:
            late = {s["n"] for s in self.segs if s["from"] == fin1_ack["from"]
                    and s["n"] > fin1_ack["n"] and s["len"] and "FIN" not in s["flags"]}
        self.late = late
        self.closer = v.get("closer")
        self._numbers: dict[str | None, dict[int, tuple[int, int | None]]] = {}
        self.prefix = {s["n"]: self._prefix(s) for s in self.segs}
        self.ok = all(self.numbers(None).get(s["n"]) == (s["seq"], s["ack"]) for s in self.segs
                      if s["n"] in self.prefix)

    def _prefix(self, s: dict) -> list[dict] | None:
        """The peer's segments ``s`` acknowledges: the longest run of the peer's first sends,
        sent before ``s``, whose numbers end where ``s.ack`` points."""
        if s["ack"] is None:
            return []
        peer = _PEER[s["from"]]
        if peer not in self.isn:
            return None
        before = [t for t in self.segs if t["from"] == peer and t["time"] < s["time"]]
        end, best = self.isn[peer], None
        for k, t in enumerate(before):
            end = (end + _uses(t, None, self.late)) % MOD
            if end == s["ack"]:
                best = before[:k + 1]
        return best

    def numbers(self, fault: str | None) -> dict[int, tuple[int, int | None]]:
        """Each segment's (seq, ack) under ``fault`` (computed once a fault: a question asks
        it of several segments)."""
        known = self._numbers.get(fault)
        if known is None:
            known = self._numbers[fault] = self._renumber(fault)
        return known

    def _renumber(self, fault: str | None) -> dict[int, tuple[int, int | None]]:
        out: dict[int, tuple[int, int | None]] = {}
        nxt = dict(self.isn)
        start = dict(nxt)
        seq_of: dict[int, int] = {}
        for s in self.segs:
            h = s["from"]
            if h not in nxt:                 # a reset from an end that never sent a SYN
                seq_of[s["n"]] = s["seq"]
            else:
                seq_of[s["n"]] = nxt[h]
                nxt[h] = (nxt[h] + _uses(s, fault, self.late)) % MOD
        for s in self.segs:
            prefix = self.prefix.get(s["n"])
            if prefix is None:
                continue
            seq = seq_of[s["n"]]
            if s["ack"] is None:
                ack = None
            elif fault == "ack_is_received_seq" or fault == "ack_is_seq_plus_one":
                used = [t for t in prefix if _uses(t, None, self.late)]
                if not used:
                    continue
                last = used[-1]
                if fault == "ack_is_seq_plus_one" and not last["len"]:
                    continue                 # seq + 1 is right for a SYN or FIN alone
                ack = (last["seq"] + (fault == "ack_is_seq_plus_one")) % MOD
            elif fault == "own_number":
                ack = (s["seq"] + 1) % MOD
            else:
                ack = start[_PEER[s["from"]]]
                for t in prefix:
                    ack = (ack + _uses(t, fault, self.late)) % MOD
            if fault == "swapped":
                if ack is None or ack == seq:
                    continue
                seq, ack = s["ack"], s["seq"]
            out[s["n"]] = (seq, ack)
        return out

    def distance(self, fault: str, seg: dict) -> int:
        """How far before ``seg`` the fault first changes anything (0: at ``seg`` itself)."""
        if fault in ACKING:
            return 0
        changed = [t["n"] for t in self.segs if t["n"] <= seg["n"]
                   and _uses(t, fault, self.late) != _uses(t, None, self.late)]
        return seg["n"] - max(changed) if changed else 10**6


def _what(seg: dict, renum: Renumbering | None, lang: str) -> str:
    """What ``seg`` acknowledges, in words: "A's FIN", "B 的数据"."""
    prefix = renum.prefix.get(seg["n"]) if renum else None
    used = [t for t in (prefix or ()) if t["len"] or {"SYN", "FIN"} & set(t["flags"])]
    if not used:
        return ""
    t = used[-1]
    kind = "SYN" if "SYN" in t["flags"] else "FIN" if "FIN" in t["flags"] and not t["len"] else None
    if lang == "zh":
        return f"{t['from']} 的 {kind}" if kind else f"{t['from']} 的数据"
    return f"{t['from']}'s {kind}" if kind else f"{t['from']}'s data"


def _context(seg: dict, renum: Renumbering | None, lang: str, who: str | None = None) -> dict:
    who = who or seg["from"]
    return {"who": who, "peer": _PEER[who], "what": _what(seg, renum, lang)}


def segment_variants(seg: dict, trace: dict) -> list[tuple[str, dict, int]]:
    """The asked segment as each misconception would write it: (id, {flags, seq, ack},
    distance), one per distinct wrong segment, nearest faulty rule first (``distance``: how
    many segments before the asked one the faulty rule first acts; 0 for a rule of the
    segment itself, SITUATION for a mistake about the situation the segment answers)."""
    renum = Renumbering(trace)
    right = (tuple(seg["flags"]), seg["seq"], seg["ack"])
    found: list[tuple[int, int, str, dict]] = []       # (distance, order, id, segment)
    if renum.ok and seg["n"] in renum.prefix:
        for k, fault in enumerate(NUMBERING + ACKING):
            got = renum.numbers(fault).get(seg["n"])
            if got is None:
                continue
            found.append((renum.distance(fault, seg), k, fault,
                          {"flags": list(seg["flags"]), "seq": got[0], "ack": got[1]}))
    f, options = seg["flags"], trace["options"]
    order = len(NUMBERING + ACKING)
    if "SYN" in f and seg["seq"] != 0:        # its seq is the ISN: taken for 0
        found.append((0, order, "isn_zero", {"flags": list(f), "seq": 0, "ack": seg["ack"]}))

    def flags(fault: str, new_flags: list[str], ack: Any = "keep") -> None:
        found.append((0, order + len(found), fault, {"flags": new_flags, "seq": seg["seq"],
                                                     "ack": seg["ack"] if ack == "keep" else ack}))

    acked = renum.prefix.get(seg["n"]) if renum.ok else None
    acknowledges = bool(acked and any(t["len"] or {"SYN", "FIN"} & set(t["flags"]) for t in acked))
    if "SYN" in f and "ACK" in f:
        flags("syn_bit_off", [x for x in f if x != "SYN"])
    if "ACK" in f:
        off = [x for x in f if x != "ACK"]
        if "RST" in f:
            if not options.get("listen", True) or trace["values"].get("y") is None:
                flags("rst_without_ack", off, None)      # refused: RFC 9293 3.10.7.1
            # an abort's RST: RFC 9293's ABORT sends it without ACK, so that is no mistake
        elif "FIN" in f and seg is lm.landmark(trace, "fin1"):
            if options.get("fin_has_ack"):
                flags("fin_without_ack", off, None)
        elif acknowledges and not seg["len"]:
            flags("ack_bit_off", off, None)
    if f == ["ACK"] and not seg["len"]:
        flags("fin_on_ack", ["FIN", "ACK"])
    aborts = any(e.get("cause") == "abort" and e.get("segment") == seg["n"]
                 for e in trace["events"])
    if f == ["RST"] and not aborts:   # a reset answering a segment with ACK: <SEQ=SEG.ACK><CTL=RST>
        answered = next((t for t in reversed(trace["segments"][:seg["n"] - 1])
                         if t["to"] == seg["from"] and not t["lost"]), None)
        if answered is not None and answered["ack"] is not None:
            used = answered["len"] + ("SYN" in answered["flags"]) + ("FIN" in answered["flags"])
            found.append((SITUATION, order + len(found), "rst_acks_it",
                          {"flags": ["RST", "ACK"], "seq": 0,
                           "ack": (answered["seq"] + used) % (1 << 32)}))
            if {"SYN", "ACK"} <= set(answered["flags"]):      # an old duplicate's SYN,ACK
                found.append((SITUATION, order + len(found), "old_synack_accepted",
                              {"flags": ["ACK"], "seq": answered["ack"],
                               "ack": (answered["seq"] + 1) % (1 << 32)}))
    stale = next((t for t in reversed(trace["segments"][:seg["n"] - 1])
                  if t["to"] == seg["from"] and not t["lost"]), None)
    if stale is not None and stale.get("old") and stale["len"] and f == ["ACK"]:
        # the answer to an earlier connection's segment: taken as data, or reset
        found.append((SITUATION, order + len(found), "stale_data_taken",
                      {"flags": list(f), "seq": seg["seq"],
                       "ack": (stale["seq"] + stale["len"]) % (1 << 32)}))
        found.append((SITUATION, order + len(found), "stale_gets_rst",
                      {"flags": ["RST"], "seq": stale["ack"], "ack": None}))
    found.sort(key=lambda d: (d[0], d[1]))
    out, seen = [], {right}
    for distance, _, fault, cand in found:
        key = (tuple(cand["flags"]), cand["seq"], cand["ack"])
        if key not in seen:
            seen.add(key)
            out.append((fault, cand, distance))
    return out


def plausible(variants: list[tuple], distance_of=lambda v: v[-1], near: int = 4) -> list[tuple]:
    """The variants a student would plausibly write: the three nearest, and any other whose
    faulty rule acts within ``near`` segments of the asked one (a SYN counted wrong far back
    in the connection, behind numbers the prompt prints, is no one's answer)."""
    if len(variants) <= 3:
        return list(variants)
    cut = max(near, sorted(distance_of(v) for v in variants)[2])
    return [v for v in variants if distance_of(v) <= cut]


def feedback(mid: str, seg: dict, trace: dict, lang: str, who: str | None = None) -> str:
    """The feedback of a distractor of segment ``seg`` made by misconception ``mid``."""
    renum = Renumbering(trace)
    variant = "feedback"
    if mid == "fin_on_ack" and any(s["from"] == seg["from"] and "FIN" in s["flags"]
                                   and s["n"] < seg["n"] for s in trace["segments"]):
        variant = "feedback_closed"
    return misconception_feedback(mid, lang, variant,
                                  **_context(seg, renum if renum.ok else None, lang, who))


# ------------------------------------------------------------------------------ states
_SWAP_CLOSE = {"FIN-WAIT-1": "CLOSE-WAIT", "CLOSE-WAIT": "FIN-WAIT-1",
               "FIN-WAIT-2": "LAST-ACK", "LAST-ACK": "FIN-WAIT-2"}
_SWAP_OPEN = {"SYN-SENT": "SYN-RECEIVED", "SYN-RECEIVED": "SYN-SENT"}


def state_variants(trace: dict, who: str, seg: dict, answer: str) -> list[tuple[str, str]]:
    """The state ``who`` is in after ``seg`` as each misconception has it: (id, state), one
    per distinct wrong state, the specific misconceptions before the general ones."""
    events = [e for e in trace["events"] if e["who"] == who]
    here = [k for k, e in enumerate(events) if e["segment"] == seg["n"]]
    out: list[tuple[str, str]] = []
    if not here:
        return out
    first = events[here[0]]
    after = events[here[-1] + 1] if here[-1] + 1 < len(events) else None
    rst = "RST" in seg["flags"]
    if answer == "SYN-RECEIVED" and first["from"] == "LISTEN" and after is not None \
            and after["to"] == "ESTABLISHED":
        out.append(("two_way_handshake", "ESTABLISHED"))
    if answer in _SWAP_OPEN and first["from"] in ("CLOSED", "LISTEN"):   # not a simultaneous open
        out.append(("handshake_roles", _SWAP_OPEN[answer]))
    if answer == "CLOSING":
        out.append(("fin_means_close_wait", "CLOSE-WAIT"))
        out.append(("fin_is_ack", "TIME-WAIT"))
    if answer in _SWAP_CLOSE:
        out.append(("roles_swapped", _SWAP_CLOSE[answer]))
    if answer == "CLOSED" and first["from"] == "LAST-ACK":
        out.append(("passive_time_wait", "TIME-WAIT"))
    if answer == "TIME-WAIT" and first["from"] == "FIN-WAIT-1" and {"FIN", "ACK"} <= set(seg["flags"]):
        out.append(("merged_fin_ignored", "FIN-WAIT-2"))
    if answer == "TIME-WAIT":
        out.append(("no_time_wait", "CLOSED"))
    if answer == "CLOSED" and rst:
        out.append(("rst_time_wait", "TIME-WAIT"))
    if answer == "LISTEN" and rst:
        out.append(("rst_closes_listener", "CLOSED"))
    if answer == "ESTABLISHED" and first["from"] == "LISTEN":   # a SYN cookie's ACK
        out.append(("cookie_keeps_state", "SYN-RECEIVED"))
    if answer == "CLOSE-WAIT" and after is None:           # and it never leaves it
        out.append(("close_wait_times_out", "CLOSED"))
    out.append(("state_lags", first["from"]))
    if after is not None:
        out.append(("state_jumps", after["to"]))
    seen, distinct = {answer}, []
    for mid, state in out:
        if state not in seen:
            seen.add(state)
            distinct.append((mid, state))
    return distinct


def state_feedback(mid: str, who: str, lang: str) -> str:
    return misconception_feedback(mid, lang, who=who, peer=_PEER[who], what="")


def known(mid: str) -> bool:
    return mid in MISCONCEPTIONS
