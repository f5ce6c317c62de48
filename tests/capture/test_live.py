"""Real connections, captured on 127.0.0.1 / ::1 / the TUN wire, written to pcap AND pcapng by
the tests' own writer (pcapwrite.py), read back with trace_from_pcap, and compared with the simulator given the
same ISNs and steps: the same segments (flags minus PSH, seq, ack, len) and the same state
changes (who, from, to, in order). Skipped with the reason where raw sockets are unavailable;
a failure under CI."""

from __future__ import annotations

import pytest

from quizgen.capture import trace_from_pcap
from quizgen.errors import QuizgenError
from tests.capture import live
from tests.capture.common import (
    assert_agrees,
    norm_segments,
    replay,
    simulate_run,
    without_capture_keys,
)
from tests.capture.pcapwrite import write_pcap, write_pcapng
from tests.kernel import harness


def _both_formats(tmp_path, linktype, recs) -> list[dict]:
    write_pcap(tmp_path / "c.pcap", recs, linktype=linktype)
    write_pcapng(tmp_path / "c.pcapng", recs, linktype=linktype)
    return [trace_from_pcap(tmp_path / "c.pcap"), trace_from_pcap(tmp_path / "c.pcapng")]


#: Harness scenarios whose story one capture of the connection cannot tell; what it reads
#: instead (test_what_a_capture_cannot_tell checks that it says so and replays).
UNTOLD = {
    # the forged SYNs are other connections: the capture shows A's SYNs unanswered (read as
    # lost), or a plain handshake (a SYN cookie looks like any SYN,ACK)
    "syn_queue_full": "A's SYNs unanswered: the first taken as lost",
    "syn_cookies": "a plain handshake: B's SYN-RECEIVED is assumed",
    # a probe to a closed port, or lost, looks like a connect() refused, or unanswered
    "port_scan_closed": "a connect() refused",
    "port_scan_filtered": "a connect() whose SYN is unanswered",
    # the old SYN's exchange is a connection of its own (two streams on one 4-tuple)
    "old_duplicate_syn": "two connections",
    # the old segment was written into B's device: A's side of the wire never carried it
    "old_data": "the connection without the old segment",
}


@pytest.mark.parametrize("scenario", [s for s in harness.SCENARIOS if s not in UNTOLD])
def test_capture_agrees_with_simulator(scenario, tmp_path):
    live.require(scenario)
    run, linktype, recs = live.capture(scenario)
    from_pcap, from_pcapng = _both_formats(tmp_path, linktype, recs)
    assert without_capture_keys(from_pcap) == without_capture_keys(from_pcapng)
    sim = simulate_run(run)
    assert_agrees(from_pcap, sim)
    # the calls read off the capture are the ones the harness made
    assert from_pcap["steps"] == run["steps"]
    assert from_pcap["isn"] == run["isn"]
    for key, value in run["options"].items():   # what the capture shows agrees with the run
        assert from_pcap["options"][key] in (value, None), key
    # and they replay: the simulator, given only what the trace says, sends the same segments
    assert norm_segments(replay(from_pcap).segments) == norm_segments(from_pcap["segments"])


@pytest.mark.parametrize("scenario", ["normal", "merged_close", "abort", "refused"])
def test_ipv6_capture_agrees_with_simulator(scenario, tmp_path):
    live.require(scenario)
    run, linktype, recs = live.capture(scenario, ipv6=True)
    for trace in _both_formats(tmp_path, linktype, recs):
        assert trace["capture"]["A"].startswith("[::1]:")
        assert_agrees(trace, simulate_run(run))
        assert trace["steps"] == run["steps"]


def test_lost_segments_are_retransmitted_like_the_simulator(tmp_path):
    """The wire drops A's data segment and A's FIN; Linux retransmits each. The simulator,
    told to lose the same two segments, agrees segment by segment (lost flags included),
    and the states change at the same segments."""
    run, linktype, recs = live.capture_lossy(("data", "fin"))
    for trace in _both_formats(tmp_path, linktype, recs):
        sim = simulate_run(run)
        assert_agrees(trace, sim)
        assert [(e["who"], e["to"], e["segment"]) for e in trace["events"]] == \
            [(e["who"], e["to"], e["segment"]) for e in sim.events if e["cause"] != "timer"]
        assert [s["n"] for s in trace["segments"] if s.get("retransmission")] == [5, 8]
        assert trace["steps"] == run["steps"]


@pytest.mark.parametrize("scenario", sorted(UNTOLD))
def test_what_a_capture_cannot_tell(scenario, tmp_path):
    """The import reads another story than the run, one a capture cannot tell apart from it,
    and says no more than it shows: its steps replay to the captured segments, or it names the
    streams to choose from (exit status 2 at the command line)."""
    live.require(scenario)
    run, linktype, recs = live.capture(scenario)
    write_pcap(tmp_path / "c.pcap", recs, linktype=linktype)
    if scenario == "old_duplicate_syn":
        with pytest.raises(QuizgenError, match="holds 2 TCP connections"):
            trace_from_pcap(tmp_path / "c.pcap")
        traces = [trace_from_pcap(tmp_path / "c.pcap", stream=k) for k in (0, 1)]
    else:
        traces = [trace_from_pcap(tmp_path / "c.pcap")]
    if scenario == "old_data":
        # the connection's own calls; B's answer to the segment the capture lacks stays an
        # unexplained duplicate ACK, which no step replays
        trace, = traces
        assert trace["steps"] == [st for st in run["steps"] if "old_data" not in st]
        return
    for trace in traces:
        assert trace["steps"] != run["steps"] or len(traces) > 1
        assert norm_segments(replay(trace).segments)[:len(trace["segments"])] == \
            norm_segments(trace["segments"])
