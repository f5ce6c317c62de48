"""Questions from real captures: read pcap and pcapng files into the simulator's trace format.

    >>> from quizgen.capture import list_streams, trace_from_pcap
    >>> list_streams("capture.pcapng")          # one dict per TCP connection, in Wireshark's order
    >>> trace_from_pcap("capture.pcapng", stream=0, relative=True)

Link types: Ethernet, Linux cooked capture (SLL and SLL2), BSD/OpenBSD loopback (DLT_NULL,
DLT_LOOP) and raw IP (101, 228, 229), over IPv4 and IPv6, in pcap (micro/nanosecond, either byte
order) and pcapng (several sections and interfaces). Decoding is done by ``dpkt`` (see
``reader.py``). Every problem with the input raises :class:`quizgen.errors.QuizgenError`.

The trace
---------
The simulator's trace format (docs/question-data.md), with A = the end that sent the first SYN.
``scenario`` is ``"pcap:FILE#N"``, ``seed`` is null, ``time`` counts seconds from the
connection's first captured segment, and ``lost`` is true only for a segment inferred lost
(see ``infer.py``, rule 3). How states are inferred is told in ``infer.py``. Added keys:

========================== ==================================================================
``options``                every simulator option, inferred from the segments, or null where
                           the capture does not show it (``msl`` always; ``fin_ack`` without a
                           close; ``rst_ack`` without an abort...)
segment ``frame``          the frame number in the file (as Wireshark numbers frames)
segment ``retransmission`` true: it repeats sequence space its sender had already sent
segment ``keepalive``      true: a keep-alive probe (seq = SND.NXT - 1), not a retransmission
segment ``duplicate_frames`` frames holding a second capture of the very same packet (e.g.
                           ``tcpdump -i any`` on loopback): counted once, listed here
segment ``other_flags``    URG, ECE, CWR when set (``flags`` holds the simulator's five)
event ``assumed``          true: the change is inferred from what the capture lacks (states
                           before a capture that starts late); ``from`` may then be null
``relative``               true when seq and ack are relative (seq - ISN, as Wireshark);
                           ``relative_base`` gives the numbers subtracted; ``isn`` stays absolute
``final_states``           each end's state when the capture ends (null: unknown). The 2MSL
                           timer's TIME-WAIT -> CLOSED is never in a capture
``unknown``                what cannot be known: ``values`` (names among x y u v w closer),
                           ``isn`` (sides), ``states_before_first_segment``,
                           ``state_unknown_from`` ({side: segment n}),
                           ``arrival_unconfirmed`` (segments no acknowledgement confirms)
``notes``                  sentences saying what was inferred and what is unknown, and why
``capture``                ``file``, ``format``, ``stream``, the ``A`` and ``B`` addresses
                           (``ip:port``, ``[ip6]:port``), first and last ``frames``, ``start``
                           (epoch seconds of the first segment)
========================== ==================================================================

``steps`` are the user calls read off the capture, written as a scenario script's steps
(``both: close`` for a simultaneous close, ``lose: A->B`` before a loss): with the non-null
options and the ISNs they replay in the simulator to the same segments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quizgen.capture.infer import stream_trace
from quizgen.capture.reader import (
    CaptureFile,
    linktype_name,
    parse_capture,
    read_capture,
)
from quizgen.capture.streams import Stream, split_streams
from quizgen.errors import QuizgenError

#: The most segments one connection may have to be read as a trace: a segment costs about
#: 3 KB by the time its trace is built, so this bounds the work to seconds and some 150 MB.
MAX_STREAM_SEGMENTS = 50_000

__all__ = [
    "MAX_STREAM_SEGMENTS",
    "format_streams",
    "list_streams",
    "read_streams",
    "trace_from_bytes",
    "trace_from_pcap",
]


def read_streams(path: str | Path, data: bytes | None = None) -> tuple[CaptureFile, list[Stream]]:
    """The capture and its TCP connections; QuizgenError if it holds none. With ``data``, the
    capture is those bytes and ``path`` only names it in messages."""
    cap = read_capture(path) if data is None else parse_capture(data, str(path))
    streams = split_streams(cap.packets)
    if not streams:
        kinds = ", ".join(linktype_name(t) for t in cap.linktypes) or "no interface"
        detail = [f"{cap.frames} frame(s)", kinds]
        if cap.unsupported_link:
            detail.append(f"{cap.unsupported_link} of an unsupported link type")
        if cap.malformed:
            detail.append(f"{cap.malformed} malformed")
        raise QuizgenError(f"no TCP segment in the capture ({'; '.join(detail)})", file=str(path))
    return cap, streams


def list_streams(path: str | Path) -> list[dict[str, Any]]:
    """One summary per TCP connection: stream, A, B, packets, first_frame, start, duration, seen."""
    cap, streams = read_streams(path)
    t0 = min(p.time for p in cap.packets)
    out = []
    for st in streams:
        d = st.describe()
        d["start"] = round(d["start"] - t0, 6)
        d["duration"] = round(d["duration"], 6)
        out.append(d)
    return out


def format_streams(rows: list[dict[str, Any]]) -> str:
    """The listing as a table for the terminal."""
    head = ("stream", "A", "B", "packets", "start", "duration", "seen")
    cells = [head] + [(str(r["stream"]), r["A"], r["B"], str(r["packets"]), f"{r['start']:.3f}",
                       f"{r['duration']:.3f}", r["seen"]) for r in rows]
    widths = [max(len(c[k]) for c in cells) for k in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def trace_from_pcap(path: str | Path, stream: int | None = None, relative: bool = False
                    ) -> dict[str, Any]:
    """The trace of one TCP connection of a capture, in the simulator's trace format.

    ``stream`` is the connection's index (as listed by :func:`list_streams`, like Wireshark's
    ``tcp.stream``). It may be left out only when the capture holds one connection: with several,
    picking one silently could build questions on the wrong connection. ``relative`` writes seq
    and ack relative to each side's ISN, as Wireshark shows them; the trace says so with
    ``"relative": true``.
    """
    return trace_from_bytes(None, path, stream, relative)


def trace_from_bytes(data: bytes | None, name: str | Path = "<capture>", stream: int | None = None,
                     relative: bool = False) -> dict[str, Any]:
    """:func:`trace_from_pcap` for a capture in memory (``data``), named ``name`` in messages;
    with ``data`` None, ``name`` is the file to read."""
    path = name
    cap, streams = read_streams(path, data)
    if stream is None:
        if len(streams) > 1:
            raise QuizgenError(f"the capture holds {len(streams)} TCP connections; choose one "
                               f"with --stream N (0 to {len(streams) - 1}; --list-streams lists "
                               f"them)", file=str(path), field="stream")
        stream = 0
    if isinstance(stream, bool) or not isinstance(stream, int) or not 0 <= stream < len(streams):
        raise QuizgenError(f"there is no stream {stream!r}: the capture holds "
                           f"{len(streams)} TCP connection(s), numbered from 0",
                           file=str(path), field="stream")
    n = len(streams[stream].packets)
    if n > MAX_STREAM_SEGMENTS:
        raise QuizgenError(f"connection {stream} has {n:,} segments: too many to read as a "
                           f"trace (at most {MAX_STREAM_SEGMENTS:,}); cut a shorter stretch of "
                           f"it out first (for example with editcap)", file=str(path),
                           field="stream")
    return stream_trace(streams[stream], cap, relative=relative)
