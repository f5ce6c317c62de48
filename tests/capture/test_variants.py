"""The same real connection in every link type and file variant, and the awkward captures made
from it: a packet captured twice, a missing SYN, missing packets, one direction only, a 4-tuple
reused, a keep-alive. Built from the real packets of the fixtures with the tests' writer
(tests/capture/pcapwrite.py)."""

from __future__ import annotations

import dpkt
import pytest

from quizgen.capture import list_streams, trace_from_pcap
from tests.capture import pcapwrite as pw
from tests.capture.common import (
    FIXTURES,
    assert_agrees,
    expected,
    norm_events,
    norm_segments,
    pcap_frames,
    simulate_run,
    without_capture_keys,
)


def _ip_packets(name: str) -> list[tuple[float, bytes]]:
    if name.endswith(".pcapng"):
        with open(FIXTURES / name, "rb") as f:
            r = dpkt.pcapng.Reader(f)
            lt, recs = r.datalink(), [(float(ts), bytes(buf)) for ts, buf in r]
    else:
        lt, recs = pcap_frames(FIXTURES / name)
    return [(ts, pw.ip_of_frame(frame, lt)) for ts, frame in recs]


V4 = _ip_packets("ipv4_normal.pcap")
V6 = _ip_packets("ipv6_normal.pcapng")
ENCAPS = {
    "ethernet": (pw.LINKTYPE_ETHERNET, pw.ethernet),
    "sll": (pw.LINKTYPE_LINUX_SLL, pw.linux_sll),
    "sll2": (pw.LINKTYPE_LINUX_SLL2, pw.linux_sll2),
    "null": (pw.LINKTYPE_NULL, pw.null_loopback),
    "loop": (pw.LINKTYPE_LOOP, lambda ip: pw.null_loopback(ip, network_order=True)),
    "raw": (pw.LINKTYPE_RAW, lambda ip: ip),
}


def _write(path, packets, encap="raw", fmt="pcap", **kw):
    lt, wrap = ENCAPS[encap]
    recs = [(ts, wrap(ip)) for ts, ip in packets]
    (pw.write_pcap if fmt == "pcap" else pw.write_pcapng)(path, recs, linktype=lt, **kw)
    return path


@pytest.mark.parametrize("encap", sorted(ENCAPS))
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
@pytest.mark.parametrize("family", ["v4", "v6"])
def test_every_link_type(tmp_path, encap, fmt, family):
    packets = V4 if family == "v4" else V6
    reference = trace_from_pcap(FIXTURES / ("ipv4_normal.pcap" if family == "v4"
                                            else "ipv6_normal.pcapng"))
    t = trace_from_pcap(_write(tmp_path / f"c.{fmt}", packets, encap, fmt))
    assert without_capture_keys(t) == without_capture_keys(reference)


@pytest.mark.parametrize("kw", [{"nanosecond": True}, {"big_endian": True},
                                {"nanosecond": True, "big_endian": True}])
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_timestamp_resolution_and_byte_order(tmp_path, fmt, kw):
    reference = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    t = trace_from_pcap(_write(tmp_path / f"c.{fmt}", V4, "ethernet", fmt, **kw))
    assert without_capture_keys(t) == without_capture_keys(reference)


def test_raw_ipv4_and_ipv6_link_types(tmp_path):
    for lt, packets, ref in ((228, V4, "ipv4_normal.pcap"), (229, V6, "ipv6_normal.pcapng")):
        pw.write_pcap(tmp_path / "r.pcap", packets, linktype=lt)
        assert without_capture_keys(trace_from_pcap(tmp_path / "r.pcap")) == \
            without_capture_keys(trace_from_pcap(FIXTURES / ref))


def test_packets_captured_twice_count_once(tmp_path):
    """tcpdump -i any on loopback sees each packet leave and arrive: two identical frames."""
    doubled = []
    for ts, ip in V4:
        doubled += [(ts, pw.linux_sll(ip, outgoing=True)), (ts + 2e-6, pw.linux_sll(ip, outgoing=False))]
    pw.write_pcap(tmp_path / "any.pcap", doubled, linktype=pw.LINKTYPE_LINUX_SLL)
    t = trace_from_pcap(tmp_path / "any.pcap")
    ref = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert norm_segments(t["segments"]) == norm_segments(ref["segments"])
    assert t["events"] == ref["events"]
    assert [s["duplicate_frames"] for s in t["segments"]] == [[2 * k + 2] for k in range(11)]
    assert [s["frame"] for s in t["segments"]] == [2 * k + 1 for k in range(11)]
    assert not any(s.get("retransmission") for s in t["segments"])
    assert any("captured twice" in n for n in t["notes"])


def test_missing_syn(tmp_path):
    """The capture starts at B's SYN,ACK: x is read off its ack, the rest as before."""
    t = trace_from_pcap(_write(tmp_path / "c.pcap", V4[1:]))
    ref = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert t["values"] == ref["values"] and t["isn"] == ref["isn"]
    assert "x" not in t.get("unknown", {}).get("values", [])
    assert any("x = " in n for n in t["notes"])
    assumed = [e for e in t["events"] if e.get("assumed")]
    assert [(e["who"], e["to"]) for e in assumed] == [("B", "LISTEN"), ("A", "SYN-SENT"),
                                                      ("B", "SYN-RECEIVED")]
    assert norm_events(t["events"]) == norm_events(ref["events"])


def test_missing_syn_ack(tmp_path):
    """B's SYN,ACK is not captured: A's ACK shows A got it, and y = its ack - 1."""
    t = trace_from_pcap(_write(tmp_path / "c.pcap", V4[:1] + V4[2:]))
    ref = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert t["isn"] == ref["isn"] and t["values"] == ref["values"]
    assert norm_events(t["events"]) == norm_events(ref["events"])
    assert any("SYN,ACK is not in the capture" in n for n in t["notes"])


def test_missing_data_packet(tmp_path):
    """B's 200-byte segment (6) was not captured, though A acknowledges it."""
    t = trace_from_pcap(_write(tmp_path / "c.pcap", V4[:5] + V4[6:]))
    ref = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert norm_events(t["events"]) == norm_events(ref["events"])
    assert t["values"] == ref["values"]
    assert any("200 byte(s)" in n and "not in the capture" in n for n in t["notes"])
    assert t["unknown"] == {}


def test_one_direction_only(tmp_path):
    """Only A's segments: B's states are unknown, A's follow from its own segments."""
    t = trace_from_pcap(_write(tmp_path / "c.pcap", [V4[k] for k in (0, 2, 3, 6, 7, 10)]))
    assert {e["who"] for e in t["events"]} == {"A"}
    assert [e["to"] for e in t["events"]] == ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1"]
    assert t["final_states"]["B"] is None
    assert any("nothing from B" in n for n in t["notes"])


def test_reused_four_tuple_is_two_streams(tmp_path):
    """The same ports used again by a new connection (new ISNs): a second stream."""
    a_port = V4[0][1]
    second = []
    for ts, ip in V4:
        from_a = ip[20:22] == a_port[20:22]
        second.append((ts + 5.0, pw.rewrite_tcp(ip, seq_add=1000 if from_a else 7000,
                                                ack_add=7000 if from_a else 1000)))
    path = _write(tmp_path / "c.pcap", V4 + second)
    rows = list_streams(path)
    assert [(r["stream"], r["packets"], r["A"]) for r in rows] == [
        (0, 11, rows[0]["A"]), (1, 11, rows[0]["A"])]
    one, two = trace_from_pcap(path, stream=0), trace_from_pcap(path, stream=1)
    assert two["isn"]["A"] == (one["isn"]["A"] + 1000) % 2**32
    assert two["events"] == one["events"]
    assert norm_segments(trace_from_pcap(path, stream=1, relative=True)["segments"]) == \
        norm_segments(trace_from_pcap(path, stream=0, relative=True)["segments"])
    assert two["segments"][0]["frame"] == 12


def test_keepalive_is_not_a_retransmission(tmp_path):
    """A keep-alive (seq = SND.NXT - 1, no data) between the data and the close."""
    ts, ip = V4[6]                                          # A's ACK of B's data
    keep = pw.rewrite_tcp(ip, seq_add=-1)
    t = trace_from_pcap(_write(tmp_path / "c.pcap", V4[:7] + [(ts + 0.1, keep)] + V4[7:]))
    seg = t["segments"][7]
    assert seg.get("keepalive") and not seg.get("retransmission")
    ref = trace_from_pcap(FIXTURES / "ipv4_normal.pcap")
    assert norm_events(t["events"]) == norm_events(ref["events"])


def test_real_retransmission_in_every_link_type(tmp_path):
    lt, recs = pcap_frames(FIXTURES / "retransmission.pcap")
    packets = [(ts, pw.ip_of_frame(f, lt)) for ts, f in recs]
    run = expected("retransmission.pcap")
    for encap in ENCAPS:
        assert_agrees(trace_from_pcap(_write(tmp_path / "c.pcapng", packets, encap, "pcapng")),
                      simulate_run(run))


def test_pcapng_with_two_interfaces_of_different_link_types(tmp_path):
    """Each interface has its own link type: Ethernet for one packet, SLL2 for the next..."""
    recs = [(ts, pw.ethernet(ip) if k % 2 == 0 else pw.linux_sll2(ip), k % 2)
            for k, (ts, ip) in enumerate(V4)]
    pw.write_pcapng(tmp_path / "two.pcapng", recs,
                    linktype=[pw.LINKTYPE_ETHERNET, pw.LINKTYPE_LINUX_SLL2])
    assert without_capture_keys(trace_from_pcap(tmp_path / "two.pcapng")) == \
        without_capture_keys(trace_from_pcap(FIXTURES / "ipv4_normal.pcap"))


# ---------------------------------------------------------------------- made-up oddities
def _made(segments) -> dict:
    """A trace of hand-made segments between 10.0.0.1:40000 (a) and 10.0.0.2:80 (b)."""
    import io

    from quizgen.capture import trace_from_bytes
    pkts = []
    for who, seq, ack, flags, n in segments:
        src, dst, sp, dp = (("10.0.0.1", "10.0.0.2", 40000, 80) if who == "a"
                            else ("10.0.0.2", "10.0.0.1", 80, 40000))
        pkts.append(pw.ip_tcp(src, dst, sp, dp, seq, ack, flags, n))
    buf = io.BytesIO()
    pw.write_pcap(buf, [(k * 0.1, p) for k, p in enumerate(pkts)], linktype=pw.LINKTYPE_RAW)
    return trace_from_bytes(buf.getvalue(), "made.pcap")


def test_unanswered_syn():
    t = _made([("a", 100, None, "SYN", 0)] * 3)
    assert [(e["who"], e["to"]) for e in t["events"]] == [("A", "SYN-SENT")]
    assert t["final_states"] == {"A": "SYN-SENT", "B": None}
    assert [s["lost"] for s in t["segments"]] == [True, True, False]
    assert [bool(s.get("retransmission")) for s in t["segments"]] == [False, True, True]


def test_only_resets():
    t = _made([("b", 7, None, "RST", 0), ("a", 9, None, "RST", 0)])
    assert t["events"] == [] and t["final_states"] == {"A": None, "B": None}
    assert any("only resets" in n for n in t["notes"])


def test_fast_open_is_reported_not_modelled():
    t = _made([("a", 100, None, "SYN", 10), ("b", 500, 111, "SYN,ACK", 0), ("a", 111, 501, "ACK", 0)])
    assert t["unknown"]["state_unknown_from"] == {"A": 1}
    assert any("Fast Open" in n for n in t["notes"])


def test_reset_without_ack_is_an_abort():
    t = _made([("a", 100, None, "SYN", 0), ("b", 500, 101, "SYN,ACK", 0),
               ("a", 101, 501, "ACK", 0), ("b", 501, None, "RST", 0)])
    assert [(e["who"], e["cause"], e["to"]) for e in t["events"]][-2:] == [
        ("B", "abort", "CLOSED"), ("A", "receive", "CLOSED")]
    assert t["options"]["rst_ack"] is False and t["steps"][-1] == {"B": "abort"}


def test_long_one_way_capture_stays_readable():
    """Thousands of segments, no acknowledgement, many retransmissions: a few notes, not one
    per segment (and the analysis is linear: this runs in about a second)."""
    n = 3000
    segs = [("a", 100, None, "SYN", 0)] + [("a", 101 + k * 10, 501, "ACK", 10) for k in range(n)]
    segs += [("a", 101 + k * 10, 501, "ACK", 10) for k in range(0, n, 10)]
    t = _made(segs)
    assert sum(s["lost"] for s in t["segments"]) == n // 10
    assert len(t["notes"]) <= 8 and all(len(note) < 400 for note in t["notes"])
    assert len(t["unknown"]["arrival_unconfirmed"]) > n // 2
