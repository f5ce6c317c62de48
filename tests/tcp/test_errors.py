"""The simulator's errors carry what went wrong as fields; their messages are made from them."""

import pytest

from quizgen.errors import ScriptError
from quizgen.tcp import Trace, parse_script, simulate
from quizgen.tcp.endpoint import CallError, Endpoint, ProtocolError
from quizgen.tcp.options import Options
from quizgen.tcp.segment import Segment
from quizgen.tcp.states import Input, State, TransitionError
from quizgen.tcp.trace import format_table


def test_a_call_the_table_refuses_names_the_endpoint_state_and_input():
    e = Endpoint("A", "B", 1000, Options())
    with pytest.raises(CallError) as info:
        e.call(Input.SEND, 10)
    exc = info.value
    assert isinstance(exc, TransitionError)
    assert (exc.who, exc.state, exc.input) == ("A", State.CLOSED, Input.SEND)
    assert str(exc) == "A: send is not allowed in state CLOSED"


def test_a_script_step_the_table_refuses_is_a_script_error_at_its_line():
    with pytest.raises(ScriptError) as info:
        simulate(parse_script("steps:\n  - B: send 5\n", source="s.yaml"))
    assert (info.value.file, info.value.line, info.value.field) == ("s.yaml", 2, "step 'B: send 5'")
    assert info.value.message == "send is not allowed in state LISTEN"


def test_a_segment_refused_before_the_table_has_no_input():
    a = Endpoint("A", "B", 1000, Options())
    a.call(Input.CONNECT)
    bad = Segment("B", "A", frozenset({"SYN", "ACK"}), 5000, 1234)
    with pytest.raises(ProtocolError) as info:
        a.receive(bad)
    exc = info.value
    assert (exc.who, exc.state, exc.segment, exc.input) == ("A", State.SYN_SENT, bad, None)
    assert str(exc) == "A in SYN-SENT got ack=1234, expected 1001"


def test_a_segment_the_table_refuses_names_the_input():
    b = Endpoint("B", "A", 5000, Options())
    b.call(Input.LISTEN)
    fin = Segment("A", "B", frozenset({"FIN"}), 1000, None)
    b.receive(Segment("A", "B", frozenset({"SYN"}), 999, None))
    b.receive(Segment("A", "B", frozenset({"ACK"}), 1000, 5001))
    b.call(Input.CLOSE)                              # B: FIN-WAIT-1, its FIN unacknowledged
    b.receive(fin)                                   # A's FIN: CLOSING
    with pytest.raises(ProtocolError) as info:
        b.receive(Segment("A", "B", frozenset({"FIN"}), 1001, None))     # a second, new FIN
    assert info.value.state is State.CLOSING
    assert info.value.input is Input.FIN


def test_a_table_shows_an_unknown_state_as_a_question_mark():
    t = Trace(scenario="pcap", seed=None, options={}, isn={}, steps=[],
              values=dict.fromkeys(("x", "y", "u", "v", "w", "closer")), segments=[],
              events=[{"time": 0.0, "who": "A", "cause": "capture start", "segment": None,
                       "from": None, "to": "ESTABLISHED"}])
    assert "  A  ? -> ESTABLISHED  [capture start]" in format_table(t)
