"""Rules every trace must obey, shared by the preset, random-script and kernel tests."""

from quizgen.tcp import seq as sq


def seg_len(s):
    return s["len"] + ("SYN" in s["flags"]) + ("FIN" in s["flags"])


def check_trace_rules(trace, *, aborted=False):
    """SYN and FIN use one sequence number each and a pure ACK none; each direction's sequence
    space is contiguous; no ACK covers unsent data; everything sent is acknowledged (unless the
    connection was aborted or refused); both endpoints end CLOSED (a scanned listener that
    nobody connected to still listens)."""
    segs = trace.segments
    nxt = {}            # per sender: the next new sequence number
    sent_end = {}       # per sender: the highest sequence number sent so far (exclusive)
    acked = {}          # per sender: the highest ack its peer has sent
    # an old duplicate SYN belongs to an earlier connection: it, and the answer that
    # acknowledges it, stand outside this connection's sequence space
    old_acks = {sq.add(s["seq"], 1) for s in segs if s.get("old")}
    for s in segs:
        frm, to = s["from"], s["to"]
        if "RST" in s["flags"] or s.get("old") or s["ack"] in old_acks and "SYN" in s["flags"]:
            continue                # B's SYN,ACK to an old SYN: a half-open connection of its own
        if "SYN" in s["flags"] and frm not in nxt:
            nxt[frm] = s["seq"]
        assert frm in nxt, f"segment {s['n']} from {frm} before its SYN"
        length = seg_len(s)
        if s["seq"] == nxt[frm]:
            nxt[frm] = sq.add(s["seq"], length)         # new data: contiguous
        else:                                           # must be a retransmission
            assert sq.lt(s["seq"], nxt[frm]), f"segment {s['n']} leaves a gap"
            assert length > 0, f"pure ACK {s['n']} with an old seq"
        sent_end[frm] = nxt[frm]
        if s["flags"] == ["ACK"] and s["len"] == 0:
            assert length == 0
        if s["ack"] is not None and s["ack"] not in old_acks:
            assert to in sent_end and sq.le(s["ack"], sent_end[to]), \
                f"segment {s['n']} acknowledges data never sent"
            acked[to] = s["ack"]
    if not aborted:
        for who, end in sent_end.items():
            assert acked.get(who) == end, f"{who}'s data up to {end} is not all acknowledged"
    last = {}
    for e in trace.events:
        last[e["who"]] = e["to"]
    if any(s.get("probe") for s in segs) and last.get("B") == "LISTEN":
        del last["B"]
    assert set(last.values()) <= {"CLOSED"}, f"run ends in {last}"
