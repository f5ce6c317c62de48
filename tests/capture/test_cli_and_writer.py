"""``quizgen trace --pcap`` and the tests' own pcap/pcapng writer (tests/capture/pcapwrite.py)."""

from __future__ import annotations

import io
import json
import struct

import dpkt
import pytest
from click.testing import CliRunner

from quizgen.capture import trace_from_pcap
from quizgen.cli import cli
from tests.capture import pcapwrite as pw
from tests.capture.common import FIXTURES


def _run(*args):
    return CliRunner().invoke(cli, ["trace", *args])


# ---------------------------------------------------------------------- CLI
def test_trace_pcap_table_and_json():
    path = str(FIXTURES / "ipv4_normal.pcap")
    r = _run("--pcap", path)
    assert r.exit_code == 0, r.output
    assert "scenario pcap:ipv4_normal.pcap#0" in r.output and "FIN-WAIT-2 -> TIME-WAIT" in r.output
    assert "note: " in r.output
    r = _run("--pcap", path, "--json")
    assert json.loads(r.output) == json.loads(json.dumps(trace_from_pcap(path)))


def test_trace_pcap_relative():
    r = _run("--pcap", str(FIXTURES / "ipv4_normal.pcap"), "--relative")
    assert r.exit_code == 0
    assert "relative sequence numbers" in r.output and "x=0  y=0  u=101" in r.output
    r = _run("--pcap", str(FIXTURES / "ipv4_normal.pcap"), "--relative", "--json")
    assert json.loads(r.output)["relative"] is True


def test_several_connections_list_and_ask():
    path = str(FIXTURES / "several.pcapng")
    r = _run("--pcap", path, "--list-streams")
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 6
    r = _run("--pcap", path, "--list-streams", "--json")
    assert [row["stream"] for row in json.loads(r.output)] == [0, 1, 2, 3, 4]
    # no --stream: the list, then one error line, exit 2 (never a guess)
    r = _run("--pcap", path)
    assert r.exit_code == 2
    assert "stream" in r.output.splitlines()[0] and "[::1]" in r.output
    assert r.output.strip().splitlines()[-1].startswith("error: ")
    assert "choose one with --stream N" in r.output
    r = _run("--pcap", path, "--stream", "2")
    assert r.exit_code == 0 and "abort" in r.output
    r = _run("--pcap", path, "--stream", "7")
    assert r.exit_code == 2 and r.output.strip().count("\n") == 0
    assert "no stream 7" in r.output


def test_pcap_options_conflicts_and_existing_behaviour():
    assert _run("normal", "--pcap", "x.pcap").exit_code == 2
    assert _run("--stream", "1").exit_code == 2
    assert _run("--relative").exit_code == 2
    r = _run("normal", "--seed", "3")            # unchanged: the simulator
    assert r.exit_code == 0 and r.output.startswith("scenario normal, seed 3")
    assert _run("--list").exit_code == 0


# ---------------------------------------------------------------------- writer
PKTS = [pw.ip_tcp("10.0.0.1", "10.0.0.2", 40000, 80, 1000, None, "SYN", ip_id=1,
                  options=b"\x02\x04\x05\xb4"),
        pw.ip_tcp("10.0.0.2", "10.0.0.1", 80, 40000, 5000, 1001, "SYN,ACK"),
        pw.ip_tcp("2001:db8::1", "2001:db8::2", 1, 2, 7, 9, ["ACK", "PSH"], 13)]


def test_checksums_are_right():
    for raw in PKTS:
        if raw[0] >> 4 == 4:
            ip = dpkt.ip.IP(raw)
            tcp_sum = ip.data.sum
            ip.sum = 0
            ip.data.sum = 0
            assert dpkt.ip.IP(bytes(ip)).sum == dpkt.ip.IP(raw).sum   # dpkt recomputes
            assert tcp_sum == dpkt.ip.IP(bytes(ip)).data.sum
        else:
            ip6 = dpkt.ip6.IP6(raw)
            tcp_sum = ip6.data.sum
            ip6.data.sum = 0
            assert dpkt.ip6.IP6(bytes(ip6)).data.sum == tcp_sum
    moved = pw.rewrite_tcp(PKTS[1], sport=81, dport=40001, seq_add=5, ack_add=-1)
    t = dpkt.ip.IP(moved).data
    assert (t.sport, t.dport, t.seq, t.ack) == (81, 40001, 5005, 1000)
    assert pw.checksum(moved[:20]) == 0                      # a header with its sum sums to 0


@pytest.mark.parametrize("nano", [False, True])
@pytest.mark.parametrize("big", [False, True])
def test_pcap_read_by_dpkt(nano, big):
    buf = io.BytesIO()
    pw.write_pcap(buf, [(1.5 + k, p) for k, p in enumerate(PKTS)], linktype=pw.LINKTYPE_RAW,
                  nanosecond=nano, big_endian=big)
    buf.seek(0)
    r = dpkt.pcap.Reader(buf)
    got = list(r)
    assert r.datalink() == pw.LINKTYPE_RAW
    assert [bytes(b) for _, b in got] == PKTS
    assert [float(ts) for ts, _ in got] == [1.5, 2.5, 3.5]


def test_pcapng_read_by_dpkt():
    buf = io.BytesIO()
    pw.write_pcapng(buf, [(2.25, pw.ethernet(p)) for p in PKTS], linktype=pw.LINKTYPE_ETHERNET,
                    if_names=["eth0"])
    buf.seek(0)
    r = dpkt.pcapng.Reader(buf)
    got = list(r)
    assert r.datalink() == pw.LINKTYPE_ETHERNET
    assert [dpkt.ethernet.Ethernet(b).data.data.sport for _, b in got] == [40000, 80, 1]
    assert all(abs(ts - 2.25) < 1e-9 for ts, _ in got)
    data = buf.getvalue()
    assert data[:4] == b"\x0a\x0d\x0d\x0a" and struct.unpack_from("<I", data, 8)[0] == 0x1A2B3C4D


def test_snaplen_cuts_frames_but_lengths_come_from_ip(tmp_path):
    """A capture with a small snaplen (tcpdump -s 60): the payload length is still known."""
    data = [pw.ip_tcp("10.0.0.1", "10.0.0.2", 40000, 80, 1000, None, "SYN"),
            pw.ip_tcp("10.0.0.2", "10.0.0.1", 80, 40000, 5000, 1001, "SYN,ACK"),
            pw.ip_tcp("10.0.0.1", "10.0.0.2", 40000, 80, 1001, 5001, "ACK,PSH", 900)]
    pw.write_pcap(tmp_path / "s.pcap", [(0.0, p) for p in data], linktype=pw.LINKTYPE_RAW,
                  snaplen=60)
    t = trace_from_pcap(tmp_path / "s.pcap")
    assert [s["len"] for s in t["segments"]] == [0, 0, 900]
    assert t["steps"] == [{"A": "connect"}, {"A": "send 900"}]
    assert t["options"]["mss"] is None
