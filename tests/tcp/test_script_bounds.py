"""Bounds on what a script may ask (issue 12): sizes, segments, steps, one connection; and
simulated time that stays exact whatever came before."""

import time

import pytest

from quizgen.errors import ScriptError
from quizgen.tcp import parse_script, simulate
from quizgen.tcp.script import MAX_SEGMENTS, MAX_SEND, MAX_STEPS


def script(steps, options=""):
    return parse_script(f"isn: {{A: 1000, B: 5000}}\n{options}\nsteps: [{', '.join(steps)}]",
                        source="s.yaml")


def error(steps, options=""):
    with pytest.raises(ScriptError) as info:
        simulate(script(steps, options))
    assert info.value.file == "s.yaml" and info.value.field
    return info.value


@pytest.mark.parametrize("mss", [1, 2, 3, 7, 536])
def test_mss_from_1_works_for_sends_within_the_bound(mss):
    start = time.perf_counter()
    t = simulate(script(["{A: connect}", "{lose: A->B}", "{A: send 4000}", "{B: send 900}",
                         "{A: close}", "{B: close}"], options=f"options: {{mss: {mss}}}"))
    assert time.perf_counter() - start < 5
    data = [s for s in t.segments if s["from"] == "A" and s["len"] and not s["lost"]]
    assert sum(s["len"] for s in data) == 4000          # the lost first segment came again
    assert max(s["len"] for s in data) <= mss
    assert [e["to"] for e in t.events][-1] == "CLOSED"


def test_one_send_of_more_segments_than_a_script_makes_is_refused_before_it_runs():
    exc = error(["{A: connect}", "{A: send 20000}"], options="options: {mss: 1}")
    assert (exc.line, exc.field) == (3, "step 'A: send 20000'")
    assert "20,000 segments" in exc.message and f"{MAX_SEGMENTS:,}" in exc.message


def test_the_step_that_takes_the_run_past_the_segment_bound_is_named():
    exc = error(["{A: connect}", "{A: send 4000}", "{B: send 4000}"], options="options: {mss: 1}")
    assert exc.field == "step 'B: send 4000'"
    assert f"past {MAX_SEGMENTS:,} segments" in exc.message


@pytest.mark.parametrize("n, words", [
    (MAX_SEND + 1, f"1 to {MAX_SEND} bytes, not {MAX_SEND + 1}"),
    (0, "not 0"),
    (10**9, "not 1000000000"),
    ("9" * 5000, "not a 5,000-digit number"),
    ("0" * 5000 + "7", None),                            # leading zeros: just 7
])
def test_send_sizes(n, words):
    steps = ["{A: connect}", f"{{A: send {n}}}"]
    if words is None:
        assert simulate(script(steps)).segments[-2]["len"] == 7
        return
    exc = error(steps)
    assert words in exc.message
    assert len(exc.field) < 60                           # the step is shortened in the message


def test_steps_are_bounded_and_the_first_one_too_many_is_named():
    assert simulate(script(["{A: connect}"] + ["{wait: 0}"] * (MAX_STEPS - 1)))
    with pytest.raises(ScriptError) as info:
        parse_script("steps:\n" + "  - wait: 0\n" * (MAX_STEPS + 1), source="s.yaml")
    assert (info.value.line, info.value.field) == (MAX_STEPS + 2, "steps")


@pytest.mark.parametrize("steps, first", [
    (["{A: connect}", "{A: abort}", "{A: connect}"], "line 3: A: connect"),
    (["{both: connect}", "{lose: A->B}", "{lose: A->B}", "{A: abort}", "{both: connect}"],
     "line 3: both: connect"),
    (["{A: connect}", "{B: close}", "{A: connect}", "{A: abort}"], "line 3: A: connect"),
    (["{A: connect}", "{B: abort}", "{B: connect}"], "B listens from the start"),
])
def test_a_script_plays_one_connection(steps, first):
    # issue 12: these were model errors, an OverflowError and a loop; a reconnect would reuse
    # the ISNs of the connection before, which no real stack does
    exc = error(steps, options="options: {fin_ack: merge}")
    assert "one connection" in exc.message and first in exc.message


def test_a_connect_the_table_refuses_is_still_named_as_such():
    exc = error(["{A: connect}", "{A: connect}"])
    assert exc.message == "connect is not allowed in state ESTABLISHED"


def test_time_stays_exact_after_a_billion_seconds_and_time_wait_lasts_2_msl():
    steps = ["{A: connect}"] + ["{wait: 999999.999}"] * (MAX_STEPS - 4) + ["{lose: B->A}",
                                                                          "{A: close}", "{B: close}"]
    t = simulate(script(steps, options="options: {msl: 1}"))
    ms = [(round(e["time"] * 1000), e) for e in t.events if e["who"] == "A"]
    enter = next(m for m, e in ms if e["to"] == "TIME-WAIT")
    leave = next(m for m, e in ms if e["from"] == "TIME-WAIT")
    assert enter > 10**12 * 0.99                          # about 10^9 s, in ms
    assert leave - enter == 2 * 1000
    assert all(e["time"] == m / 1000 for m, e in ms)        # whole ms, shown exactly
    tw = next(e for m, e in ms if e["to"] == "TIME-WAIT")
    out = next(e for m, e in ms if e["from"] == "TIME-WAIT")
    assert round(out["time"] - tw["time"], 3) == 2.0         # as question types compute it
