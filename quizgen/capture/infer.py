"""Turn one captured TCP connection into the simulator's trace, states included.

How states are inferred
-----------------------
A capture shows segments, not states. The states come from the *same* model the simulator runs:
two :class:`quizgen.tcp.endpoint.Endpoint` objects (and so the one transition table and the one
segment classifier) are driven through their public interface with what the capture shows:

* **user calls**, read off what an endpoint sends: ``connect`` when it sends its first SYN,
  ``send n`` when it sends n bytes of new data, ``close`` when it sends its first FIN, ``abort``
  when it sends a RST from a synchronized state (a RST from CLOSED or LISTEN is the table's own
  answer to a segment, not a call); ``listen`` for B before the capture when B answers A's SYN
  with a SYN,ACK;
* **arrivals**: each captured segment is handed to the peer's ``receive()``.

The endpoints' own outputs (the segments they would send) are ignored: the capture says what was
sent. Driving ``Endpoint`` rather than calling ``states.transition()`` with a classifier of our
own keeps one classifier as well as one table: a FIN,ACK arriving in FIN-WAIT-1 is ACK-of-FIN
then FIN here exactly as in the simulator.

When does a segment arrive?
---------------------------
A capture is taken at one point; it does not show when the peer received a segment. The rule:

1. A segment is received by its peer right after it is captured, unless
2. the peer's next captured segment does not acknowledge it (its ACK is below the segment's
   end, or it has no ACK): the peer had not received it when it sent that segment (the two
   crossed, as in a simultaneous open or close). It is then received after that segment, and
   the test is repeated with the peer's following segment. Segments in one direction arrive in
   the order they were captured.
3. A segment that is retransmitted before any acknowledgement of it is captured is taken as
   lost (``"lost": true``) and its retransmission as the copy that arrived: the textbook reading,
   and the simulator's. A capture cannot tell a lost segment from a lost acknowledgement; the
   trace's notes say so whenever this rule is used. The mirror: a segment retransmitted after a
   pure ACK of it was captured means that ACK was lost (the textbook's lost last ACK); a late
   ACK looks the same, and the notes say so too.

Whatever cannot be known is reported as null and listed under ``"unknown"``, with a sentence in
``"notes"``.

The phases
----------
:func:`stream_trace` runs these in turn; each is a function (phase 4 a class) that says what it
reads and what it produces. They share the segments (:class:`_Seg`, filled in as they go) and
the findings (:class:`_Findings`: the trace's notes, in the order the phases add them, and its
``unknown``).

1. :func:`_read_segments` -- packets to segments, a packet captured twice counted once;
2. :func:`_analyse_sequence` -- retransmissions, keep-alives, new bytes, bytes the capture lacks;
3. :func:`_mark_losses` -- rule 3 (and its mirror: a pure ACK of a segment sent again was
   lost); :func:`_resets_of_no_connection` -- resets that say their
   sender had no connection (a port scanner's probe; a closer without TIME-WAIT whose last
   ACK was lost);
4. :class:`_Driver` -- the states: the two endpoints driven with the calls and the arrivals
   (rules 1 and 2, kept by :class:`_Wire`), after an opening that depends on what the capture
   shows of the handshake;
5. :func:`_note_unconfirmed_arrivals` -- segments no captured acknowledgement confirms;
6. :func:`_numbering_base` and :func:`_renumber` -- ISNs and relative numbering;
7. :func:`_values` -- x, y, u, v, w, closer;
8. :func:`_note_outcome` -- how the capture ends, and which values and ISNs are unknown;
9. :func:`_options` and :func:`_steps` -- the simulator's options and the scenario's steps.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from quizgen.capture.reader import (
    TH_ACK,
    TH_CWR,
    TH_ECE,
    TH_FIN,
    TH_PSH,
    TH_RST,
    TH_SYN,
    TH_URG,
    CaptureFile,
    Packet,
)
from quizgen.capture.streams import Stream, endpoint_text
from quizgen.tcp import seq as sq
from quizgen.tcp.endpoint import (TIME_WAIT, Behaviour, CallError, Change, Endpoint,
                                  ProtocolError, Timer)
from quizgen.tcp.segment import FLAG_ORDER, Segment
from quizgen.tcp.states import Input, State, TransitionError
from quizgen.tcp.trace import textbook_values

_BITS = {"SYN": TH_SYN, "FIN": TH_FIN, "RST": TH_RST, "PSH": TH_PSH, "ACK": TH_ACK}
_OTHER_BITS = (("URG", TH_URG), ("ECE", TH_ECE), ("CWR", TH_CWR))
#: Two identical packets this close together, with nothing of the connection between them, are
#: one packet captured twice (e.g. ``tcpdump -i any`` on loopback sees it leave and arrive).
#: No retransmission timer fires this fast (Linux's minimum RTO is 200 ms).
DUPLICATE_WINDOW_S = 0.05
_HUGE_GAP = 1 << 30          # a jump larger than this is not missing data: something is off
_PEER = {"A": "B", "B": "A"}
_OPEN_STATES = frozenset({State.CLOSED, State.LISTEN})
#: The driver never lets an endpoint act on its own (merge-close, piggyback); it sends no
#: segment we use, so segment size does not matter.
_BEHAVIOUR = Behaviour(fin_ack="separate", mss=1 << 31)
_NO_TIME_WAIT = Behaviour(fin_ack="separate", mss=1 << 31, time_wait=False)
#: A real connection's windows are scaled (RFC 7323): the driven endpoints take every byte the
#: capture shows as within the window, sending and receiving.
_OPEN_WINDOW = 1 << 30
_NOTE_LIMIT = 5              # more cases than this are told in one note, not one note each


# ---------------------------------------------------------------------- what the phases share
@dataclass
class _Seg:
    """One captured segment. Phase 1 sets the fields up to ``end``; phase 2 ``new_bytes``,
    ``gap_before`` and ``ack_gap`` (and ``rec``'s ``retransmission`` / ``keepalive``); phase 3
    ``lost``. ``rec`` is the segment as the trace shows it."""

    i: int                     # index in the trace's segments (n = i + 1)
    side: str
    flags: frozenset
    seq: int
    ack: int | None
    length: int
    time: float
    rec: dict
    seg_len: int = 0
    end: int = 0
    new_bytes: int = 0
    gap_before: int = 0        # sender's bytes before this segment that the capture lacks
    ack_gap: int = 0           # peer's bytes this segment acknowledges that the capture lacks
    lost: bool = False

    def segment(self) -> Segment:
        return Segment(self.side, _PEER[self.side], self.flags, self.seq, self.ack, self.length)


@dataclass
class _Findings:
    """What the trace says it inferred or could not know: ``notes`` (sentences, in the order the
    phases add them) and ``unknown`` (the trace's ``unknown`` object, keys in the order added)."""

    notes: list[str] = field(default_factory=list)
    unknown: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- 1. segments
def _read_segments(stream: Stream, found: _Findings) -> list[_Seg]:
    """Phase 1. Reads the stream's packets; produces one :class:`_Seg` per captured segment
    (side, flags, seq, ack, length, time relative to the first packet, sequence space and end,
    and its trace record). A packet captured twice is one segment, its second frame listed in
    the record's ``duplicate_frames``; a note says how many there were."""
    segs: list[_Seg] = []
    t0 = stream.packets[0].time
    prev: Packet | None = None
    dropped = 0
    for p in stream.packets:
        if (prev is not None and p.src == prev.src and p.fingerprint == prev.fingerprint
                and 0 <= p.time - prev.time <= DUPLICATE_WINDOW_S):
            segs[-1].rec.setdefault("duplicate_frames", []).append(p.frame)
            dropped += 1
            continue
        prev = p
        side = "A" if p.src == stream.a else "B"
        flags = frozenset(name for name, bit in _BITS.items() if p.flags & bit)
        ack = p.ack if p.flags & TH_ACK else None
        time = round(p.time - t0, 6)
        rec = {"n": len(segs) + 1, "from": side, "to": _PEER[side],
               "flags": [f for f in FLAG_ORDER if f in flags], "seq": p.seq,
               "ack": ack, "len": p.length, "window": p.window, "lost": False, "time": time,
               "frame": p.frame}
        other = [name for name, bit in _OTHER_BITS if p.flags & bit]
        if other:
            rec["other_flags"] = other
        s = _Seg(len(segs), side, flags, p.seq, ack, p.length, time, rec)
        s.seg_len = p.length + ("SYN" in flags) + ("FIN" in flags)
        s.end = sq.add(p.seq, s.seg_len)
        segs.append(s)
    if dropped:
        found.notes.append(f"{dropped} packet(s) were captured twice (same bytes, within "
                           f"{DUPLICATE_WINDOW_S * 1000:.0f} ms): each is one segment, its second "
                           f"frame listed in 'duplicate_frames'.")
    return segs


# ---------------------------------------------------------------------- 2. sequence analysis
def _analyse_sequence(segs: list[_Seg], found: _Findings) -> None:
    """Phase 2. Reads each segment's side, flags, seq, ack, length and end, in capture order,
    against the highest sequence number each side has sent so far. Sets ``new_bytes`` (data
    not sent before), ``gap_before`` (the sender's bytes before it the capture lacks) and
    ``ack_gap`` (the peer's bytes it acknowledges that the capture lacks), and marks the
    records' ``retransmission`` and ``keepalive``. Notes each gap (one note for many)."""
    hi: dict[str, int | None] = {"A": None, "B": None}
    synack_seen: set[str] = set()
    for s in segs:
        x, y = s.side, _PEER[s.side]
        hy = hi[y]
        if s.ack is not None and hy is not None and sq.lt(hy, s.ack) \
                and sq.diff(s.ack, hy) < _HUGE_GAP:
            s.ack_gap = sq.diff(s.ack, hy)
            hi[y] = s.ack
        if "RST" in s.flags and not s.length:
            continue                       # a RST's seq says nothing about data
        h = hi[x]
        if h is None:
            if s.flags >= {"SYN", "ACK"}:
                synack_seen.add(x)
            hi[x] = s.end
            s.new_bytes = s.length
            continue
        if sq.lt(h, s.seq) and "SYN" not in s.flags and sq.diff(s.seq, h) < _HUGE_GAP:
            s.gap_before = sq.diff(s.seq, h)
            h = s.seq
        data_end = sq.add(s.seq, s.length)
        if s.flags >= {"SYN", "ACK"} and x not in synack_seen:
            # the first SYN,ACK after an own SYN: a simultaneous open repeats the SYN to
            # acknowledge the peer's; that is a new segment, not a retransmission
            synack_seen.add(x)
            hi[x] = s.end if sq.lt(h, s.end) else h
            continue
        if s.seg_len and sq.le(s.end, h):
            if (s.length <= 1 and not s.flags & {"SYN", "FIN"}
                    and s.seq == sq.add(h, -1)):
                s.rec["keepalive"] = True
            else:
                s.rec["retransmission"] = True
        elif s.seg_len and sq.lt(s.seq, h):
            s.rec["retransmission"] = True          # partly old, partly new
        elif not s.seg_len and s.seq == sq.add(h, -1):
            s.rec["keepalive"] = True
        if sq.lt(h, data_end):
            s.new_bytes = sq.diff(data_end, s.seq if sq.lt(h, s.seq) else h)
        hi[x] = s.end if sq.lt(h, s.end) else h
    gaps = [s for s in segs if s.gap_before or s.ack_gap]
    if len(gaps) > _NOTE_LIMIT:
        found.notes.append(f"the capture lacks packets before segments {_some(s.i + 1 for s in gaps)}"
                           f" ({sum(s.gap_before + s.ack_gap for s in gaps)} bytes in all): "
                           f"they are taken as data that arrived.")
        gaps = []
    for s in gaps:
        if s.gap_before:
            found.notes.append(f"{s.gap_before} byte(s) that {s.side} sent before segment "
                               f"{s.i + 1} are not in the capture (packets missed by the "
                               f"capture); they are taken as data that arrived.")
        if s.ack_gap:
            found.notes.append(f"segment {s.i + 1} acknowledges {s.ack_gap} byte(s) of "
                               f"{_PEER[s.side]} that are not in the capture; they are taken "
                               f"as data that arrived.")


# ---------------------------------------------------------------------- 3. losses
def _mark_losses(segs: list[_Seg], found: _Findings) -> None:
    """Phase 3, rule 3: a segment retransmitted before any acknowledgement of it was lost.

    Reads side, flags, seq, ack, sequence space and phase 2's ``retransmission``; sets ``lost``
    (and the record's ``lost``) and notes each loss (one note for many).

    Each side's segments not yet acknowledged are kept sorted by sequence number (they never
    overlap: a retransmission replaces what it overlaps), so the work is linear in the
    capture but for the segments an acknowledgement or a retransmission removes."""
    pending: dict[str, list[tuple[int, int, _Seg]]] = {"A": [], "B": []}   # (start, end, seg)
    base: dict[str, int] = {}

    def key(side: str, value: int) -> int:
        return sq.diff(value, base[side])

    losses: list[tuple[int, int]] = []
    #: per side, the pure ACKs it sent that acknowledged the peer's segments: (end, ack seg)
    acked_by: dict[str, list[tuple[int, _Seg]]] = {"A": [], "B": []}
    lost_acks: list[tuple[int, int]] = []
    for t in segs:
        base.setdefault(t.side, t.seq)
        peer = _PEER[t.side]
        other = pending[peer]
        if t.ack is not None and other:                     # acknowledged: it arrived
            ka = key(peer, t.ack)
            done = 0
            while done < len(other) and other[done][1] <= ka:
                if _pure_ack(t):
                    acked_by[t.side].append((other[done][1], t))
                done += 1
            del other[:done]
        if (t.rec.get("retransmission") and t.seg_len and "RST" not in t.flags
                and t.side in base):
            # the mirror of rule 3: t is sent again although a pure ACK of it was captured:
            # that ACK never arrived (the textbook reading; a late one looks the same)
            ke = key(t.side, t.seq) + t.seg_len
            covering = [a for end, a in acked_by[peer] if end == ke and not a.lost]
            if covering:
                a = covering[-1]
                a.lost = True
                a.rec["lost"] = True
                lost_acks.append((a.i + 1, t.i + 1))
                acked_by[peer] = [(end, b) for end, b in acked_by[peer] if b is not a]
        if not t.seg_len or "RST" in t.flags:
            continue
        mine = pending[t.side]
        ks, ke = key(t.side, t.seq), key(t.side, t.seq) + t.seg_len
        if t.rec.get("retransmission") and mine:
            hi = bisect.bisect_left(mine, ke, key=lambda e: e[0])
            lo = hi
            while lo > 0 and mine[lo - 1][1] > ks:
                lo -= 1
            for _, _, s in mine[lo:hi]:
                s.lost = True
                s.rec["lost"] = True
                losses.append((s.i + 1, t.i + 1))
            del mine[lo:hi]
        bisect.insort(mine, (ks, ke, t), key=lambda e: e[0])
    for ack, again in lost_acks[:_NOTE_LIMIT]:
        found.notes.append(f"segment {ack} is taken as lost: it acknowledges what segment "
                           f"{again} sends again (a capture cannot tell a lost acknowledgement "
                           f"from a late one).")
    if len(lost_acks) > _NOTE_LIMIT:
        found.notes.append(f"{len(lost_acks) - _NOTE_LIMIT} more acknowledgements are taken as "
                           f"lost: each acknowledges a segment sent again.")
    why = ("before any acknowledgement of it was captured (a capture cannot tell a lost "
           "segment from a lost acknowledgement)")
    if len(losses) <= _NOTE_LIMIT:
        for lost, again in losses:
            found.notes.append(f"segment {lost} is taken as lost: segment {again} "
                               f"retransmits it {why}.")
    elif losses:
        found.notes.append(f"{len(losses)} segments ({_some(n for n, _ in losses)}) are taken "
                           f"as lost: each is retransmitted {why}.")


def _pure_ack(t: _Seg) -> bool:
    return t.ack is not None and not t.length and not ({"SYN", "FIN", "RST"} & t.flags)


# ---------------------------------------------------------------------- 3b. resets of no TCB
@dataclass
class _NoTcb:
    """What phase 3b finds: resets that say their sender had no connection at all."""

    probe: _Seg | None = None       # A's SYN, sent by a raw socket (a port scan), not A's TCP
    no_time_wait: str | None = None  # the closer, CLOSED at once after its last ACK


def _resets_of_no_connection(segs: list[_Seg], found: _Findings) -> _NoTcb:
    """Phase 3b. A reset without ACK whose seq is the ack of the segment it answers is what an
    end with no connection sends (RFC 9293 3.10.7.1). Two such resets change the story:

    * A's RST answering B's SYN,ACK of A's first SYN, A having sent nothing in between: A's TCP
      never sent that SYN (a connect() would have acknowledged the SYN,ACK); a port scanner's
      raw socket did: the SYN is a probe (step ``A: probe``).
    * the closer's RST answering the peer's FIN sent again after the closer acknowledged it:
      in TIME-WAIT it would have acknowledged it again; it had no TIME-WAIT (option
      ``time_wait: false``), and its acknowledgement was lost (the peer sent its FIN again).

    Reads flags, seq, ack and sides; sets ``lost`` on that acknowledgement; notes each."""
    out = _NoTcb()
    first_a = [s for s in segs if s.side == "A"][:2]
    synack = next((s for s in segs if s.side == "B" and s.flags >= {"SYN", "ACK"}), None)
    if (len(first_a) == 2 and first_a[0].flags == {"SYN"} and synack is not None
            and synack.ack == sq.add(first_a[0].seq, 1) and first_a[1].flags == {"RST"}
            and first_a[1].seq == synack.ack and first_a[1].i > synack.i):
        out.probe = first_a[0]
        out.probe.rec["probe"] = True
        found.notes.append(f"segment {first_a[1].i + 1} resets B's SYN,ACK with seq = its ack and "
                           f"no ACK, as an end with no connection does: A's TCP never sent "
                           f"segment {first_a[0].i + 1}; a port scanner's raw socket did "
                           f"(a probe).")
    for k, rst in enumerate(segs):
        if rst.flags != {"RST"} or rst.ack is not None:
            continue
        peer = _PEER[rst.side]
        fins = [t for t in segs[:k] if t.side == peer and "FIN" in t.flags]
        if len(fins) < 2 or fins[-1].seq != fins[0].seq or rst.seq != fins[-1].ack:
            continue
        acks = [t for t in segs[fins[0].i + 1:fins[-1].i] if t.side == rst.side
                and t.ack is not None and sq.le(fins[0].end, t.ack)]
        if not acks:
            continue
        last = acks[-1]               # lost: phase 3 has found it (B sent its FIN again)
        last.lost = True
        last.rec["lost"] = True
        out.no_time_wait = rst.side
        found.notes.append(f"segment {rst.i + 1} answers {peer}'s FIN sent again with a reset, "
                           f"as an end with no connection does: {rst.side} had no TIME-WAIT "
                           f"(time_wait: false), and its acknowledgement, segment {last.i + 1}, "
                           f"is taken as lost ({peer} sent its FIN again).")
        break
    return out


# ---------------------------------------------------------------------- 4. the states
@dataclass
class _Opening:
    """How the connection began, as far as the capture shows: set by the driver's opening, and
    ``isn`` / ``isn_derived_peer`` also when it infers a SYN,ACK the capture lacks."""

    isn: dict[str, int | None]
    mode: str = "open"         # "open": A's SYN is captured; "synack": only B's SYN,ACK; "mid"
    listen: bool | None = None            # B listened (False: it connected too, or refused)
    isn_derived: bool = False             # mode "synack": x read off B's SYN,ACK (ack - 1)
    isn_derived_peer: str | None = None   # whose ISN was read off an ACK of its unseen SYN,ACK
    #: mode "mid": each side's ISN taken as one below the first sequence number it is seen to use
    base_guess: dict[str, int] = field(default_factory=dict)


@dataclass
class _Run:
    """What phase 4 produces for the later phases."""

    opening: _Opening
    events: list[dict]                              # the trace's events
    call_steps: list[tuple[dict, _Seg | None]]      # ({who: call}, the segment it is read off)
    final: dict[str, str | None]                    # each end's state at the end; None: unknown


@dataclass
class _Flight:
    """A segment on its way: a captured one (``seg``) or bytes the capture lacks."""

    order: float
    to: str
    segment: Segment
    seg: _Seg | None = None


class _Wire:
    """The segments on their way, and when they arrive (rules 1 and 2). Knows the captured
    segments' order, sides, ends and ACKs; nothing of the endpoints."""

    def __init__(self, segs: list[_Seg]) -> None:
        self.queues: dict[str, deque[_Flight]] = {"A": deque(), "B": deque()}
        # next_from[side][i]: the first segment from side after index i
        self.next_from: dict[str, list[_Seg | None]] = {side: [None] * (len(segs) + 1)
                                                        for side in "AB"}
        nxt: dict[str, _Seg | None] = {"A": None, "B": None}
        for k in range(len(segs) - 1, -1, -1):
            for side in "AB":
                self.next_from[side][k] = nxt[side]
            nxt[segs[k].side] = segs[k]

    def send(self, f: _Flight) -> None:
        self.queues[f.to].append(f)

    def _ready(self, f: _Flight, point: int) -> bool:
        """Rule 2: may ``f`` have arrived by now (after segment ``point``)?"""
        s = f.seg
        if s is None or not s.seg_len:
            return True
        t = self.next_from[f.to][point]
        return t is None or (t.ack is not None and sq.le(s.end, t.ack))

    def arrivals(self, now: _Seg) -> Iterator[_Flight]:
        """What has arrived once ``now`` is captured, in the order it was sent, each taken off
        the wire. After the last segment that is everything: no side sends again."""
        while True:
            heads = [q[0] for q in self.queues.values() if q and self._ready(q[0], now.i)]
            if not heads:
                return
            f = min(heads, key=lambda h: h.order)
            self.queues[f.to].popleft()
            yield f


class _Driver:
    """Phase 4: the states. Drives two :class:`Endpoint` objects with the user calls read off
    the capture and the arrivals of its segments (rules 1 and 2).

    Reads the segments as phases 1-3 left them (flags, seq, ack, ``new_bytes``, ``gap_before``,
    ``ack_gap``, ``lost``); :meth:`run` produces a :class:`_Run`. Adds the notes of what it
    assumes or infers (the states before a late start, an unseen SYN or SYN,ACK, bytes the
    capture lacks) and of where the model cannot follow, and the unknowns ``isn``,
    ``states_before_first_segment`` and ``state_unknown_from``."""

    def __init__(self, segs: list[_Seg], found: _Findings, no_tcb: _NoTcb | None = None) -> None:
        self.segs = segs
        self.found = found
        self.no_tcb = no_tcb or _NoTcb()
        # the endpoints' behaviour: the closer without TIME-WAIT where phase 3b found one
        self.behaviour = {side: (_NO_TIME_WAIT if self.no_tcb.no_time_wait == side
                                 else _BEHAVIOUR) for side in "AB"}
        self.opening = _Opening(isn={"A": None, "B": None})
        self.ends: dict[str, Endpoint | None] = {"A": None, "B": None}
        self.broken: dict[str, int | None] = {"A": None, "B": None}   # state unknown from n
        self.wire = _Wire(segs)
        self.last_ack: dict[str, int | None] = {"A": None, "B": None}
        self.fin_called = {"A": False, "B": False}
        self.events: list[dict] = []
        self.call_steps: list[tuple[dict, _Seg | None]] = []

    def _endpoint(self, side: str, iss: int) -> Endpoint:
        return Endpoint(side, _PEER[side], iss, self.behaviour[side], window=_OPEN_WINDOW)

    def run(self) -> _Run:
        self._open()
        for s in self.segs:
            x, y = s.side, _PEER[s.side]
            if s.ack_gap:                         # x acknowledges y's bytes we never saw
                self._missing(y, s.ack_gap, s, deliver_now=True)
            if s.gap_before:
                self._missing(x, s.gap_before, s, deliver_now=False)
            self._calls(s)
            if s.ack is not None:
                self.last_ack[x] = s.ack
            if not s.lost:
                self.wire.send(_Flight(s.i, y, s.segment(), s))
            for f in self.wire.arrivals(s):
                self._receive(f.to, f.segment, f.seg, s.time)
        final: dict[str, str | None] = {}
        for side in "AB":
            e = self.ends[side]
            final[side] = e.state.value if e is not None and self.broken[side] is None else None
        return _Run(self.opening, self.events, self.call_steps, final)

    # ------------------------------------------------------------ the opening
    def _open(self) -> None:
        """The endpoints before the first segment, from what the capture shows of the handshake:
        A's SYN (B listened, connected too, or refused), only B's SYN,ACK, or no SYN at all."""
        segs = self.segs
        syn_a = next((s for s in segs if s.side == "A" and s.flags >= {"SYN"} and "ACK" not in s.flags), None)
        synack_b = next((s for s in segs if s.side == "B" and s.flags >= {"SYN", "ACK"}), None)
        syn_b = next((s for s in segs if s.side == "B" and "SYN" in s.flags), None)
        self.opening.isn["B"] = syn_b.seq if syn_b else None
        if syn_a is not None:
            self._open_on_syn(syn_a, syn_b)
        elif synack_b is not None:
            self._open_on_synack(synack_b)
        else:
            self._open_mid_connection()

    def _open_on_syn(self, syn_a: _Seg, syn_b: _Seg | None) -> None:
        """A's SYN is captured: A connects; B's first segment tells how B answered."""
        segs, op = self.segs, self.opening
        first_b = next((s for s in segs if s.side == "B"), None)
        op.isn["A"] = syn_a.seq
        self.ends["A"] = self._endpoint("A", syn_a.seq)
        if first_b is None:
            self.found.notes.append("nothing from B is in the capture: B's states are unknown.")
            self.broken["B"] = 0
        elif "SYN" in first_b.flags and "ACK" not in first_b.flags:
            op.listen = False             # B connects too: a simultaneous open
            self.ends["B"] = self._endpoint("B", first_b.seq)
        elif "RST" in first_b.flags and "SYN" not in first_b.flags:
            op.listen = False             # nobody listens at B: connection refused
            self.ends["B"] = self._endpoint("B", 0)
        else:
            op.listen = True
            a_ack = next((s.ack for s in segs if s.side == "A" and s.ack is not None), None)
            if syn_b is not None:
                b_iss = syn_b.seq
            elif a_ack is not None:        # A's ACK of B's SYN: y = ack - 1
                b_iss = sq.add(a_ack, -1)
            else:
                b_iss = sq.add(first_b.seq, -1)
            self.ends["B"] = self._endpoint("B", b_iss)
            self._call("B", Input.LISTEN, 0, None, 0.0, step=False)
            self.found.notes.append("B's listen() happened before the capture began; its time is "
                                    "shown as 0.")

    def _open_on_synack(self, synack_b: _Seg) -> None:
        """A's SYN was not captured, but B's SYN,ACK acknowledges it: x = ack - 1."""
        op = self.opening
        assert synack_b.ack is not None            # it has ACK set
        op.mode = "synack"
        x = sq.add(synack_b.ack, -1)
        op.isn["A"], op.isn_derived = x, True
        op.listen = True
        self.ends["A"] = self._endpoint("A", x)
        self.ends["B"] = self._endpoint("B", synack_b.seq)
        self._call("B", Input.LISTEN, 0, None, 0.0, step=False, assumed=True)
        self._call("A", Input.CONNECT, 0, None, 0.0, step=False, assumed=True)
        self._receive("B", Segment("A", "B", frozenset({"SYN"}), x, None), None, 0.0,
                      assumed=True)
        self.found.notes.append(f"A's SYN is not in the capture: x = {x} is read off B's SYN,ACK "
                                f"(ack = x+1); the states before B's SYN,ACK are inferred.")
        self.found.unknown["states_before_first_segment"] = "inferred"

    def _open_mid_connection(self) -> None:
        """No SYN at all. Both ends are taken as ESTABLISHED from the start, with ISNs one below
        the first sequence number each is seen to use (Wireshark's convention for relative
        numbers); nothing of that handshake is reported."""
        segs, op, found = self.segs, self.opening, self.found
        op.mode = "mid"
        start = {}
        for s in segs:
            if s.side not in start and not ("RST" in s.flags and not s.length):
                start[s.side] = s.seq
            if s.ack is not None and _PEER[s.side] not in start:
                start[_PEER[s.side]] = s.ack
        for side in "AB":
            if side not in start:
                self.broken[side] = 0
        ends = {side: self._endpoint(side, sq.add(start.get(side, 1), -1)) for side in "AB"}
        a, b = ends["A"], ends["B"]
        try:
            a.call(Input.CONNECT)
            b.call(Input.LISTEN)
            b.receive(Segment("A", "B", frozenset({"SYN"}), a.iss, None))
            a.receive(Segment("B", "A", frozenset({"SYN", "ACK"}), b.iss, sq.add(a.iss, 1)))
            b.receive(Segment("A", "B", frozenset({"ACK"}), sq.add(a.iss, 1), sq.add(b.iss, 1)))
        except (CallError, ProtocolError, TransitionError) as exc:   # pragma: no cover - model bug
            raise RuntimeError(f"synthetic handshake failed: {exc}") from exc
        self.ends.update(ends)
        op.base_guess = {side: ends[side].iss for side in "AB"}
        for side in "AB":
            if self.broken[side] is None:
                self.events.append({"time": 0.0, "who": side, "cause": "capture start",
                                    "segment": None, "from": None, "to": State.ESTABLISHED.value,
                                    "assumed": True})
        found.unknown["isn"] = ["A", "B"]
        found.unknown["states_before_first_segment"] = True
        if self.broken["A"] is not None and self.broken["B"] is not None:
            found.notes.append("the capture holds only resets of a connection it did not see: "
                               "no state can be inferred.")
            return
        found.notes.append("the capture starts after the handshake: the ISNs x and y are unknown, "
                           "and so are the states before the first segment; both ends are "
                           "assumed ESTABLISHED at the start (they exchange segments without SYN).")
        found.notes.append("A is the sender of the first captured segment; which end opened the "
                           "connection is unknown.")

    # ------------------------------------------------------------ calls and arrivals
    def _calls(self, s: _Seg) -> None:
        """The user calls ``s`` shows its sender made (and a SYN,ACK it shows was received)."""
        x = s.side
        e = self.ends[x]
        if e is None or self.broken[x] is not None:
            return
        f, st = s.flags, e.state
        if st is State.SYN_SENT and "ACK" in f and "RST" not in f and s.ack is not None:
            # x acknowledges a SYN of the peer's that the capture does not show
            y = _PEER[x]
            peer_iss = sq.add(s.ack, -1)
            self._receive(x, Segment(y, x, frozenset({"SYN", "ACK"}), peer_iss, sq.add(e.iss, 1)),
                          None, s.time, assumed=True)
            if self.opening.isn[y] is None:
                self.opening.isn[y] = peer_iss
                self.opening.isn_derived_peer = y
            self.found.notes.append(f"{y}'s SYN,ACK is not in the capture: segment {s.i + 1} "
                                    f"acknowledges it, so {x} is taken to have received it "
                                    f"(ISN {peer_iss}).")
            st = e.state
        if "RST" in f:
            if st not in _OPEN_STATES:
                self._call(x, Input.ABORT, 0, s, s.time)
        elif "SYN" in f:
            if s is self.no_tcb.probe:        # a raw socket's SYN: A's TCP stays CLOSED
                self.call_steps.append(({x: "probe"}, s))
            elif "ACK" not in f and st is State.CLOSED:
                self._call(x, Input.CONNECT, 0, s, s.time)
                if s.length:
                    self._break(x, s, "a SYN carrying data (TCP Fast Open) is not modelled")
        else:
            if (s.new_bytes and "FIN" in f and not self.fin_called[x]
                    and self.broken[x] is None):      # the FIN rides on the data
                self.fin_called[x] = True
                self._call(x, Input.SEND, s.new_bytes, s, s.time, and_close=True)
            elif s.new_bytes:
                self._call(x, Input.SEND, s.new_bytes, s, s.time)
            if "FIN" in f and not self.fin_called[x] and self.broken[x] is None:
                self.fin_called[x] = True
                self._call(x, Input.CLOSE, 0, s, s.time)

    def _call(self, who: str, inp: Input, nbytes: int, s: _Seg | None, time: float, *,
              step: bool = True, assumed: bool = False, and_close: bool = False) -> None:
        e = self.ends[who]
        if e is None or self.broken[who] is not None:
            return
        try:
            out = e.send_and_close(nbytes) if and_close else e.call(inp, nbytes)
        except (CallError, TransitionError, ProtocolError, IndexError, ValueError) as exc:
            self._break(who, s, f"the model does not allow {inp.value} in state {e.state} ({exc})")
            return
        self._changes(who, out, s, time, assumed)
        if step and inp is not Input.LISTEN:
            text = (f"send {nbytes} and close" if and_close else
                    f"send {nbytes}" if inp is Input.SEND else inp.value)
            self.call_steps.append(({who: text}, s))

    def _receive(self, who: str, segment: Segment, s: _Seg | None, time: float, *,
                 assumed: bool = False) -> None:
        e = self.ends[who]
        if e is None or self.broken[who] is not None:
            return
        try:
            out = e.receive(segment)
        except (ProtocolError, TransitionError, CallError, IndexError, ValueError) as exc:
            self._break(who, s, f"it cannot accept {segment.name} seq={segment.seq} in state "
                                f"{e.state} ({exc})")
            return
        self._changes(who, out, s, time, assumed)

    def _changes(self, who: str, out: list, s: _Seg | None, time: float, assumed: bool) -> None:
        for o in out:
            if isinstance(o, Change):
                ev = {"time": time, "who": who, "cause": o.cause,
                      "segment": s.i + 1 if s is not None else None,
                      "from": o.before.value, "to": o.after.value}
                if assumed:
                    ev["assumed"] = True
                self.events.append(ev)
        # a timer of no time (TIME-WAIT with time_wait: false) runs out at once; the others
        # run out after the capture's segments, which it does not show
        if any(isinstance(o, Timer) and o.kind is TIME_WAIT and o.delay_ms == 0 for o in out):
            e = self.ends[who]
            if e is not None and e.state is State.TIME_WAIT:
                self._changes(who, e.timeout(TIME_WAIT), None, time, assumed)

    def _break(self, who: str, s: _Seg | None, why: str) -> None:
        """The model cannot follow ``who`` from ``s`` on: its state is unknown from there."""
        if self.broken[who] is not None:
            return
        n = s.i + 1 if s is not None else 1
        self.broken[who] = n
        self.found.unknown.setdefault("state_unknown_from", {})[who] = n
        self.found.notes.append(f"{who}'s state from segment {n} on is unknown: {why}.")

    def _missing(self, who: str, nbytes: int, s: _Seg, *, deliver_now: bool) -> None:
        """Bytes ``who`` sent that the capture lacks: sent, and received by the peer."""
        e = self.ends[who]
        if e is None:
            return
        end = s.seq if who == s.side else s.ack     # s starts after them, or acknowledges them
        assert end is not None
        seq = sq.add(end, -nbytes)
        ack = self.last_ack[who]
        seg = Segment(who, _PEER[who], frozenset({"ACK"}) if ack is not None else frozenset(),
                      seq, ack, nbytes)
        if self.broken[who] is None and e.state in (State.ESTABLISHED, State.CLOSE_WAIT):
            self._call(who, Input.SEND, nbytes, None, s.time, step=False, assumed=True)
        if deliver_now:
            self._receive(_PEER[who], seg, None, s.time, assumed=True)
        else:
            self.wire.send(_Flight(s.i - 0.5, _PEER[who], seg, None))


# ---------------------------------------------------------------------- 5. arrivals unconfirmed
def _note_unconfirmed_arrivals(segs: list[_Seg], found: _Findings) -> None:
    """Phase 5. Reads each segment's sequence space, end, ``lost`` and ACK. Segments that
    occupy sequence space and whose acknowledgement is not captured are listed in
    ``unknown["arrival_unconfirmed"]``, with a note: each is compared with the highest ACK its
    peer sends after it (one backward pass)."""
    unconfirmed: list[int] = []
    best: dict[str, int | None] = {"A": None, "B": None}     # highest later ACK, by sender
    for s in reversed(segs):
        peer = _PEER[s.side]
        bp = best[peer]
        if s.seg_len and not s.lost and "RST" not in s.flags and (bp is None or sq.lt(bp, s.end)):
            unconfirmed.append(s.i + 1)
        bs = best[s.side]
        if s.ack is not None and (bs is None or sq.lt(bs, s.ack)):
            best[s.side] = s.ack
    if unconfirmed:
        found.unknown["arrival_unconfirmed"] = sorted(unconfirmed)
        found.notes.append(f"no acknowledgement of segment(s) {_some(sorted(unconfirmed))} "
                           "is in the capture: they are taken as received.")


# ---------------------------------------------------------------------- 6. ISNs, relative numbers
def _numbering_base(segs: list[_Seg], opening: _Opening) -> dict[str, int | None]:
    """Phase 6. Reads the opening and each side's first segment; produces what relative numbers
    subtract from each side's sequence numbers: its ISN; one below its first sequence number
    when its ISN is unknown (and in a mid-connection capture, as Wireshark); None for a side
    that sent nothing."""
    if opening.mode == "mid":
        return dict(opening.base_guess)
    base = {side: opening.isn[side] for side in "AB"}
    for side in "AB":
        if base[side] is None:
            first = next((s for s in segs if s.side == side), None)
            base[side] = sq.add(first.seq, -1) if first else None
    return base


def _renumber(records: list[dict], base: dict[str, int | None]) -> None:
    """Phase 6. Rewrites the records' seq and ack relative to ``base``, in place."""
    for r in records:
        b_from, b_to = base[r["from"]], base[r["to"]]
        if b_from is not None:
            r["seq"] = (r["seq"] - b_from) % sq.MOD
        if r["ack"] is not None and b_to is not None:
            r["ack"] = (r["ack"] - b_to) % sq.MOD


# ---------------------------------------------------------------------- 7. values
def _values(records: list[dict], opening: _Opening, base: dict[str, int | None],
            relative: bool) -> dict[str, Any]:
    """Phase 7. Reads the records as the trace shows them (relative or not) and the opening;
    produces x, y, u, v, w and closer as the simulator reads them off its own trace, with x
    (and y) taken from an ISN the opening inferred where the records do not show it."""
    values = textbook_values(records)
    isn = opening.isn
    if opening.isn_derived and values["x"] is None:
        values["x"] = _number(isn["A"], base["A"]) if relative else isn["A"]
    if opening.isn_derived_peer == "B" and values["y"] is None and isn["B"] is not None:
        values["y"] = _number(isn["B"], base["B"]) if relative else isn["B"]
    return values


def _number(value: int | None, base: int | None) -> int:
    assert value is not None and base is not None     # an inferred ISN is its own base
    return (value - base) % sq.MOD


# ---------------------------------------------------------------------- 8. the outcome
def _note_outcome(values: dict[str, Any], final: dict[str, str | None], opening: _Opening,
                  found: _Findings) -> None:
    """Phase 8. Reads the values, the final states and the opening. Lists the values the capture
    cannot give (``unknown["values"]``: x and y when their SYNs are not seen; u, v, w and closer
    while the connection is not over) and the unknown ISNs (``unknown["isn"]``), and notes a
    capture that ends before the connection is over and each end left in TIME-WAIT."""
    over = all(v in (State.CLOSED.value, State.TIME_WAIT.value) for v in final.values())
    unknown_values = []
    if values["x"] is None and opening.mode == "mid":
        unknown_values.append("x")
    if values["y"] is None and (opening.mode == "mid" or opening.listen):
        unknown_values.append("y")
    if not over:
        for key in ("u", "v", "w", "closer"):
            if values[key] is None:
                unknown_values.append(key)
    if unknown_values:
        found.unknown["values"] = unknown_values
    if not over:
        still = [f"{side} in {final[side]}" for side in "AB" if final[side]]
        found.notes.append("the capture ends before the connection is over"
                           + (f" ({', '.join(still)})" if still else "")
                           + ": what happened next is unknown.")
    for side in "AB":
        if final[side] == State.TIME_WAIT.value:
            found.notes.append(f"{side} ends the capture in TIME-WAIT; it leaves it 2 MSL "
                               f"later, which a capture does not show (MSL is not known).")
    # an ISN is unknown when the side had one that the capture does not show (a side that
    # never synchronized, like a refusing B, has none)
    missing = [side for side in "AB" if opening.isn[side] is None and (
        opening.mode == "mid" or (side == "B" and opening.listen))]
    if missing:
        found.unknown["isn"] = missing


# ---------------------------------------------------------------------- 9. options and steps
def _options(segs: list[_Seg], stream: Stream, run: _Run) -> dict[str, Any]:
    """Phase 9. Reads the segments, the packets' MSS options, the opening's ``listen`` and the
    call steps; produces the simulator's options, null where the capture does not show one."""
    fin = next((s for s in segs if "FIN" in s.flags), None)
    opts: dict[str, Any] = {"fin_ack": None, "piggyback": None, "rst_ack": None,
                            "listen": run.opening.listen, "msl": None, "fin_has_ack": None,
                            "mss": None}
    if fin is not None:
        opts["fin_has_ack"] = "ACK" in fin.flags
        peer = _PEER[fin.side]
        acker = next((t for t in segs[fin.i + 1:] if t.side == peer and t.ack is not None
                      and sq.le(fin.end, t.ack)), None)
        if acker is not None:
            opts["fin_ack"] = "merge" if "FIN" in acker.flags and not any(
                t.side == peer and "FIN" in t.flags for t in segs[:acker.i]) else "separate"
    rst = next((src for step, src in run.call_steps
                if "abort" in step.values() and src is not None), None)
    if rst is not None:                  # an abort's RST: with ACK or without
        opts["rst_ack"] = "ACK" in rst.flags
    syn_a = next((s for s in segs if s.side == "A" and "SYN" in s.flags and "ACK" not in s.flags), None)
    if syn_a is not None and run.opening.listen:
        after = [s for s in segs[syn_a.i + 1:] if s.side == "A" and "SYN" not in s.flags]
        if after:
            opts["piggyback"] = after[0].length > 0
    mss = [p.mss for p in stream.packets if p.mss]
    if mss:
        opts["mss"] = min(mss)
    return opts


def _steps(segs: list[_Seg], run: _Run, options: dict[str, Any], found: _Findings) -> list[dict]:
    """Phase 9. Reads the call steps, the segments' losses and the options; produces the user
    calls, in order, written as a scenario script's steps (``both:`` for a simultaneous open or
    close, ``lose:`` before a loss), and notes a loss the steps cannot show."""
    steps: list[dict] = []
    srcs: list[_Seg | None] = []
    for step, s in run.call_steps:
        (who, verb), = step.items()
        # "both": the second end made the same call while the first one's segment was
        # still on its way (a simultaneous open or close)
        first = srcs[-1] if srcs else None
        if (steps and verb in ("connect", "close") and s is not None and first is not None
                and steps[-1] == {_PEER[who]: verb} and _crossed(first, s)):
            steps[-1] = {"both": verb}
            continue
        steps.append(step)
        srcs.append(s)
    if options.get("fin_ack") == "merge":
        # merged close: the model makes the passive closer's close itself
        fin = next(s for s in segs if "FIN" in s.flags)
        drop = {_PEER[fin.side]: "close"}
        keep = [k for k, st in enumerate(steps) if st != drop]
        steps, srcs = [steps[k] for k in keep], [srcs[k] for k in keep]
    # a loss: the simulator's "lose: X->Y" step loses X's next segment, so it goes before
    # the call during which the lost segment was sent, if X sent nothing else in between
    inserts = []
    call_at = [c.i if c is not None else -1 for c in srcs]      # increasing
    sent_by: dict[str, list[int]] = {"A": [], "B": []}
    for t in segs:
        sent_by[t.side].append(t.i)
    for s in (s for s in segs if s.lost):
        k = bisect.bisect_right(call_at, s.i) - 1
        call = srcs[k] if k >= 0 else None
        # the sender's segment before s, if any, must come before that call
        mine = sent_by[s.side]
        before = mine[bisect.bisect_left(mine, s.i) - 1] if mine[0] < s.i else -1
        if call is not None and before < call.i:
            inserts.append((k, {"lose": f"{s.side}->{_PEER[s.side]}"}))
        else:
            found.notes.append(f"the steps cannot show the loss of segment {s.i + 1}.")
    for k, step in sorted(inserts, key=lambda t: t[0], reverse=True):
        steps.insert(k, step)
    return steps


def _crossed(first: _Seg, second: _Seg) -> bool:
    """Whether ``second`` was sent before its sender received ``first``."""
    return second.ack is None or sq.lt(second.ack, first.end)


# ---------------------------------------------------------------------- the trace
def stream_trace(stream: Stream, cap: CaptureFile, relative: bool = False) -> dict[str, Any]:
    """The trace of one connection of ``cap``: the phases above, in turn."""
    found = _Findings()
    segs = _read_segments(stream, found)
    _analyse_sequence(segs, found)
    _mark_losses(segs, found)
    no_tcb = _resets_of_no_connection(segs, found)
    run = _Driver(segs, found, no_tcb).run()
    _note_unconfirmed_arrivals(segs, found)
    records = [s.rec for s in segs]
    isn = dict(run.opening.isn)
    base = _numbering_base(segs, run.opening)
    if relative:
        _renumber(records, base)
    values = _values(records, run.opening, base, relative)
    _note_outcome(values, run.final, run.opening, found)
    options = _options(segs, stream, run)
    if no_tcb.no_time_wait is not None:
        options["time_wait"] = False
    capture = {"file": cap.path, "format": cap.format, "stream": stream.index,
               "A": endpoint_text(stream.a), "B": endpoint_text(stream.b),
               "frames": [segs[0].rec["frame"], segs[-1].rec["frame"]] if segs else [],
               "start": stream.packets[0].time}
    trace = {
        "scenario": f"pcap:{_basename(cap.path)}#{stream.index}",
        "seed": None,
        "options": options,
        "values": values,
        "segments": records,
        "events": run.events,
        "isn": isn,
        "steps": _steps(segs, run, options, found),
        "relative": relative,
        "final_states": run.final,
        "unknown": found.unknown,
        "notes": found.notes,
        "capture": capture,
    }
    if relative:
        trace["relative_base"] = base
        if run.opening.mode == "mid":
            found.notes.append("relative numbers count from one below the first sequence "
                               "number seen in each direction, as Wireshark does when the "
                               "SYN is not captured.")
    return trace


def _some(numbers: Iterable[int], limit: int = 10) -> str:
    """'1, 2, 3' or '1, 2, ..., 10 and 40 more': a list short enough for a note."""
    shown = list(numbers)
    text = ", ".join(map(str, shown[:limit]))
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
