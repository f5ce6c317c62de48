"""Reading a trace: the textbook's named segments, states after a segment, times.

Everything a question asks about is found here, in the trace the simulator produced; these
functions only look things up, they never compute protocol values.
"""

from __future__ import annotations

from typing import Any

from quizgen.tcp.trace import states_after

MOD = 1 << 32
Trace = dict[str, Any]
Seg = dict[str, Any]

#: Landmark names a bank can ask about (``segment: synack``), with what they are.
LANDMARKS = {
    "syn": "the first SYN (first handshake, seq = x)",
    "syn_b": "B's SYN in a simultaneous open",
    "synack": "the first SYN,ACK (second handshake, seq = y, ack = x+1)",
    "hs3": "A's ACK of the SYN,ACK (third handshake, seq = x+1, ack = y+1)",
    "data_a": "A's first data segment",
    "data_b": "B's first data segment",
    "ack_data_a": "B's acknowledgement of A's first data",
    "ack_data_b": "A's acknowledgement of B's first data",
    "fin1": "the first FIN (第一次挥手, seq = u)",
    "fin1_ack": "the peer's segment acknowledging u+1 (第二次挥手, seq = v)",
    "fin2": "the peer's FIN (第三次挥手, seq = w)",
    "fin2_ack": "the closer's ACK of the peer's FIN (第四次挥手, ack = w+1)",
    "rst": "the first RST",
    "lost": "the first lost segment",
    "retx": "the retransmission of the first lost segment",
    "old_syn": "an old duplicate SYN (of an earlier connection) that reaches B",
    "old_synack": "B's SYN,ACK answering the old duplicate SYN (ack = its seq + 1)",
    "old_rst": "A's RST refusing that SYN,ACK (seq = its ack)",
    "old_data": "a data segment of an earlier connection that reaches B, outside its window",
    "old_data_ack": "B's ACK answering it (seq = SND.NXT, ack = RCV.NXT: what B expects)",
}


def first_sends(trace: Trace) -> list[Seg]:
    """Segments that are not retransmissions of an earlier one. Only a segment that uses
    sequence space (data, SYN, FIN) is ever retransmitted; every pure ACK is new."""
    seen, out = set(), []
    for s in trace["segments"]:
        f = s["flags"]
        if s["len"] or "SYN" in f or "FIN" in f:
            key = (s["from"], tuple(f), s["seq"], s["len"])
            if key in seen:
                continue
            seen.add(key)
        out.append(s)
    return out


def landmark(trace: Trace, name: str) -> Seg | None:
    if name not in LANDMARKS:
        raise KeyError(name)
    return find_landmarks(trace)[name]


_last: tuple[Trace | None, dict[str, Seg | None]] = (None, {})


def find_landmarks(trace: Trace) -> dict[str, Seg | None]:
    """Every landmark of the trace, found in one pass over its first sends (remembered for the
    most recent trace: one question asks about one trace many times; traces are never changed)."""
    global _last
    last_trace, last_found = _last        # one read: another thread may replace it meanwhile
    if last_trace is trace:
        return last_found
    found = _find(trace)
    _last = (trace, found)
    return found


def _find(trace: Trace) -> dict[str, Seg | None]:
    v = trace["values"]
    segs = first_sends(trace)
    closer = v["closer"]
    peer = {"A": "B", "B": "A"}.get(closer)
    y1 = (v["y"] + 1) % MOD if v["y"] is not None else None
    # a FIN's ACK acknowledges its data and the FIN: u + len + 1 (len is 0 but for a FIN
    # that carries data)
    fin_len = {(s["from"], s["seq"]): s["len"] for s in segs if "FIN" in s["flags"]}
    u1 = ((v["u"] + fin_len.get((closer, v["u"]), 0) + 1) % MOD
          if v["u"] is not None else None)
    w1 = ((v["w"] + fin_len.get((peer, v["w"]), 0) + 1) % MOD
          if v["w"] is not None else None)
    found: dict[str, Seg | None] = dict.fromkeys(LANDMARKS)
    vv = v["v"]
    # one pass, first match wins; plain conditions rather than a table of lambdas (this runs
    # for every question generated)
    x1 = (v["x"] + 1) % MOD if v["x"] is not None else None
    old = next((s for s in segs if s.get("old") and "SYN" in s["flags"]), None)
    stale = next((s for s in segs if s.get("old") and s["len"]), None)
    if stale is not None:                 # an earlier connection's data, and B's answer to it
        found["old_data"] = stale
        found["old_data_ack"] = next((s for s in segs if s["from"] == "B"
                                      and s["n"] > stale["n"]), None)
    if old is not None:                   # RFC 9293 figure 8: the old SYN and its aftermath
        found["old_syn"] = old
        old1 = (old["seq"] + 1) % MOD
        found["old_synack"] = next((s for s in segs if s["from"] == "B" and "SYN" in s["flags"]
                                    and s["ack"] == old1), None)
        found["old_rst"] = next((s for s in segs if s["from"] == "A" and "RST" in s["flags"]
                                 and s["seq"] == old1), None)
    for s in segs:
        frm, f, ack = s["from"], s["flags"], s["ack"]
        if (s.get("old") or s is found["old_synack"] or s is found["old_rst"]
                or s is found["old_data_ack"]):
            continue                      # not part of this connection
        if f == ["SYN"]:
            name = "syn" if frm == "A" else "syn_b"
            if found[name] is None:
                found[name] = s
        elif f == ["SYN", "ACK"]:
            if found["synack"] is None and (ack == x1 or x1 is None or frm == "A"):
                found["synack"] = s
        if frm == "A" and y1 is not None and ack == y1 and "SYN" not in f and found["hs3"] is None:
            found["hs3"] = s
        if s["len"] > 0:
            name = "data_a" if frm == "A" else "data_b"
            if found[name] is None:
                found[name] = s
        if "FIN" in f:
            if found["fin1"] is None:
                found["fin1"] = s
            elif frm == peer and found["fin2"] is None:
                found["fin2"] = s
        if frm == peer and vv is not None and s["seq"] == vv and ack == u1 and found["fin1_ack"] is None:
            found["fin1_ack"] = s
        if frm == closer and w1 is not None and ack == w1 and found["fin2_ack"] is None:
            found["fin2_ack"] = s
        if "RST" in f and found["rst"] is None:
            found["rst"] = s
    d = found["data_a"]
    if d is not None:
        end = (d["seq"] + d["len"]) % MOD
        found["ack_data_a"] = next((s for s in segs if s["from"] == "B" and s["ack"] == end), None)
    d = found["data_b"]
    if d is not None:
        end = (d["seq"] + d["len"]) % MOD
        found["ack_data_b"] = next((s for s in segs if s["from"] == "A" and s["ack"] == end), None)
    lost = next((s for s in trace["segments"] if s["lost"]), None)
    found["lost"] = lost
    if lost is not None:
        found["retx"] = next((s for s in trace["segments"] if s["n"] > lost["n"] and s["from"] == lost["from"]
                              and s["flags"] == lost["flags"] and s["seq"] == lost["seq"]), None)
    return found


#: Where a captured connection can be seen to end: TIME-WAIT's end, 2 MSL later, is never in
#: a capture.
_ENDED = ("CLOSED", "TIME-WAIT")


def connection_over(trace: Trace) -> bool:
    """Whether the trace shows the connection to its end. A simulation runs until the network
    is quiet; a captured trace (one with ``final_states``) may stop before the end (say, before
    the last ACK), or lose track of an end, whose final state is then null."""
    final = trace.get("final_states")
    return final is None or all(final.get(side) in _ENDED for side in "AB")


def states_complete(trace: Trace, who: str) -> bool:
    """Whether the trace shows every state ``who`` passes through, from its first to where it
    ends the connection: always in a simulation; in a capture, not when the capture starts
    after the handshake, ends before ``who`` is done, or the model lost track of ``who``."""
    final = trace.get("final_states")
    if final is None:
        return True
    unknown = trace.get("unknown") or {}
    return (final.get(who) in _ENDED and who not in (unknown.get("state_unknown_from") or {})
            and unknown.get("states_before_first_segment") is not True)


def state_after(trace: Trace, who: str, seg: Seg) -> str | None:
    """The state ``who`` is in right after sending or receiving ``seg``, if that changed it."""
    changes = [e for e in trace["events"] if e["who"] == who and e["segment"] == seg["n"]]
    return changes[-1]["to"] if changes else None


def state_path(trace: Trace, who: str) -> list[str]:
    """The states ``who`` goes through, in order, starting after CLOSED."""
    return [e["to"] for e in trace["events"] if e["who"] == who]


def time_in(trace: Trace, who: str, state: str) -> float | None:
    """How long ``who`` stays in ``state`` (seconds of simulated time), if it enters and leaves it."""
    events = [e for e in trace["events"] if e["who"] == who]
    for e, nxt in zip(events, events[1:]):
        if e["to"] == state:
            return round(nxt["time"] - e["time"], 3)
    return None


def sent_bytes(trace: Trace, who: str) -> list[int]:
    """Byte counts of ``who``'s send steps, in order (the script's parameters)."""
    out = []
    for step in trace.get("steps", []):
        what = step.get(who)
        if what and what.startswith("send "):
            out.append(int(what.split()[1]))
    return out


_PEER = {"A": "B", "B": "A"}


def template_view(trace: Trace, states: bool = False) -> dict[str, Any]:
    """What bank templates may read of a trace. A value the trace does not have (y of a
    refused connection, u of a capture that ends early) is left out, so a template using it
    fails loudly instead of printing None. With ``states``, also both ends' states at the moment
    each segment is sent (after any change the sending made), by segment number:
    ``states[3].B``."""
    v = trace["values"]
    closer = v["closer"]
    view: dict[str, Any] = {
        "values": v, "seg": {k: s for k, s in find_landmarks(trace).items() if s is not None},
        "segments": trace["segments"], "events": trace["events"], "options": trace["options"],
        "sent": {"A": sent_bytes(trace, "A"), "B": sent_bytes(trace, "B")},
    }
    for name in ("x", "y", "u", "v", "w"):
        if v[name] is not None:
            view[name] = v[name]
    if trace["options"].get("msl") is not None:
        view["msl"] = trace["options"]["msl"]
    if trace["scenario"] is not None:
        view["scenario"] = trace["scenario"]
    if states:
        view["states"] = {seg["n"]: after for seg, after
                          in zip(trace["segments"], states_after(trace["segments"], trace["events"]))}
    if closer is not None:
        view["closer"] = closer
        view["peer"] = _PEER[closer]
        seconds = time_in(trace, closer, "TIME-WAIT")
        if seconds is not None:     # whole seconds as an int (240, not 240.0)
            view["time_wait"] = int(seconds) if seconds == int(seconds) else seconds
    return view
