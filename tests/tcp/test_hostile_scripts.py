"""Hostile scripts: whatever a script says, the simulator returns a trace or raises one
ScriptError naming the file, the line and the field; never another exception, never without
end.

Scripts are drawn from the whole script grammar (connect, listen or not, send N, close, abort,
both, lose, wait, old_syn, old_data, flood, probe, every option), in any order and number: huge and negative numbers, numbers of
thousands of digits, mss 1, hundreds of losses, a second connect, more steps than allowed, and
(in one script in five) steps that are plain wrong. A step the connection's state refuses is a
ScriptError like any other; it is then taken out and the rest runs again, so that most runs
go deep. 200 examples in CI, 50 locally; ``HOSTILE_EXAMPLES`` (environment) runs more.
"""

import os
import re

import yaml
from hypothesis import HealthCheck, event, given, settings, strategies as st

from quizgen.errors import ScriptError
from quizgen.tcp import MOD, parse_script
from quizgen.tcp.script import MAX_SEGMENTS, MAX_SEND, MAX_STEPS
from quizgen.tcp.simulator import LATENCY_MS, MAX_EVENTS, Simulator
from tests.tcp.checks import seg_len

SOURCE = "hostile.yaml"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "200" if os.environ.get("CI") else "50"))

WHO = st.sampled_from(["A", "B"])
BYTES = st.one_of(
    st.integers(1, 3000),
    st.sampled_from([1, 536, 1460, 1461, 20_000, MAX_SEND, MAX_SEND + 1, 0, -5, 10**9]),
    st.integers(-10**12, 10**12),
)
SEND = st.one_of(
    BYTES.map(lambda n: f"send {n}"),
    st.integers(21, 6000).map(lambda k: "send " + "9" * k),     # thousands of digits
    st.sampled_from(["send", "send x", "send 1.5", "send  100 ", "send 0x10"]),
)
CALL = st.one_of(st.sampled_from(["connect", "close", "abort"]), SEND)
SECONDS = st.one_of(
    st.sampled_from([0, 0.001, 0.05, 1, 30, 240, 10**6, 10**6 + 1, -1, True, "forever", None]),
    st.floats(0, 2e6, allow_nan=False),
    st.integers(0, 10**6),
)
#: any step at all, right or wrong
STEP = st.one_of(
    st.builds(lambda who, call: {who: call}, WHO, CALL),
    st.builds(lambda call: {"both": call}, st.sampled_from(["connect", "close", "abort"])),
    st.builds(lambda d: {"lose": d}, st.sampled_from(["A->B", "B->A", "A->C"])),
    st.builds(lambda s: {"wait": s}, SECONDS),
    st.sampled_from([{"C": "close"}, {"A": "dance"}, {"A": None}, "A: connect",
                     {"A": "connect", "B": "close"}, {"B": "probe"}, {"flood": 0},
                     {"flood": 10**9}, {"flood": True}, {"flood": "many"}, {"old_syn": 0},
                     {"old_data": "1 2 3 4"}, {"old_data": 123}, {"old_data": "-1 100"},
                     {"old_data": "5 0"}, {"old_data": "4294967296 10"}]),
    # an earlier connection's segment anywhere in sequence space, in B's window or not
    st.builds(lambda seq, n: {"old_data": f"{seq} {n}"}, st.integers(0, MOD - 1),
              st.integers(1, 1460)),
)
#: grammatical steps, the ones that make a connection go somewhere drawn most often
GOOD_STEP = st.one_of(
    st.builds(lambda who, n: {who: f"send {n}"}, WHO,
              st.one_of(st.integers(1, 100), st.integers(1, 100), st.integers(1, 5000))),
    st.builds(lambda who, c: {who: c}, WHO, st.sampled_from(["close", "close", "abort"])),
    st.builds(lambda d: {"lose": d}, st.sampled_from(["A->B", "B->A"])),
    st.builds(lambda s: {"wait": s}, st.sampled_from([0, 0.5, 1, 30, 240, 10**6])),
    st.sampled_from([{"both": "close"}, {"A": "connect"}, {"B": "connect"}, {"A": "probe"}]),
    st.builds(lambda k: {"flood": k}, st.sampled_from([1, 2, 3, 128, 65535])),
    st.builds(lambda k: {"old_syn": k}, st.integers(1, MOD - 1)),
)
LOSSES = st.builds(lambda d, k: [{"lose": d}] * k, st.sampled_from(["A->B", "B->A"]),
                   st.integers(1, 250))
OPTION = {
    "fin_ack": st.sampled_from(["separate", "merge"]),
    "piggyback": st.sampled_from([False, False, False, True]),
    "rst_ack": st.booleans(),
    "listen": st.sampled_from([True, True, False]),
    "msl": st.one_of(st.integers(1, 300), st.just(86400)),
    "fin_has_ack": st.booleans(),
    "mss": st.sampled_from([1, 2, 3, 10, 536, 1460, 1460, 65495]),
    "backlog": st.sampled_from([1, 2, 3, 128, 65535]),
    "syn_cookies": st.booleans(),
    "time_wait": st.booleans(),
}


@st.composite
def hostile_scripts(draw):
    junk = draw(st.integers(0, 4)) == 0       # one script in five may say anything at all
    steps = []
    if draw(st.integers(0, 4)):
        steps.append(draw(st.sampled_from([{"A": "connect"}, {"both": "connect"}])))
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 19))
        if kind == 0:
            steps.extend(draw(LOSSES))
        elif junk and kind < 5:
            steps.append(draw(STEP))
        else:
            steps.append(draw(GOOD_STEP))
    if draw(st.integers(0, 100)) == 0:       # far too many steps, or just enough
        steps = [{"wait": 0}] * draw(st.sampled_from([MAX_STEPS, MAX_STEPS + 1])) + steps
    doc = {"steps": steps}
    names = draw(st.sets(st.sampled_from(sorted(OPTION))))
    if names:
        doc["options"] = {name: draw(OPTION[name]) for name in sorted(names)}
    if draw(st.booleans()):
        doc["isn"] = {"A": draw(st.integers(0, MOD - 1)), "B": draw(st.integers(0, MOD - 1))}
    return doc


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):       # a repeated step is written out each time
        return True


def _yaml(doc):
    return yaml.dump(doc, Dumper=_Dumper, width=10**9)


def run(doc):
    """The trace of a script, or its ScriptError after checking that it is one proper line
    (a step, an option or a field named; the line alone for YAML that cannot be read)."""
    try:
        sim = Simulator(parse_script(_yaml(doc), source=SOURCE))
        trace = sim.run()
    except ScriptError as exc:
        assert exc.file == SOURCE and (exc.field or exc.line), repr(exc)
        assert "\n" not in str(exc) and len(str(exc)) < 500, str(exc)
        return exc
    assert len(trace.segments) <= MAX_SEGMENTS
    assert 0 <= sim._events_left <= MAX_EVENTS
    check_time(trace)
    return trace


def check_time(trace):
    """Time never runs backwards and is shown to the millisecond, exactly; a TIME-WAIT that
    runs out does so exactly 2 MSL after it began, or after the last repeated FIN (or other
    old segment) arrived and restarted it; a timeout always ends in CLOSED."""
    times = [s["time"] for s in trace.segments]
    assert times == sorted(times)
    two_msl = 2 * trace.options["msl"] * 1000 if trace.options["time_wait"] else 0
    began = {}
    for e in trace.events:
        t = round(e["time"] * 1000)
        assert e["time"] == t / 1000, e
        if e["to"] == "TIME-WAIT":
            began[e["who"]] = t
        elif e["from"] == "TIME-WAIT" and e["cause"] == "timer":
            arrivals = [round(s["time"] * 1000) + LATENCY_MS for s in trace.segments
                        if s["to"] == e["who"] and not s["lost"] and seg_len(s)]
            restarts = [a for a in arrivals if began[e["who"]] <= a <= t]
            assert t - max([began[e["who"]], *restarts]) == two_msl, e
        if e["cause"] == "timeout":
            assert e["to"] == "CLOSED", e


REFUSED_CALL = re.compile(r"is not allowed in state|plays one connection")


def run_and_repair(doc):
    """Run a script; while a call is refused (the step does not fit the state the connection
    is in), take that step out and run the rest again. Every run is checked."""
    for _ in range(len(doc["steps"]) + 1):
        outcome = run(doc)
        if not (isinstance(outcome, ScriptError) and REFUSED_CALL.search(outcome.message)):
            return outcome
        lines = [step.line for step in parse_script(_yaml(doc), source=SOURCE).steps]
        doc = {**doc, "steps": [s for s, line in zip(doc["steps"], lines) if line != outcome.line]}
        if not doc["steps"]:
            return run(doc)
    raise AssertionError("a refused step was not taken out")


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_scripts())
def test_a_hostile_script_gives_a_trace_or_one_script_error(doc):
    outcome = run_and_repair(doc)
    if isinstance(outcome, ScriptError):
        event("ScriptError: " + re.sub(r"[\d,]+|'[^']*'|\(.*\)", "_", outcome.message)[:50])
    else:
        causes = {e["cause"] for e in outcome.events}
        event("trace" + (", timeout" if "timeout" in causes else ""))
