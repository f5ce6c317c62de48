"""Giving up as Linux does: a SYN, a SYN,ACK, data or a FIN that is never answered is
retransmitted a bounded number of times (tcp_syn_retries 6, tcp_synack_retries 5,
tcp_retries2 15), the timeout doubling from 1 s up to TCP_RTO_MAX = 120 s; then the endpoint
goes to CLOSED with cause "timeout" and sends nothing, no RST."""

import pytest

from quizgen.errors import ScriptError
from quizgen.tcp import parse_script, simulate
from quizgen.tcp.endpoint import LINUX, MAX_RTO_MS, Limits
from quizgen.tcp.states import TRANSITIONS, Input, State


def script(steps, options="", isn="isn: {A: 1000, B: 5000}"):
    return parse_script(f"{isn}\n{options}\nsteps: [{', '.join(steps)}]", source="s.yaml")


def lose(direction, times):
    return [f"{{lose: {direction}}}"] * times


def times_of(trace, pred):
    return [s["time"] for s in trace.segments if pred(s)]


def ends(trace):
    last = {}
    for e in trace.events:
        last[e["who"]] = e
    return last


def test_a_syn_never_answered_is_sent_seven_times_and_connect_fails_at_127_s():
    t = simulate(script(lose("A->B", 200) + ["{A: connect}"]))
    assert times_of(t, lambda s: s["flags"] == ["SYN"]) == [0, 1, 3, 7, 15, 31, 63]
    assert len(t.segments) == 1 + LINUX.syn_retries
    a = ends(t)["A"]
    assert (a["time"], a["from"], a["to"], a["cause"]) == (127, "SYN-SENT", "CLOSED", "timeout")
    assert not any("RST" in s["flags"] for s in t.segments)


def test_the_last_syn_the_limit_allows_still_opens_the_connection():
    t = simulate(script(lose("A->B", LINUX.syn_retries) + ["{A: connect}", "{A: close}",
                                                           "{B: close}"]))
    assert [e["to"] for e in t.events if e["who"] == "A"][:2] == ["SYN-SENT", "ESTABLISHED"]
    assert all(e["cause"] != "timeout" for e in t.events)


def test_a_syn_ack_never_answered_is_given_up_by_b_after_five_retransmissions_of_its_own():
    t = simulate(script(lose("B->A", 200) + ["{A: connect}"]))
    b, a = ends(t)["B"], ends(t)["A"]
    assert (b["from"], b["to"], b["cause"]) == ("SYN-RECEIVED", "CLOSED", "timeout")
    assert (a["from"], a["to"], a["cause"], a["time"]) == ("SYN-SENT", "CLOSED", "timeout", 127)
    # B answers each of A's 7 SYNs at once and retransmits on its timer 5 times: 12 SYN,ACKs
    synacks = times_of(t, lambda s: s["flags"] == ["SYN", "ACK"])
    assert len(synacks) == 7 + LINUX.synack_retries
    assert not any("RST" in s["flags"] for s in t.segments)


def test_data_never_acknowledged_is_retransmitted_fifteen_times_with_the_rto_capped():
    t = simulate(script(["{A: connect}"] + lose("A->B", 200) + ["{A: send 100}"]))
    sent = times_of(t, lambda s: s["len"] == 100)
    assert len(sent) == 1 + LINUX.retries2
    gaps = [round(b - a, 3) for a, b in zip(sent, sent[1:])]
    assert gaps == [1, 2, 4, 8, 16, 32, 64] + [120] * 8          # 1 s doubling, 120 s at most
    a, b = ends(t)["A"], ends(t)["B"]
    assert (a["from"], a["to"], a["cause"]) == ("ESTABLISHED", "CLOSED", "timeout")
    assert round(a["time"] - sent[-1], 3) == MAX_RTO_MS / 1000    # the last timeout, then CLOSED
    assert b["to"] == "ESTABLISHED"        # B never heard: no RST tells it (as in Linux)
    assert not any("RST" in s["flags"] for s in t.segments)


def test_a_fin_never_acknowledged_ends_fin_wait_1_with_a_timeout():
    t = simulate(script(["{A: connect}"] + lose("A->B", 200) + ["{A: close}"]))
    assert len([s for s in t.segments if "FIN" in s["flags"]]) == 1 + LINUX.retries2
    a = ends(t)["A"]
    assert (a["from"], a["to"], a["cause"]) == ("FIN-WAIT-1", "CLOSED", "timeout")


def test_the_count_starts_again_after_an_ack_of_something_new():
    # 12 losses of the data, then it arrives; 12 losses of the FIN, then it arrives: neither
    # reaches 15 retransmissions, so the connection closes normally
    steps = (["{A: connect}"] + lose("A->B", 12) + ["{A: send 100}"] + lose("A->B", 12)
             + ["{A: close}", "{B: close}"])
    t = simulate(script(steps))
    assert all(e["cause"] != "timeout" for e in t.events)
    assert ends(t)["A"]["from"] == "TIME-WAIT"


def test_the_rto_never_exceeds_120_s_and_time_wait_is_exactly_2_msl_after_it():
    steps = (["{A: connect}"] + lose("A->B", 14) + ["{A: send 1}"] + lose("B->A", 14)
             + ["{A: close}", "{B: close}"])
    t = simulate(script(steps, options="options: {msl: 7}"))
    times = [s["time"] for s in t.segments]
    assert max(b - a for a, b in zip(times, times[1:])) <= 120
    tw = [e for e in t.events if e["who"] == "A" and "TIME-WAIT" in (e["from"], e["to"])]
    last_fin = max(s["time"] for s in t.segments if s["from"] == "B" and "FIN" in s["flags"])
    assert tw[1]["cause"] == "timer"
    assert round(tw[1]["time"] * 1000) - round(last_fin * 1000) - 50 == 2 * 7 * 1000


def test_limits_are_linux_sysctls_and_can_be_lowered_as_the_kernel_tests_do():
    t = simulate(script(lose("A->B", 9) + ["{A: connect}"]), limits=Limits(syn_retries=2))
    assert times_of(t, lambda s: s["flags"] == ["SYN"]) == [0, 1, 3]
    assert ends(t)["A"]["time"] == 7
    t = simulate(script(["{A: connect}"] + lose("A->B", 9) + ["{A: send 10}"]),
                 limits=Limits(retries2=3))
    assert len([s for s in t.segments if s["len"]]) == 4
    with pytest.raises(ValueError):
        Limits(retries2=0)


def test_a_call_after_the_timeout_names_it():
    with pytest.raises(ScriptError) as info:
        simulate(script(lose("A->B", 7) + ["{A: connect}", "{A: send 10}"]))
    exc = info.value
    assert (exc.file, exc.field) == ("s.yaml", "step 'A: send 10'")
    assert exc.message == "send is not allowed in state CLOSED (A gave up at 127 s: a timeout)"


def test_every_state_that_retransmits_can_give_up_and_only_those():
    retransmitting = {s for (s, i) in TRANSITIONS if i is Input.RETRANSMIT_TIMEOUT}
    giving_up = {s for (s, i) in TRANSITIONS if i is Input.GIVE_UP_TIMEOUT}
    assert retransmitting == giving_up
    assert all(TRANSITIONS[(s, Input.GIVE_UP_TIMEOUT)][1] is State.CLOSED for s in giving_up)
