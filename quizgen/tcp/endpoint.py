"""One TCP endpoint: a transmission control block driven by the transition table.

Sans-IO: the endpoint never sleeps, reads a clock or touches a network. Each call
(:meth:`Endpoint.call`, :meth:`Endpoint.receive`, :meth:`Endpoint.timeout`) returns what it did
as a list of outputs: segments to send, state changes, and timer requests, which the simulator
carries out in simulated time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from quizgen.tcp import seq as sq
from quizgen.tcp.segment import Segment
from quizgen.tcp.states import (TRANSITIONS, Action, Input, State, TransitionError,
                                transition)

INITIAL_RTO_MS: Final = 1000          # RFC 6298 section 2.1
RETRANSMIT: Final = "retransmit"
TIME_WAIT: Final = "time-wait"

# Speed: the hot paths below add and compare sequence numbers inline, as seq.add, seq.lt and
# seq.le do, with these constants from seq; each such place says which one it spells out.
_MOD: Final = sq.MOD
_HALF: Final = sq.HALF

# The flag sets the endpoint sends, made once rather than for every segment.
_SYN: Final = frozenset({"SYN"})
_SYN_ACK: Final = frozenset({"SYN", "ACK"})
_ACK: Final = frozenset({"ACK"})
_PSH_ACK: Final = frozenset({"PSH", "ACK"})
_FIN: Final = frozenset({"FIN"})
_FIN_ACK: Final = frozenset({"FIN", "ACK"})
_RST: Final = frozenset({"RST"})
_RST_ACK: Final = frozenset({"RST", "ACK"})

# States and inputs the hot paths test, as module constants: cheaper than State.X each time.
_CLOSED: Final = State.CLOSED
_LISTEN: Final = State.LISTEN
_SYN_SENT: Final = State.SYN_SENT
_SYN_RECEIVED: Final = State.SYN_RECEIVED
_ESTABLISHED: Final = State.ESTABLISHED
_CLOSE_WAIT: Final = State.CLOSE_WAIT
_IN_RST: Final = Input.RST
_IN_SYN: Final = Input.SYN
_IN_SYN_ACK: Final = Input.SYN_ACK
_IN_ACK: Final = Input.ACK
_IN_ACK_OF_FIN: Final = Input.ACK_OF_FIN
_IN_DATA: Final = Input.DATA
_IN_FIN: Final = Input.FIN
_IN_DUPLICATE: Final = Input.DUPLICATE


class CallError(Exception):
    """A user call the endpoint cannot take in its state (a local misuse)."""


class ProtocolError(Exception):
    """A segment the endpoint cannot accept; with two correct endpoints it means a model bug."""


# The outputs of an endpoint. Their __init__s are written out (init=False): a generated one
# stays interpreted Python under mypyc, and dozens are made for every trace.
@dataclass(slots=True, init=False)
class Send:
    segment: Segment

    def __init__(self, segment: Segment) -> None:
        self.segment = segment


@dataclass(slots=True, init=False)
class Change:
    before: State
    after: State
    cause: str                      # a call ("connect", "close", ...), "receive" or "timer"
    segment: Segment | None         # the segment received, or the first one sent by the call

    def __init__(self, before: State, after: State, cause: str, segment: Segment | None) -> None:
        self.before, self.after, self.cause, self.segment = before, after, cause, segment


@dataclass(slots=True, init=False)
class Timer:
    kind: str                       # RETRANSMIT or TIME_WAIT
    delay_ms: int | None            # None cancels the timer

    def __init__(self, kind: str, delay_ms: int | None) -> None:
        self.kind, self.delay_ms = kind, delay_ms


@dataclass(frozen=True)
class Behaviour:
    """The options that change what an endpoint sends (see the scenario script's ``options``)."""

    fin_ack: str = "separate"       # "merge": closing at once when the peer's FIN arrives
    piggyback: bool = False         # queued data rides on the handshake's ACK
    rst_ack: bool = False           # an abort's RST carries ACK
    fin_has_ack: bool = False       # the active closer's FIN carries ACK
    msl_s: int = 120
    mss: int = 1460


class Endpoint:
    def __init__(self, name: str, peer: str, iss: int, behaviour: Behaviour) -> None:
        if not sq.in_range(iss):
            raise ValueError(f"ISN {iss!r} is outside [0, 2**32)")
        self.name, self.peer, self.iss, self.b = name, peer, iss, behaviour
        self.state = State.CLOSED
        self.snd_una = self.snd_nxt = iss
        self.irs: int | None = None
        self.rcv_nxt: int | None = None
        self.fin_seq: int | None = None      # seq of our FIN once sent
        self.unacked: list[Segment] = []     # retransmission queue, oldest first
        self.queued: list[int] = []          # byte counts sent before ESTABLISHED
        self.out_of_order: dict[int, int] = {}    # seq -> length of data after a gap
        self.pending_fin: int | None = None       # seq of a FIN that arrived after a gap
        self.rto = INITIAL_RTO_MS
        self._out: list[Send | Change | Timer] = []
        self._ack_owed = False
        self._close_now = False

    # ------------------------------------------------------------------ public interface
    # Speed: call() and receive() look transitions up in TRANSITIONS as states.transition()
    # does, without the function call; a pair that is not there raises as it would.
    def call(self, inp: Input, nbytes: int = 0) -> list[Send | Change | Timer]:
        self._out = []
        try:
            action, after = TRANSITIONS[self.state, inp]
        except KeyError:
            exc = TransitionError(self.state, inp)
            raise CallError(f"{self.name}: {inp} is not allowed in state {self.state}") from exc
        self._step(action, after, inp, None, _CALL_CAUSE[inp], nbytes)
        return self._out

    def receive(self, seg: Segment) -> list[Send | Change | Timer]:
        self._out, self._ack_owed, self._close_now = [], False, False
        for inp in self._classify(seg):
            try:
                action, after = TRANSITIONS[self.state, inp]
            except KeyError:
                exc = TransitionError(self.state, inp)
                raise ProtocolError(f"{self.name} received {seg.name} seq={seg.seq}: {exc}") from exc
            self._step(action, after, inp, seg, "receive")
        if self.pending_fin is not None and self.pending_fin == self.rcv_nxt:
            self.pending_fin = None                  # the gap before the FIN is filled
            action, after = transition(self.state, Input.FIN)
            self._step(action, after, Input.FIN, seg, "receive")
        if self._close_now:       # fin_ack: merge, the application closes at once
            action, after = transition(self.state, Input.CLOSE)
            self._step(action, after, Input.CLOSE, None, "close")
        if self._ack_owed:
            self._emit(Segment(self.name, self.peer, _ACK, self.snd_nxt, self.rcv_nxt))
        return self._out

    def timeout(self, kind: str) -> list[Send | Change | Timer]:
        self._out = []
        inp = Input.RETRANSMIT_TIMEOUT if kind == RETRANSMIT else Input.TIME_WAIT_TIMEOUT
        action, after = transition(self.state, inp)
        self._step(action, after, inp, None, "timer")
        return self._out

    # ------------------------------------------------------------------ classification
    def _classify(self, seg: Segment) -> list[Input]:
        """Which inputs of the transition table an arriving segment is, in RFC 9293 order."""
        f, st = seg.flags, self.state
        if st is _CLOSED or st is _LISTEN:
            if "RST" in f:
                return [_IN_RST]
            if "SYN" in f:
                return [_IN_SYN_ACK if "ACK" in f else _IN_SYN]
            if "ACK" in f:
                return [_IN_ACK]
            return [_IN_FIN if "FIN" in f else _IN_DATA]
        if st is _SYN_SENT:
            acks_syn = "ACK" in f and seg.ack == (self.iss + 1) % _MOD      # seq.add, inline
            if "ACK" in f and not acks_syn:
                raise ProtocolError(f"{self.name} in SYN-SENT got ack={seg.ack}, expected {sq.add(self.iss, 1)}")
            if "RST" in f:
                return [_IN_RST]
            if "SYN" in f:
                return [_IN_SYN_ACK if acks_syn else _IN_SYN]
            return [_IN_ACK]       # neither SYN nor RST: dropped (RFC 9293 3.10.7.3)
        # synchronized states, and SYN-RECEIVED
        if "SYN" in f and st is _SYN_RECEIVED:
            if "ACK" in f and seg.ack == sq.add(self.iss, 1):
                return [_IN_SYN_ACK]       # simultaneous open (RFC 9293 figure 8)
            return [_IN_SYN]               # the peer retransmitted its SYN
        if "RST" in f:
            return [_IN_RST]
        seg_len = seg.length + ("SYN" in f) + ("FIN" in f)          # seg.seg_len, inline
        if seg_len:
            # seq.le(seq.add(seg.seq, seg_len), rcv_nxt), inline: the segment ends at or
            # before RCV.NXT, so we have all of it already
            d = (seg.seq + seg_len - self.rcv_nxt) % _MOD  # type: ignore[operator]
            if d == 0 or d > _HALF:
                return [_IN_DUPLICATE]
        if "SYN" in f:
            raise ProtocolError(f"{self.name} in {st} got a new SYN")
        inputs: list[Input] = []
        if "ACK" in f:
            ack = seg.ack
            if (self.snd_nxt - ack) % _MOD > _HALF:  # type: ignore[operator]  # seq.lt(snd_nxt, ack)
                raise ProtocolError(f"{self.name} got ack={seg.ack} for data never sent (SND.NXT={self.snd_nxt})")
            fin_seq = self.fin_seq
            fin_acked_now = False
            if fin_seq is not None and ack == (fin_seq + 1) % _MOD:          # seq.add, inline
                fin_acked_now = sq.le(self.snd_una, fin_seq)
            inputs.append(_IN_ACK_OF_FIN if fin_acked_now else _IN_ACK)
        if seg.length:
            inputs.append(_IN_DATA)
        if "FIN" in f:
            if seg.seq == self.rcv_nxt:
                inputs.append(_IN_FIN)
            else:   # earlier data is missing: keep the FIN until the gap is filled
                self.pending_fin = sq.add(seg.seq, seg.length)
                if not seg.length:
                    inputs.append(_IN_DATA)    # acknowledged as a duplicate ACK
        return inputs

    # ------------------------------------------------------------------ actions
    def _step(self, action: Action, after: State, inp: Input, seg: Segment | None,
              cause: str, nbytes: int = 0) -> None:
        out = self._out
        before, first_sent = self.state, len(out)
        _HANDLERS[action](self, inp, seg, nbytes, after)
        if after is not before:
            seg_ref = seg
            if seg is None:   # a call or timer: name the first segment it sent, if any
                for i in range(first_sent, len(out)):
                    o = out[i]
                    if isinstance(o, Send):
                        seg_ref = o.segment
                        break
            self.state = after
            out.append(Change(before, after, cause, seg_ref))

    def _do_none(self, inp, seg, n, after) -> None:
        pass

    def _do_drop(self, inp, seg, n, after) -> None:
        pass

    def _do_send_syn(self, inp, seg, n, after) -> None:
        self._emit(Segment(self.name, self.peer, _SYN, self.iss, None), track=True)
        self.snd_nxt = (self.iss + 1) % _MOD                            # seq.add, inline

    def _do_send_syn_ack(self, inp, seg, n, after) -> None:
        self.irs = seg.seq
        self.rcv_nxt = (seg.seq + 1) % _MOD                             # seq.add, inline
        # In a simultaneous open our SYN is already queued: the SYN,ACK replaces it.
        self.unacked = [s for s in self.unacked if "SYN" not in s.flags]
        self._emit(Segment(self.name, self.peer, _SYN_ACK, self.iss, self.rcv_nxt), track=True)
        self.snd_nxt = (self.iss + 1) % _MOD                            # seq.add, inline

    def _do_queue(self, inp, seg, n, after) -> None:
        self.queued.append(n)

    def _do_complete_open(self, inp, seg, n, after) -> None:
        self.irs = seg.seq
        self.rcv_nxt = (seg.seq + 1) % _MOD                             # seq.add, inline
        self._do_accept_ack(inp, seg, n, after)
        queued, self.queued = self.queued, []
        if not (queued and self.b.piggyback):
            self._emit(Segment(self.name, self.peer, _ACK, self.snd_nxt, self.rcv_nxt))
        for nbytes in queued:
            self._send_data(nbytes)

    def _do_accept_ack(self, inp, seg, n, after) -> None:
        """Take SEG.ACK: what it acknowledges leaves the retransmission queue."""
        ack = seg.ack
        # nothing new unless seq.lt(snd_una, ack), inline
        if ack is None or (self.snd_una - ack) % _MOD <= _HALF:
            return
        self.snd_una = ack
        # keep what ends after ack: seq.lt(ack, seq.add(s.seq, s.seg_len)), inline (and a loop:
        # the queue is short, and a comprehension costs a call of its own)
        unacked = []
        for s in self.unacked:
            if (ack - s.seq - s.length - ("SYN" in s.flags) - ("FIN" in s.flags)) % _MOD > _HALF:
                unacked.append(s)
        self.unacked = unacked
        self.rto = INITIAL_RTO_MS
        self._out.append(Timer(RETRANSMIT, self.rto if self.unacked else None))

    def _do_accept_ack_and_acknowledge(self, inp, seg, n, after) -> None:
        self._do_accept_ack(inp, seg, n, after)
        self._ack_owed = True

    def _do_send_data(self, inp, seg, n, after) -> None:
        self._send_data(n)

    def _do_receive_data(self, inp, seg, n, after) -> None:
        self._ack_owed = True
        if not seg.length:
            return
        if seg.seq == self.rcv_nxt:
            self.rcv_nxt = (seg.seq + seg.length) % _MOD                  # seq.add, inline
            while self.rcv_nxt in self.out_of_order:          # the gap is filled
                self.rcv_nxt = sq.add(self.rcv_nxt, self.out_of_order.pop(self.rcv_nxt))
        else:
            self.out_of_order[seg.seq] = seg.length           # acknowledged as a duplicate ACK

    def _do_receive_fin(self, inp, seg, n, after) -> None:
        self.rcv_nxt = (self.rcv_nxt + 1) % _MOD  # type: ignore[operator]  # seq.add, inline
        self._ack_owed = True
        if after is _CLOSE_WAIT and self.b.fin_ack == "merge":
            self._close_now = True

    def _do_send_fin(self, inp, seg, n, after) -> None:
        # The passive closer's FIN always carries ACK; the active closer's only where the
        # scenario models RFC 9293 and Linux (fin_has_ack), not the textbook figure.
        carries_ack = self.state is not _ESTABLISHED or self.b.fin_has_ack
        self.fin_seq = self.snd_nxt
        self._emit(Segment(self.name, self.peer, _FIN_ACK if carries_ack else _FIN, self.snd_nxt,
                           self.rcv_nxt if carries_ack else None), track=True)
        self.snd_nxt = (self.snd_nxt + 1) % _MOD                        # seq.add, inline
        self._ack_owed = False

    def _do_acknowledge(self, inp, seg, n, after) -> None:
        self._ack_owed = True

    def _do_retransmit(self, inp, seg, n, after) -> None:
        old = self.unacked[0]
        ack = self.rcv_nxt if "ACK" in old.flags else None
        self.rto *= 2                                          # RFC 6298 5.5: back off
        self._emit(Segment(old.src, old.dst, old.flags, old.seq, ack, old.length, old.window))
        self._out.append(Timer(RETRANSMIT, self.rto))

    def _do_reset_peer(self, inp, seg, n, after) -> None:
        if "ACK" in seg.flags:      # RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>
            self._emit(Segment(self.name, self.peer, _RST, seg.ack, None))
        else:                       # <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            self._emit(Segment(self.name, self.peer, _RST_ACK, 0,
                               sq.add(seg.seq, seg.seg_len)))

    def _do_send_reset(self, inp, seg, n, after) -> None:
        with_ack = self.b.rst_ack and self.rcv_nxt is not None
        self._emit(Segment(self.name, self.peer, _RST_ACK if with_ack else _RST, self.snd_nxt,
                           self.rcv_nxt if with_ack else None))
        self._forget()

    def _do_start_time_wait(self, inp, seg, n, after) -> None:
        if inp is _IN_FIN:
            self._do_receive_fin(inp, seg, n, after)
        else:
            self._do_accept_ack(inp, seg, n, after)
        self._out.append(Timer(RETRANSMIT, None))
        self._out.append(Timer(TIME_WAIT, 2 * self.b.msl_s * 1000))

    def _do_restart_time_wait(self, inp, seg, n, after) -> None:
        self._ack_owed = True
        self._out.append(Timer(TIME_WAIT, 2 * self.b.msl_s * 1000))

    def _do_delete_tcb(self, inp, seg, n, after) -> None:
        if inp is _IN_ACK_OF_FIN:
            self._do_accept_ack(inp, seg, n, after)
        self._forget()

    # ------------------------------------------------------------------ helpers
    def _emit(self, segment: Segment, *, track: bool = False) -> None:
        """Send a segment; ``track`` puts it on the retransmission queue (SYN, data, FIN)."""
        if "ACK" in segment.flags:
            self._ack_owed = False
        self._out.append(Send(segment))
        if track:
            if not self.unacked:
                self._out.append(Timer(RETRANSMIT, self.rto))
            self.unacked.append(segment)

    def _send_data(self, nbytes: int) -> None:
        while nbytes > 0:
            chunk = min(nbytes, self.b.mss)
            nbytes -= chunk
            flags = _PSH_ACK if nbytes == 0 else _ACK
            self._emit(Segment(self.name, self.peer, flags, self.snd_nxt, self.rcv_nxt, chunk), track=True)
            self.snd_nxt = (self.snd_nxt + chunk) % _MOD                  # seq.add, inline

    def _forget(self) -> None:
        self.unacked, self.queued = [], []
        self._out.append(Timer(RETRANSMIT, None))
        self._out.append(Timer(TIME_WAIT, None))


#: action -> the method that carries it out, looked up once
_HANDLERS: Final = {a: getattr(Endpoint, "_do_" + a.name.lower()) for a in Action}
_CALL_CAUSE: Final = {i: i.value for i in Input}
