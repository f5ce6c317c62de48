"""A listener's SYN queue (SYN flood, backlog, SYN cookies) and a port scan's probe."""

import pytest

from quizgen.errors import ScriptError
from quizgen.tcp import parse_script, preset_script, simulate
from quizgen.tcp.endpoint import Limits


def run(text, **kw):
    return simulate(parse_script(text), **kw)


FLOOD = """isn: {A: 1000, B: 5000}
options: {backlog: %d%s}
steps: [{flood: %d}, {wait: %s}, {A: connect}, {A: send 10}, {A: close}, {B: close}]
"""


def syns_from_a(t):
    return [s for s in t.segments if s["from"] == "A" and s["flags"] == ["SYN"]]


def test_a_full_queue_drops_the_syn_until_the_forged_entries_are_given_up():
    t = run(FLOOD % (2, "", 2, 5))
    # A's SYN at 5 s and its retransmissions at 6, 8, 12, 20, 36 s are dropped; B gives the
    # forged entries up at 63 s (SYN,ACK at 0 and at 1, 3, 7, 15, 31, then 32 s more); the
    # SYN of 68 s is answered
    assert [s["time"] for s in syns_from_a(t)] == [5, 6, 8, 12, 20, 36, 68]
    synack = next(s for s in t.segments if s["flags"] == ["SYN", "ACK"])
    assert synack["time"] == 68.05 and synack["ack"] == 1001 and synack["seq"] == 5000
    dropped = [e["segment"] for e in t.listener if e["event"] == "dropped"]
    assert dropped == [1, 2, 3, 4, 5, 6]
    assert [e for e in t.listener if e["event"] == "given up"] == [
        {"time": 63.0, "event": "given up", "count": 2}]
    b = [(e["from"], e["to"]) for e in t.events if e["who"] == "B"]
    assert b[:2] == [("CLOSED", "LISTEN"), ("LISTEN", "SYN-RECEIVED")]


def test_room_in_the_queue_means_the_syn_is_answered_at_once():
    t = run(FLOOD % (3, "", 2, 5))
    assert len(syns_from_a(t)) == 1 and t.segments[1]["flags"] == ["SYN", "ACK"]
    assert [e["event"] for e in t.listener] == ["flood", "given up"]
    assert t.listener[0]["queued"] == 2 and t.listener[0]["queue"] == 2


def test_a_flood_larger_than_the_backlog_fills_it_only():
    t = run(FLOOD % (2, "", 50, 1))
    assert t.listener[0] == {"time": 0.0, "event": "flood", "count": 50, "queued": 2,
                             "queue": 2, "synacks": 6, "held": 63.0}


def test_the_hold_follows_the_synack_retries():
    t = run(FLOOD % (1, "", 1, 1), limits=Limits(synack_retries=1))
    # SYN,ACK at 0 and 1 s, given up 2 s later: 3 s; A's SYNs at 1, 2 dropped, at 4 answered
    assert t.listener[0]["held"] == 3.0 and t.listener[0]["synacks"] == 2
    assert [s["time"] for s in syns_from_a(t)] == [1, 2, 4]


def test_a_syn_cookie_answers_at_once_and_keeps_no_state():
    t = run(FLOOD % (2, ", syn_cookies: true", 2, 0))
    assert [s["flags"] for s in t.segments[:3]] == [["SYN"], ["SYN", "ACK"], ["ACK"]]
    assert t.segments[1]["seq"] == 5000 and t.segments[1]["ack"] == 1001
    b = [(e["from"], e["to"], e["segment"]) for e in t.events if e["who"] == "B"]
    # straight from LISTEN to ESTABLISHED on the ACK of the cookie (segment 3)
    assert b[1] == ("LISTEN", "ESTABLISHED", 3)
    assert [e["event"] for e in t.listener] == ["flood", "cookie", "given up"]


def test_a_lost_cookie_is_not_retransmitted_by_b():
    t = run("""isn: {A: 1000, B: 5000}
options: {backlog: 1, syn_cookies: true}
steps: [{flood: 1}, {lose: B->A}, {A: connect}, {A: close}, {B: close}]""")
    synacks = [s for s in t.segments if s["flags"] == ["SYN", "ACK"]]
    # the first cookie is lost; B sends the next only because A's SYN came again at 1 s
    assert [s["time"] for s in synacks] == [0.05, 1.05] and synacks[0]["lost"]
    assert [s["time"] for s in syns_from_a(t)] == [0, 1]


def test_without_a_flood_the_queue_changes_nothing():
    for name in ("normal", "halfclose", "syn_lost"):
        a = simulate(preset_script(name, seed=5)).to_dict()
        b = simulate(preset_script(name, seed=5, options={"backlog": 1})).to_dict()
        b["options"]["backlog"] = a["options"]["backlog"]
        assert a == b and "listener" not in a


@pytest.mark.parametrize("listen,flags", [(True, [["SYN"], ["SYN", "ACK"], ["RST"]]),
                                          (False, [["SYN"], ["RST", "ACK"]])])
def test_a_probe(listen, flags):
    t = run(f"isn: {{A: 1000, B: 5000}}\noptions: {{listen: {str(listen).lower()}}}\n"
            "steps: [{A: probe}]")
    assert [s["flags"] for s in t.segments] == flags
    assert t.segments[0]["probe"] is True and t.segments[0]["seq"] == 1000
    if listen:      # A's TCP never sent the SYN: it resets the SYN,ACK, seq = its ack
        assert t.segments[2]["seq"] == 1001 and t.segments[2]["ack"] is None
        assert [e["to"] for e in t.events if e["who"] == "B"] == ["LISTEN", "SYN-RECEIVED",
                                                                  "LISTEN"]
    else:           # RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        assert (t.segments[1]["seq"], t.segments[1]["ack"]) == (0, 1001)
    assert not [e for e in t.events if e["who"] == "A"]


def test_a_filtered_probe_gets_nothing_and_is_not_resent():
    t = run("steps: [{lose: A->B}, {A: probe}]")
    assert len(t.segments) == 1 and t.segments[0]["lost"]


@pytest.mark.parametrize("text,field,words", [
    ("steps: [{flood: 0}]", "step 'flood: 0'", "1 to 65,535"),
    ("steps: [{flood: 70000}]", "step 'flood: 70000'", "1 to 65,535"),
    ("options: {listen: false}\nsteps: [{flood: 3}]", "step 'flood: 3'", "B is CLOSED"),
    ("steps: [{A: connect}, {flood: 3}]", "step 'flood: 3'", "B is ESTABLISHED"),
    ("steps: [{B: probe}]", "step 'B: probe'", "only A probes"),
    ("steps: [{A: connect}, {A: probe}]", "step 'A: probe'", "comes first"),
    ("options: {backlog: 0}\nsteps: [{A: connect}]", "options.backlog", "1 to 65535"),
    ("options: {syn_cookies: 1}\nsteps: [{A: connect}]", "options.syn_cookies", "true or false"),
])
def test_bad_listener_scripts_are_one_line_errors(text, field, words):
    with pytest.raises(ScriptError) as info:
        run(text)
    assert info.value.field == field and words in info.value.message


# ---------------------------------------------------------------- old connections' segments
def test_an_old_syn_is_answered_with_an_isn_of_its_own_and_the_connection_with_y():
    t = run("isn: {A: 1000, B: 5000, B_old: 9000}\n"
            "steps: [{old_syn: 100}, {A: connect}, {A: close}, {B: close}]")
    synacks = [s for s in t.segments if s["flags"] == ["SYN", "ACK"]]
    assert [(s["seq"], s["ack"]) for s in synacks] == [(9000, 901), (5000, 1001)]
    assert t.values["y"] == 5000 and t.values["x"] == 1000


def test_b_old_without_an_old_syn_is_refused():
    with pytest.raises(ScriptError) as info:
        run("isn: {A: 1, B: 2, B_old: 3}\nsteps: [{A: connect}]")
    assert info.value.field == "isn.B_old"


def test_an_old_segment_outside_the_window_is_acknowledged_and_dropped():
    t = run("isn: {A: 1000, B: 5000}\n"
            "steps: [{A: connect}, {old_data: 3000000000 100}, {A: send 10}, {A: close}, "
            "{B: close}]")
    old, answer, data = t.segments[3:6]
    assert old["old"] and (old["seq"], old["len"]) == (3000000000, 100)
    # RFC 9293 3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; the bytes are not taken
    assert (answer["from"], answer["flags"], answer["seq"], answer["ack"]) == ("B", ["ACK"],
                                                                                5001, 1001)
    assert data["seq"] == 1001 and t.segments[6]["ack"] == 1011


@pytest.mark.parametrize("seq", [1001, 1001 + 65534, 1001 - 50])
def test_an_old_segment_inside_the_window_is_refused(seq):
    with pytest.raises(ScriptError) as info:
        run(f"isn: {{A: 1000, B: 5000}}\nsteps: [{{A: connect}}, {{old_data: {seq} 100}}]")
    assert "receive window" in info.value.message


def test_the_old_segment_preset_always_lies_outside_the_window():
    for seed in range(300):
        t = simulate(preset_script("old_segment", seed=seed))
        old = next(s for s in t.segments if s.get("old"))
        assert (old["seq"] - t.values["x"] - 1) % 2**32 >= 65535
        assert t.segments[old["n"]]["flags"] == ["ACK"]


def test_the_window_holds_back_what_a_sender_has_unacknowledged():
    t = run("isn: {A: 0, B: 0}\nsteps: [{A: connect}, {A: send 200000 and close}, {B: close}]")
    acked = 1
    for s in t.segments:
        if s["from"] == "B" and s["ack"] is not None:
            acked = max(acked, s["ack"])
        elif s["from"] == "A" and s["len"]:
            assert s["seq"] + s["len"] - acked <= 65535, f"segment {s['n']} is past the window"
    fin = next(s for s in t.segments if "FIN" in s["flags"])
    assert fin["from"] == "A" and fin["len"] and fin["seq"] + fin["len"] == 200001  # on the last


def test_an_old_syn_in_a_synchronized_state_gets_an_ack_and_b_keeps_its_isn():
    # RFC 9293 3.10.7.4 (a SYN in a synchronized state; RFC 5961's challenge ACK): an ACK of
    # what B expects; B_old is for an old SYN that finds B listening, not this one
    t = run("isn: {A: 1000, B: 5000, B_old: 9000}\n"
            "steps: [{A: connect}, {old_syn: 100}, {A: close}, {B: close}]")
    old, answer = t.segments[3:5]
    assert old["old"] and old["seq"] == 900
    assert (answer["flags"], answer["seq"], answer["ack"]) == (["ACK"], 5001, 1001)
    assert t.values["y"] == 5000 and not any(s["seq"] == 9000 for s in t.segments)


def test_many_floods_stay_small():
    steps = "".join("{flood: 65535}, {wait: 100}, " for _ in range(400))
    t = run("options: {backlog: 65535}\nsteps: [" + steps + "{A: connect}, {A: close}, "
            "{B: close}]")
    floods = [e for e in t.listener if e["event"] == "flood"]
    assert len(floods) == 400 and all(e["queued"] == 65535 for e in floods)   # each 63 s
    assert sum(e["count"] for e in t.listener if e["event"] == "given up") == 400 * 65535
