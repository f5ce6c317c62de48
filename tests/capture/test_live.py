"""Real connections, captured on 127.0.0.1 / ::1 / the TUN wire, written to pcap AND pcapng by
the tests' own writer (pcapwrite.py), read back with trace_from_pcap, and compared with the simulator given the
same ISNs and steps: the same segments (flags minus PSH, seq, ack, len) and the same state
changes (who, from, to, in order). Skipped with the reason where raw sockets are unavailable;
a failure under CI."""

from __future__ import annotations

import pytest

from quizgen.capture import trace_from_pcap
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


@pytest.mark.parametrize("scenario", harness.SCENARIOS)
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
