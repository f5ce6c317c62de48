"""Unreadable input gives one QuizgenError (file, field) and never a traceback, for any bytes."""

from __future__ import annotations

import gzip
import json
import os
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.capture import trace_from_bytes, trace_from_pcap
from quizgen.capture.reader import MAX_CAPTURE
from quizgen.cli import cli
from quizgen.errors import QuizgenError
from quizgen.tcp.states import State
from tests.capture.common import FIXTURES
from tests.capture.pcapwrite import ip_tcp, write_pcap, write_pcapng

STATES = {s.value for s in State} | {None}
NORMAL = (FIXTURES / "ipv4_normal.pcap").read_bytes()
NG = (FIXTURES / "several.pcapng").read_bytes()
RETRANS = (FIXTURES / "retransmission.pcap").read_bytes()


def _check(data: bytes, stream=None) -> None:
    """Either a QuizgenError naming the input, or a well-formed trace."""
    try:
        t = trace_from_bytes(data, "fuzz.pcap", stream=stream if stream is not None else 0)
    except QuizgenError as exc:
        assert exc.file == "fuzz.pcap" and exc.message
        return
    json.dumps(t)
    assert [s["n"] for s in t["segments"]] == list(range(1, len(t["segments"]) + 1))
    assert t["segments"], "a stream has at least one segment"
    for s in t["segments"]:
        assert 0 <= s["seq"] < 2**32 and (s["ack"] is None or 0 <= s["ack"] < 2**32)
        assert s["len"] >= 0
    for e in t["events"]:
        assert e["from"] in STATES and e["to"] in STATES and e["who"] in ("A", "B")
    assert set(t["values"]) == {"x", "y", "u", "v", "w", "closer"}


def _error(data: bytes, **kw) -> QuizgenError:
    with pytest.raises(QuizgenError) as err:
        trace_from_bytes(data, "in.pcap", **kw)
    assert err.value.file == "in.pcap"
    return err.value


# ---------------------------------------------------------------------- named cases
def test_not_a_capture():
    assert "not a pcap or pcapng" in _error(b"hello, world\n").message
    assert "empty" in _error(b"").message
    assert "too short" in _error(b"\xd4\xc3").message
    assert "gzip" in _error(gzip.compress(NORMAL)).message
    assert "JSON" in _error(b'{"segments": []}').message


def _record_ends(pcap: bytes) -> list[int]:
    pos, ends = 24, []
    while pos < len(pcap):
        pos += 16 + struct.unpack_from("<I", pcap, pos + 8)[0]
        ends.append(pos)
    return ends


def test_truncated_files():
    assert "cut short" in _error(NORMAL[:20]).message                 # in the file header
    ends = _record_ends(NORMAL)
    assert "header of frame 3" in _error(NORMAL[:ends[1] + 8]).message
    assert "middle of frame 3" in _error(NORMAL[:ends[1] + 20]).message
    e = _error(NORMAL[:-5])
    assert "cut short in the middle of frame 11" in e.message
    e = _error(NG[:-7])
    assert "cut short in the middle of frame" in e.message        # pcapng names the frame too
    e = _error(NG[:30])
    assert "cut short" in e.message


def test_corrupt_pcapng_block_length():
    data = bytearray(NG)
    # the first block after the section header: its length made absurd
    shb_len = struct.unpack_from("<I", data, 4)[0]
    struct.pack_into("<I", data, shb_len + 4, 6)
    assert "bad block length" in _error(bytes(data)).message


def test_no_tcp(tmp_path):
    udp = bytearray(ip_tcp("10.0.0.1", "10.0.0.2", 1, 2, 0, None, "SYN"))
    udp[9] = 17                                           # protocol: UDP
    write_pcap(tmp_path / "udp.pcap", [(0.0, bytes(udp))], linktype=101)
    with pytest.raises(QuizgenError, match="no TCP segment") as err:
        trace_from_pcap(tmp_path / "udp.pcap")
    assert err.value.file == str(tmp_path / "udp.pcap")
    write_pcap(tmp_path / "odd.pcap", [(0.0, b"\x00" * 40)], linktype=147)
    with pytest.raises(QuizgenError, match="not supported"):
        trace_from_pcap(tmp_path / "odd.pcap")
    write_pcapng(tmp_path / "empty.pcapng", [], linktype=1)
    with pytest.raises(QuizgenError, match="no TCP segment"):
        trace_from_pcap(tmp_path / "empty.pcapng")


def test_stream_that_does_not_exist():
    for bad in (1, -1, 99):
        e = _error(NORMAL, stream=bad)
        assert e.field == "stream" and f"no stream {bad}" in e.message


def test_unreadable_path(tmp_path):
    with pytest.raises(QuizgenError, match="no such file"):
        trace_from_pcap(tmp_path / "missing.pcap")
    with pytest.raises(QuizgenError, match="is a folder"):
        trace_from_pcap(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_refused_before_it_is_read(tmp_path):
    """Reading them would wait for ever (a FIFO nobody writes) or fill the memory (/dev/zero)."""
    fifo = tmp_path / "cap.pcap"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        if path.exists():
            with pytest.raises(QuizgenError, match="not a regular file") as err:
                trace_from_pcap(path)
            assert err.value.file == str(path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.pcap"
    with open(big, "wb") as fh:                     # sparse: no disk space used
        fh.write(NORMAL[:24])
        fh.truncate(MAX_CAPTURE + 1)
    with pytest.raises(QuizgenError, match="too large for a capture") as err:
        trace_from_pcap(big)
    assert err.value.file == str(big)


@pytest.mark.parametrize("data", [b"", b"garbage" * 10, NORMAL[:-3], NG[:100]])
def test_cli_prints_one_line_and_exits_2(tmp_path, data):
    path = tmp_path / "bad.pcap"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["trace", "--pcap", str(path)])
    assert result.exit_code == 2
    out = (result.stderr if hasattr(result, "stderr") else result.output).strip()
    assert out.count("\n") == 0 and out.startswith("error: ") and str(path) in out
    assert "Traceback" not in result.output


def test_too_many_frames_segments_or_blocks_are_one_line(monkeypatch):
    """However many records a file holds within its size limit, reading it stays bounded."""
    import quizgen.capture as capture
    from quizgen.capture import reader

    monkeypatch.setattr(reader, "MAX_FRAMES", 5)
    assert "more than 5 frames" in _error(NORMAL).message
    assert "more than 5 blocks" in _error(NG).message
    monkeypatch.setattr(reader, "MAX_FRAMES", 10**6)
    monkeypatch.setattr(reader, "MAX_SEGMENTS", 7)
    e = _error(NORMAL)
    assert "more than 7 TCP segments (frame 8)" in e.message and "tcpdump" in e.message
    monkeypatch.setattr(reader, "MAX_SEGMENTS", 10**6)
    monkeypatch.setattr(capture, "MAX_STREAM_SEGMENTS", 10)
    e = _error(NORMAL)
    assert e.field == "stream" and "11 segments: too many" in e.message
    assert capture.list_streams(FIXTURES / "ipv4_normal.pcap")[0]["packets"] == 11


# ---------------------------------------------------------------------- every truncation
@pytest.mark.parametrize("data", [NORMAL, RETRANS], ids=["ipv4_normal", "retransmission"])
def test_every_truncation(data):
    """Cut anywhere: an error (or, at a record boundary, the shorter capture's trace)."""
    for n in range(len(data) + 1):
        _check(data[:n])


# ---------------------------------------------------------------------- fuzz
@given(st.binary(max_size=600))
def test_random_bytes(data):
    _check(data)


@given(st.sampled_from([NORMAL[:24], NG[:28 + 40]]), st.binary(max_size=400))
def test_random_bytes_after_a_valid_header(header, body):
    _check(header + body)


@settings(max_examples=150)
@given(st.sampled_from([NORMAL, NG, RETRANS]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, 4))
def test_corrupted_fixtures(data, flips, stream):
    buf = bytearray(data)
    for pos, value in flips:
        buf[pos % len(buf)] = value
    _check(bytes(buf), stream=stream)
