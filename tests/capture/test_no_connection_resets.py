"""Resets that say their sender had no connection (quizgen.capture.infer, phase 3b), read off
captures written from the simulator's own traces (no root needed): a port scanner's probe
(A's RST answers B's SYN,ACK, A having sent nothing else) and a closer without TIME-WAIT (its
RST answers the peer's FIN sent again): the import gives the steps the simulator ran, and they
replay to the capture. A capture where the closer does acknowledge the FIN again (TIME-WAIT)
is not read so."""

from __future__ import annotations

import pytest

from quizgen.capture import trace_from_pcap
from quizgen.tcp import preset_script, simulate
from tests.capture import pcapwrite as pw
from tests.capture.common import norm_segments, replay


def _capture(trace, path):
    packets = []
    for s in trace.segments:          # as taken at each sender: lost segments are in it
        src, dst, sp, dp = (("10.0.0.1", "10.0.0.2", 40001, 80) if s["from"] == "A"
                            else ("10.0.0.2", "10.0.0.1", 80, 40001))
        packets.append((1000.0 + s["time"], pw.ip_tcp(src, dst, sp, dp, s["seq"], s["ack"],
                                                      s["flags"], s["len"], ip_id=s["n"])))
    pw.write_pcap(path, packets, linktype=pw.LINKTYPE_RAW)
    return trace_from_pcap(path)


@pytest.mark.parametrize("preset", ["port_scan_open", "no_time_wait", "last_ack_lost"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_import_reads_the_steps_the_simulator_ran(preset, seed, tmp_path):
    sim = simulate(preset_script(preset, seed=seed))
    got = _capture(sim, tmp_path / "c.pcap")
    want = [s for s in sim.to_dict()["steps"]]
    assert got["steps"] == want
    assert norm_segments(replay(got).segments) == norm_segments(got["segments"])
    assert norm_segments(got["segments"]) == norm_segments(sim.segments)
    if preset == "port_scan_open":
        assert got["segments"][0].get("probe") and not [e for e in got["events"] if e["who"] == "A"]
    if preset == "no_time_wait":
        assert got["options"]["time_wait"] is False
        assert any("no TIME-WAIT" in note for note in got["notes"])
    else:
        assert "time_wait" not in got["options"]


def test_a_capture_with_more_in_flight_than_the_models_window(tmp_path):
    """A real connection's window is scaled: 204,400 bytes in flight before one ACK is no
    model error. The driven endpoints take the capture's bytes as within the window."""
    packets, t = [], 1000.0

    def add(frm, flags, seq, ack, n=0):
        nonlocal t
        t += 0.001
        src, dst, sp, dp = (("10.0.0.1", "10.0.0.2", 40001, 80) if frm == "A"
                            else ("10.0.0.2", "10.0.0.1", 80, 40001))
        packets.append((t, pw.ip_tcp(src, dst, sp, dp, seq, ack, flags, n)))

    x, y = 1000, 5000
    add("A", "SYN", x, None)
    add("B", "SYN,ACK", y, x + 1)
    add("A", "ACK", x + 1, y + 1)
    seq = x + 1
    for _ in range(140):
        add("A", "ACK", seq, y + 1, 1460)
        seq += 1460
    add("B", "ACK", y + 1, seq)
    add("A", "FIN,ACK", seq, y + 1)
    add("B", "ACK", y + 1, seq + 1)
    add("B", "FIN,ACK", y + 1, seq + 1)
    add("A", "ACK", seq + 1, y + 2)
    pw.write_pcap(tmp_path / "big.pcap", packets, linktype=pw.LINKTYPE_RAW)
    trace = trace_from_pcap(tmp_path / "big.pcap")
    assert trace["final_states"] == {"A": "TIME-WAIT", "B": "CLOSED"}
    assert "state_unknown_from" not in trace["unknown"]


def test_only_entries_telling_the_captures_story_are_asked_of_it(tmp_path):
    """A probe of a listening port has the same steps as one of a closed port: the entries of
    the closed port (nothing listens) are not asked of it; those of the open port are."""
    from quizgen.questions import entries_for_trace, load_banks

    trace = _capture(simulate(preset_script("port_scan_open", seed=2)), tmp_path / "c.pcap")
    fit = {e.id for e in entries_for_trace(load_banks(), trace)}
    assert {"scan-open-state", "scan-open-tf"} <= fit
    assert "scan-closed-choice" not in fit
