"""The checked-in captures (tests/capture/fixtures, made by make_fixtures.py from real
connections): each read back and checked against the simulator replaying the same run, and for
what it must report as known and as unknown. No root needed."""

from __future__ import annotations

import pytest

from quizgen.capture import list_streams, trace_from_pcap
from quizgen.errors import QuizgenError
from tests.capture.common import (
    FIXTURES,
    assert_agrees,
    expected,
    norm_events,
    norm_segments,
    replay,
    simulate_run,
)


def test_ipv4_normal_close():
    run = expected("ipv4_normal.pcap")
    t = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert_agrees(t, simulate_run(run))
    assert t["scenario"] == "pcap:ipv4_normal.pcap#0" and t["seed"] is None
    assert t["steps"] == run["steps"] and t["isn"] == run["isn"]
    x, y = run["isn"]["A"], run["isn"]["B"]
    # A sends 100 bytes and B 200: u = x+101, v = w = y+201
    assert t["values"] == {"x": x, "y": y, "u": (x + 101) % 2**32, "v": (y + 201) % 2**32,
                           "w": (y + 201) % 2**32, "closer": "A"}
    assert t["unknown"] == {} and t["relative"] is False
    assert t["options"]["fin_has_ack"] is True and t["options"]["fin_ack"] == "separate"
    assert t["options"]["listen"] is True and t["options"]["msl"] is None
    assert t["final_states"] == {"A": "TIME-WAIT", "B": "CLOSED"}
    assert t["segments"][0]["time"] == 0.0
    assert all(a["time"] <= b["time"] for a, b in zip(t["segments"], t["segments"][1:]))
    assert t["capture"]["A"].startswith("127.0.0.1:")


def test_relative_numbers_are_wiresharks():
    t = trace_from_pcap(FIXTURES / "ipv4_normal.pcap", relative=True)
    absolute = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert t["relative"] is True
    assert t["relative_base"] == absolute["isn"]
    assert t["values"] == {"x": 0, "y": 0, "u": 101, "v": 201, "w": 201, "closer": "A"}
    assert [(s["seq"], s["ack"]) for s in t["segments"][:4]] == [(0, None), (0, 1), (1, 1), (1, 1)]
    assert t["events"] == absolute["events"]
    assert t["isn"] == absolute["isn"]            # the ISNs themselves stay absolute


def test_ipv6_connection_pcapng():
    run = expected("ipv6_normal.pcapng")
    t = trace_from_pcap(FIXTURES / "ipv6_normal.pcapng")
    assert_agrees(t, simulate_run(run))
    assert t["capture"]["A"].startswith("[::1]:") and t["capture"]["format"] == "pcapng"
    assert t["unknown"] == {}
    rel = trace_from_pcap(FIXTURES / "ipv6_normal.pcapng", relative=True)
    assert rel["values"] == {"x": 0, "y": 0, "u": 101, "v": 201, "w": 201, "closer": "A"}


def test_retransmission():
    """The wire dropped A's data segment (4) and A's FIN (7); Linux resent both (5, 8)."""
    run = expected("retransmission.pcap")
    t = trace_from_pcap(FIXTURES / "retransmission.pcap")
    sim = simulate_run(run)
    assert_agrees(t, sim)
    segs = t["segments"]
    assert [s["n"] for s in segs if s.get("retransmission")] == [5, 8]
    assert [s["n"] for s in segs if s["lost"]] == [4, 7]
    assert sum("lost" in note for note in t["notes"]) == 2
    # not double-counted: one send of 100 bytes, one close; u is x+101, not x+201
    assert t["steps"] == [{"A": "connect"}, {"lose": "A->B"}, {"A": "send 100"},
                          {"lose": "A->B"}, {"A": "close"}, {"B": "close"}] == run["steps"]
    assert t["values"]["u"] == (t["values"]["x"] + 101) % 2**32
    # B learns of the close from the retransmitted FIN, as in the simulator
    close_wait = next(e for e in t["events"] if e["to"] == "CLOSE-WAIT")
    assert close_wait["segment"] == 8
    assert [e["segment"] for e in t["events"]] == [e["segment"] for e in sim.events
                                                   if e["cause"] != "timer"]
    # the retransmission came one RTO (Linux: >= 200 ms) after the original
    assert segs[4]["time"] - segs[3]["time"] >= 0.2
    assert t["unknown"] == {}


def test_capture_starting_mid_connection():
    """A real capture with its handshake cut off."""
    run = expected("mid_connection.pcap")
    cut = run["cut_from"]
    t = trace_from_pcap(FIXTURES / "mid_connection.pcap")
    sim = simulate_run(run)
    assert norm_segments(t["segments"]) == norm_segments(sim.segments)[cut:]
    # unknown: the ISNs and the states before the first segment
    assert t["isn"] == {"A": None, "B": None}
    assert t["values"]["x"] is None and t["values"]["y"] is None
    assert set(t["unknown"]["values"]) == {"x", "y"}
    assert t["unknown"]["isn"] == ["A", "B"]
    assert t["unknown"]["states_before_first_segment"] is True
    assert any("starts after the handshake" in n for n in t["notes"])
    first = t["events"][:2]
    assert [(e["who"], e["from"], e["to"], e.get("assumed")) for e in first] == [
        ("A", None, "ESTABLISHED", True), ("B", None, "ESTABLISHED", True)]
    # known: everything from the data on, the close and its values
    later = [e for e in sim.events if e["segment"] and e["segment"] > cut]
    assert norm_events(t["events"][2:]) == norm_events(later)
    whole = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    for key in ("u", "v", "w", "closer"):
        assert t["values"][key] == whole["values"][key]
    # relative numbers as Wireshark counts them without a SYN: from one below the first seq
    rel = trace_from_pcap(FIXTURES / "mid_connection.pcap", relative=True)
    assert (rel["segments"][0]["seq"], rel["segments"][0]["ack"]) == (1, 1)
    assert rel["values"]["u"] == 101
    assert any("Wireshark" in n for n in rel["notes"])


def test_several_connections():
    runs = expected("several.pcapng")
    path = FIXTURES / "several.pcapng"
    rows = list_streams(path)
    assert [r["stream"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["packets"] for r in rows] == [9, 2, 6, 7, 8]
    assert rows[4]["A"].startswith("[::1]:") and rows[0]["A"].startswith("127.0.0.1:")
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    assert "refused" in rows[1]["seen"] and "no close" in rows[3]["seen"]
    with pytest.raises(QuizgenError) as err:
        trace_from_pcap(path)
    assert err.value.field == "stream" and "5 TCP connections" in err.value.message
    with pytest.raises(QuizgenError, match="no stream 5"):
        trace_from_pcap(path, stream=5)

    for n in (0, 1, 2, 4):        # complete connections: exactly the simulator's
        t = trace_from_pcap(path, stream=n)
        assert t["scenario"] == f"pcap:several.pcapng#{n}"
        assert_agrees(t, simulate_run(runs[n]))
        assert t["steps"] == runs[n]["steps"]
    refused = trace_from_pcap(path, stream=1)
    assert refused["isn"]["B"] is None and "isn" not in refused["unknown"]   # B never had one
    assert refused["final_states"] == {"A": "CLOSED", "B": "CLOSED"}
    assert trace_from_pcap(path, stream=4)["options"]["fin_ack"] == "merge"

    # stream 3 ends before the close: what it shows agrees, the rest is unknown
    cut = runs[3]["cut_after"]
    t = trace_from_pcap(path, stream=3)
    sim = simulate_run(runs[3])
    assert norm_segments(t["segments"]) == norm_segments(sim.segments)[:cut]
    assert norm_events(t["events"]) == norm_events(
        [e for e in sim.events if e["segment"] is None and e["cause"] == "listen"
         or e["segment"] and e["segment"] <= cut])
    assert t["final_states"] == {"A": "ESTABLISHED", "B": "ESTABLISHED"}
    assert t["values"]["u"] is None
    assert set(t["unknown"]["values"]) == {"u", "v", "w", "closer"}
    assert any("ends before the connection is over" in n for n in t["notes"])


@pytest.mark.parametrize("name", ["ipv4_normal.pcap", "ipv6_normal.pcapng", "retransmission.pcap"])
def test_steps_replay(name):
    """A trace's steps, options and ISNs replay in the simulator to the same segments."""
    t = trace_from_pcap(FIXTURES / name)
    assert norm_segments(replay(t).segments) == norm_segments(t["segments"])
