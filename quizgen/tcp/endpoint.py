"""One TCP endpoint: a transmission control block driven by the transition table.

Sans-IO: the endpoint never sleeps, reads a clock or touches a network. Each call
(:meth:`Endpoint.call`, :meth:`Endpoint.receive`, :meth:`Endpoint.timeout`) returns what it did
as a list of outputs: segments to send, state changes, and timer requests, which the simulator
carries out in simulated time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from quizgen.tcp import seq as sq
from quizgen.tcp.options import Options
from quizgen.tcp.segment import WINDOW, Segment
from quizgen.tcp.states import Action, Input, State, TransitionError, transition

INITIAL_RTO_MS = 1000          # RFC 6298 section 2.1 (Linux: TCP_TIMEOUT_INIT)
MAX_RTO_MS = 120_000           # Linux's TCP_RTO_MAX: the doubling stops at 120 s

#: The name quizgen.capture knows the options by.
Behaviour = Options


class CallError(TransitionError):
    """A user call the table does not allow in the endpoint's state (a local misuse)."""

    def __init__(self, who: str, state: State, inp: Input) -> None:
        super().__init__(state, inp)
        self.who = who

    def __str__(self) -> str:
        return f"{self.who}: {super().__str__()}"


class ProtocolError(Exception):
    """A segment the endpoint cannot accept; with two correct endpoints it means a model bug.

    ``input`` is the input the table refused, or None when the segment was refused before the
    table was asked (see ``Endpoint._classify``)."""

    def __init__(self, message: str, *, who: str, state: State, segment: Segment,
                 input: Input | None = None) -> None:
        super().__init__(message)
        self.who, self.state, self.segment, self.input = who, state, segment, input


# ---------------------------------------------------------------------- limits
@dataclass(frozen=True)
class Limits:
    """How many times an endpoint retransmits before it gives up: Linux's sysctls, with
    Linux's defaults. A script cannot change them (they are the host's, not the connection's);
    the kernel agreement tests lower them as they lower the sysctls.

    ``syn_retries``: SYN retransmissions of an active open (net.ipv4.tcp_syn_retries; also a
    simultaneous open's SYN,ACK). ``synack_retries``: SYN,ACK retransmissions of a passive open
    (net.ipv4.tcp_synack_retries). ``retries2``: retransmissions of data or a FIN
    (net.ipv4.tcp_retries2). Each counts the retransmissions made by the timer since the last
    ACK of something new. Linux 6.5's tcp_syn_linear_timeouts is taken as 0, and Linux's
    data limit is a time, not a count: :mod:`quizgen.tcp.states` says what that changes."""

    syn_retries: int = 6
    synack_retries: int = 5
    retries2: int = 15

    def __post_init__(self) -> None:
        # Linux retransmits at least once whatever the sysctl says (tcp_syn_retries is at
        # least 1; retransmits_timed_out() is false before the first retransmission)
        for name in ("syn_retries", "synack_retries", "retries2"):
            value = getattr(self, name)
            if not (isinstance(value, int) and 1 <= value <= 255):
                raise ValueError(f"{name} must be a whole number from 1 to 255, not {value!r}")


LINUX = Limits()


def backoff(rto_ms: int) -> int:
    """The timeout after one that ran out: doubled (RFC 6298 5.5), up to Linux's TCP_RTO_MAX."""
    return min(rto_ms * 2, MAX_RTO_MS)


def half_open_lifetime(limits: Limits = LINUX) -> int:
    """Milliseconds a passive open's SYN-RECEIVED lasts when nothing answers: its SYN,ACK
    and ``synack_retries`` retransmissions, each after a timeout that doubles, and the give-up
    one timeout after the last (63 s with Linux's 5). What an endpoint's timers do, summed."""
    total, rto = 0, INITIAL_RTO_MS
    for _ in range(limits.synack_retries + 1):
        total += rto
        rto = backoff(rto)
    return total


# ---------------------------------------------------------------------- timers
@dataclass(frozen=True, eq=False)
class TimerKind:
    """One of an endpoint's timers (each is one object, in :data:`TIMERS`, compared by
    identity). When it runs out, the endpoint takes the input ``expiry``; a state change it
    makes is recorded with ``cause``.

    ``holds_steps``: while it is pending the network is not quiet, so a script's next step
    waits for it (a retransmission); otherwise it runs on across steps (TIME-WAIT). At the end
    of a script every timer runs out. A new timer is one more entry in :data:`TIMERS` (with its
    expiry in the transition table, and the actions that set it)."""

    name: str
    expiry: Input
    holds_steps: bool
    cause: str = "timer"


RETRANSMIT = TimerKind("retransmit", Input.RETRANSMIT_TIMEOUT, holds_steps=True)
#: Set instead of RETRANSMIT after the last retransmission the limits allow: when it runs out
#: with nothing new acknowledged, the endpoint gives up (CLOSED, cause "timeout", no RST).
GIVE_UP = TimerKind("give-up", Input.GIVE_UP_TIMEOUT, holds_steps=True, cause="timeout")
TIME_WAIT = TimerKind("time-wait", Input.TIME_WAIT_TIMEOUT, holds_steps=False)
#: Every timer, in the order they run out when due at the same moment.
TIMERS = (RETRANSMIT, GIVE_UP, TIME_WAIT)


# ---------------------------------------------------------------------- outputs
@dataclass(slots=True)
class Send:
    segment: Segment


@dataclass(slots=True)
class Change:
    before: State
    after: State
    cause: str                      # a call ("connect", "close", ...), "receive", "timer"
                                    #   (2 MSL) or "timeout" (given up)
    segment: Segment | None         # the segment received, or the first one sent by the call


@dataclass(slots=True)
class Timer:
    kind: TimerKind
    delay_ms: int | None            # None cancels the timer


Output = Send | Change | Timer


class Endpoint:
    def __init__(self, name: str, peer: str, iss: int, options: Options,
                 limits: Limits = LINUX, window: int = WINDOW) -> None:
        if not sq.in_range(iss):
            raise ValueError(f"ISN {iss!r} is outside [0, 2**32)")
        self.name, self.peer, self.iss, self.options = name, peer, iss, options
        self.limits = limits
        #: the window each end advertises: what it receives beyond RCV.NXT, and what it sends
        #: beyond SND.UNA (a capture's endpoints take a real connection's, scaled, as open)
        self.window = window
        self.state = State.CLOSED
        self.snd_una = self.snd_nxt = iss
        self.irs: int | None = None
        self.rcv_nxt: int | None = None
        self.fin_seq: int | None = None      # seq of our FIN once sent
        self.unacked: deque[Segment] = deque()    # retransmission queue, in sequence order
        self.queued: list[int] = []          # byte counts sent before ESTABLISHED
        self.out_of_order: dict[int, int] = {}    # seq -> length of data after a gap
        self.pending_fin: int | None = None       # seq of a FIN that arrived after a gap
        self.rto = INITIAL_RTO_MS
        self.retries = 0                     # retransmissions by the timer since the last new ACK
        self.passive = False                 # SYN-RECEIVED came from LISTEN
        self._giving_up = False              # GIVE_UP is set, not RETRANSMIT
        self._out: list[Output] = []
        self._ack_owed = False
        self._close_now = False
        self.cork = False                    # hold the last data segment back (send_and_close)
        self.unsent = 0                      # bytes written that the peer's window holds back
        self._fin_waiting = False            # closed while bytes were unsent: FIN rides on them
        self._held: Segment | None = None
        self.queue_full = False              # the listener's SYN queue (set by the simulator)
        self.later_iss: int | None = None    # the ISN for the passive open after a reset one
        self.received: tuple[Input, ...] = ()    # the inputs the last segment was taken as

    # ------------------------------------------------------------------ public interface
    def send_and_close(self, nbytes: int) -> list[Output]:
        """The application writes ``nbytes`` and closes before the last of them has left (a
        corked socket, or Nagle holding a small tail): the table's SEND, then its CLOSE, and
        the FIN rides on the last data segment (Linux's tcp_send_fin marks the unsent tail).
        The segmentation is outside the transition table; the transitions are the table's."""
        self.cork = True
        try:
            out = self.call(Input.SEND, nbytes)
        finally:
            self.cork = False
        return out + self.call(Input.CLOSE)

    def answer_with(self, iss: int) -> None:
        """A listener about to answer an old duplicate SYN: its half-open connection has an ISN
        of its own (RFC 9293 3.4.1's clock has moved on), and the passive open after it goes
        back to this endpoint's ISN."""
        assert self.state is State.LISTEN
        self.later_iss, self.iss = self.iss, iss
        self.snd_una = self.snd_nxt = iss

    def call(self, inp: Input, nbytes: int = 0) -> list[Output]:
        self._out = []
        try:
            action, after = transition(self.state, inp)
        except TransitionError:
            raise CallError(self.name, self.state, inp) from None
        self._step(action, after, inp, None, cause=inp.value, nbytes=nbytes)
        return self._out

    def receive(self, seg: Segment) -> list[Output]:
        self._out, self._ack_owed, self._close_now = [], False, False
        self.received = tuple(self._classify(seg))
        for inp in self.received:
            try:
                action, after = transition(self.state, inp)
            except TransitionError as exc:
                raise ProtocolError(f"{self.name} received {seg.name} seq={seg.seq}: {exc}",
                                    who=self.name, state=self.state, segment=seg,
                                    input=inp) from exc
            self._step(action, after, inp, seg, cause="receive")
        if self.pending_fin is not None and self.pending_fin == self.rcv_nxt:
            self.pending_fin = None                  # the gap before the FIN is filled
            action, after = transition(self.state, Input.FIN)
            self._step(action, after, Input.FIN, seg, cause="receive")
        if self._close_now:       # fin_ack: merge, the application closes at once
            action, after = transition(self.state, Input.CLOSE)
            self._step(action, after, Input.CLOSE, None, cause="close")
        if self._ack_owed:
            self._emit(self._segment({"ACK"}, self.snd_nxt))
        return self._out

    def timeout(self, kind: TimerKind) -> list[Output]:
        self._out = []
        action, after = transition(self.state, kind.expiry)
        self._step(action, after, kind.expiry, None, cause=kind.cause)
        return self._out

    # ------------------------------------------------------------------ classification
    def _classify(self, seg: Segment) -> list[Input]:
        """Which inputs of the transition table an arriving segment is, in RFC 9293 order."""
        f, st = seg.flags, self.state
        if st in (State.CLOSED, State.LISTEN):
            if "RST" in f:
                return [Input.RST]
            if "SYN" in f and "ACK" not in f and st is State.LISTEN and self.queue_full:
                return [Input.SYN_COOKIE if self.options.syn_cookies else Input.SYN_QUEUE_FULL]
            if "SYN" in f:
                return [Input.SYN_ACK if "ACK" in f else Input.SYN]
            if ("ACK" in f and st is State.LISTEN and self.options.syn_cookies
                    and seg.ack == sq.add(self.iss, 1)):
                return [Input.COOKIE_ACK] + ([Input.DATA] if seg.length else [])
            if "ACK" in f:
                return [Input.ACK]
            return [Input.FIN if "FIN" in f else Input.DATA]
        if st is State.SYN_SENT:
            acks_syn = "ACK" in f and seg.ack == sq.add(self.iss, 1)
            if "ACK" in f and not acks_syn:
                raise self._refuse(seg, f"{self.name} in SYN-SENT got ack={seg.ack}, "
                                        f"expected {sq.add(self.iss, 1)}")
            if "RST" in f:
                return [Input.RST]
            if "SYN" in f:
                return [Input.SYN_ACK if acks_syn else Input.SYN]
            return [Input.ACK]       # neither SYN nor RST: dropped (RFC 9293 3.10.7.3)
        # synchronized states, and SYN-RECEIVED: RCV.NXT is known
        assert self.rcv_nxt is not None
        if st is State.SYN_RECEIVED and "SYN" in f:
            if "ACK" in f and seg.ack == sq.add(self.iss, 1):
                return [Input.SYN_ACK]       # simultaneous open (RFC 9293 figure 8)
            return [Input.SYN]               # the peer retransmitted its SYN
        if "RST" in f:
            return [Input.RST_PASSIVE if st is State.SYN_RECEIVED and self.passive
                    else Input.RST]
        if seg.seg_len and sq.le(sq.add(seg.seq, seg.seg_len), self.rcv_nxt):
            return [Input.DUPLICATE]
        if seg.length and not self.in_window(seg):
            return [Input.UNACCEPTABLE]
        if "SYN" in f:
            # a SYN of no connection of ours (an old duplicate) in a synchronized state: RFC
            # 9293 3.10.7.4 (and RFC 5961 4.2, Linux's challenge ACK) answers it with an ACK
            return [Input.UNACCEPTABLE]
        inputs: list[Input] = []
        if seg.ack is not None:      # the ACK flag is set
            if sq.lt(self.snd_nxt, seg.ack):
                raise self._refuse(seg, f"{self.name} got ack={seg.ack} for data never sent "
                                        f"(SND.NXT={self.snd_nxt})")
            fin_acked_now = (self.fin_seq is not None and seg.ack == sq.add(self.fin_seq, 1)
                             and sq.le(self.snd_una, self.fin_seq))
            inputs.append(Input.ACK_OF_FIN if fin_acked_now else Input.ACK)
        if seg.length:
            inputs.append(Input.DATA)
        if "FIN" in f:
            if seg.seq == self.rcv_nxt:
                inputs.append(Input.FIN)
            else:   # earlier data is missing: keep the FIN until the gap is filled
                self.pending_fin = sq.add(seg.seq, seg.length)
                if not seg.length:
                    inputs.append(Input.DATA)    # acknowledged as a duplicate ACK
        return inputs

    def in_window(self, seg: Segment) -> bool:
        """Whether data begins or ends inside [RCV.NXT, RCV.NXT + window) (RFC 9293 3.10.7.4)."""
        assert self.rcv_nxt is not None
        return sq.in_window(seg.seq, seg.length, self.rcv_nxt, self.window)

    def _refuse(self, seg: Segment, message: str) -> ProtocolError:
        return ProtocolError(message, who=self.name, state=self.state, segment=seg)

    # ------------------------------------------------------------------ actions
    def _step(self, action: Action, after: State, inp: Input, seg: Segment | None, *,
              cause: str, nbytes: int = 0) -> None:
        before, first_sent = self.state, len(self._out)
        _HANDLERS[action](self, inp, seg, nbytes, after)
        if after is not before:
            if seg is None:   # a call or timer: name the first segment it sent, if any
                sent = [o.segment for o in self._out[first_sent:] if isinstance(o, Send)]
                seg_ref = sent[0] if sent else None
            else:
                seg_ref = seg
            self.state = after
            self._out.append(Change(before, after, cause, seg_ref))

    def _do_none(self, inp, seg, n, after) -> None:
        pass

    _do_drop = _do_none

    def _do_send_syn(self, inp, seg, n, after) -> None:
        self._emit(self._segment({"SYN"}, self.iss, ack=False), track=True)
        self.snd_nxt = sq.add(self.iss, 1)

    def _do_send_syn_ack(self, inp, seg, n, after) -> None:
        self.passive = self.state is State.LISTEN
        self.irs = seg.seq
        self.rcv_nxt = sq.add(seg.seq, 1)
        # In a simultaneous open our SYN is already queued: the SYN,ACK replaces it.
        self.unacked = deque(s for s in self.unacked if "SYN" not in s.flags)
        self._emit(self._segment({"SYN", "ACK"}, self.iss), track=True)
        self.snd_nxt = sq.add(self.iss, 1)

    def _do_queue(self, inp, seg, n, after) -> None:
        self.queued.append(n)

    def _do_complete_open(self, inp, seg, n, after) -> None:
        self.irs = seg.seq
        self.rcv_nxt = sq.add(seg.seq, 1)
        self._take_ack(seg.ack)
        queued, self.queued = self.queued, []
        if not (queued and self.options.piggyback):
            self._emit(self._segment({"ACK"}, self.snd_nxt))
        for nbytes in queued:
            self._send_data(nbytes)

    def _do_accept_ack(self, inp, seg, n, after) -> None:
        self._take_ack(seg.ack)

    def _do_accept_ack_and_acknowledge(self, inp, seg, n, after) -> None:
        self._take_ack(seg.ack)
        self._ack_owed = True

    def _do_send_data(self, inp, seg, n, after) -> None:
        self._send_data(n)

    def _do_receive_data(self, inp, seg, n, after) -> None:
        self._ack_owed = True
        if not seg.length:
            return
        if seg.seq == self.rcv_nxt:
            self.rcv_nxt = sq.add(seg.seq, seg.length)
            while self.rcv_nxt in self.out_of_order:          # the gap is filled
                self.rcv_nxt = sq.add(self.rcv_nxt, self.out_of_order.pop(self.rcv_nxt))
        else:
            self.out_of_order[seg.seq] = seg.length           # acknowledged as a duplicate ACK

    def _do_receive_fin(self, inp, seg, n, after) -> None:
        assert self.rcv_nxt is not None      # a FIN is taken only once synchronized
        self.rcv_nxt = sq.add(self.rcv_nxt, 1)
        self._ack_owed = True
        if after is State.CLOSE_WAIT and self.options.fin_ack == "merge":
            self._close_now = True

    def _do_send_fin(self, inp, seg, n, after) -> None:
        if self.unsent:                   # the window holds data back: the FIN rides on its last
            self._fin_waiting = True
            return
        if self._held is not None:        # the FIN on the held data: one segment, with ACK
            data, self._held = self._held, None
            self.fin_seq = self.snd_nxt
            self._emit(Segment(data.src, data.dst, data.flags | {"FIN"}, data.seq, data.ack,
                               data.length), track=True)
            self.snd_nxt = sq.add(self.snd_nxt, 1)
            self._ack_owed = False
            return
        # The passive closer's FIN always carries ACK; the active closer's only where the
        # scenario models RFC 9293 and Linux (fin_has_ack), not the textbook figure.
        carries_ack = self.state is not State.ESTABLISHED or self.options.fin_has_ack
        self.fin_seq = self.snd_nxt
        self._emit(self._segment({"FIN", "ACK"} if carries_ack else {"FIN"}, self.snd_nxt,
                                 ack=carries_ack), track=True)
        self.snd_nxt = sq.add(self.snd_nxt, 1)
        self._ack_owed = False

    def _do_acknowledge(self, inp, seg, n, after) -> None:
        self._ack_owed = True

    def _do_retransmit(self, inp, seg, n, after) -> None:
        old = self.unacked[0]
        ack = self.rcv_nxt if "ACK" in old.flags else None
        self._emit(Segment(old.src, old.dst, old.flags, old.seq, ack, old.length, old.window))
        if inp is Input.RETRANSMIT_TIMEOUT:
            # RFC 6298 5.5: back off, up to Linux's TCP_RTO_MAX; after the last retransmission
            # the limits allow, the timer that follows is the one that gives up
            self.retries += 1
            self.rto = backoff(self.rto)
        # else a repeated SYN (our SYN,ACK was lost): sent again at once, no back-off, and the
        # timer starts again (Linux's inet_rtx_syn_ack)
        self._arm()

    def _arm(self) -> None:
        """(Re)start the retransmission timer, or, once the retransmissions the limits allow
        are spent, the give-up timer in its place."""
        if self.retries and self.retries >= self._retry_limit():    # every limit is >= 1
            self._giving_up = True
            self._out.append(Timer(GIVE_UP, self.rto))
        else:
            self._out.append(Timer(RETRANSMIT, self.rto))

    def _retry_limit(self) -> int:
        st, limits = self.state, self.limits
        if st is State.SYN_SENT or (st is State.SYN_RECEIVED and not self.passive):
            return limits.syn_retries
        if st is State.SYN_RECEIVED:
            return limits.synack_retries
        return limits.retries2

    def _do_reset_peer(self, inp, seg, n, after) -> None:
        if "ACK" in seg.flags:      # RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>
            self._emit(Segment(self.name, self.peer, frozenset({"RST"}), seg.ack, None))
        else:                       # <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            self._emit(Segment(self.name, self.peer, frozenset({"RST", "ACK"}), 0,
                               sq.add(seg.seq, seg.seg_len)))

    def _do_send_reset(self, inp, seg, n, after) -> None:
        with_ack = self.options.rst_ack and self.rcv_nxt is not None
        self._emit(self._segment({"RST", "ACK"} if with_ack else {"RST"}, self.snd_nxt,
                                 ack=with_ack))
        self._forget()

    def _do_start_time_wait(self, inp, seg, n, after) -> None:
        if inp is Input.FIN:
            self._do_receive_fin(inp, seg, n, after)
        else:
            self._take_ack(seg.ack)
        self._out.append(Timer(RETRANSMIT, None))
        self._stop_giving_up()
        # time_wait: false waits no time at all: TIME-WAIT ends as it begins, by the table's
        # own 2MSL timeout, so the states still go TIME-WAIT -> CLOSED (both at one instant)
        self._out.append(Timer(TIME_WAIT, 2 * self.options.msl * 1000
                               if self.options.time_wait else 0))

    def _do_restart_time_wait(self, inp, seg, n, after) -> None:
        self._ack_owed = True
        self._out.append(Timer(TIME_WAIT, 2 * self.options.msl * 1000))

    def _do_listen_again(self, inp, seg, n, after) -> None:
        self._forget()
        if self.later_iss is not None:        # the next passive open has an ISN of its own
            self.iss, self.later_iss = self.later_iss, None
        self.irs = self.rcv_nxt = None
        self.snd_una = self.snd_nxt = self.iss
        self.passive = False
        self.out_of_order, self.pending_fin = {}, None

    def _do_send_cookie(self, inp, seg, n, after) -> None:
        # the SYN,ACK a full TCB would send, but nothing is kept: not retransmitted, and the
        # endpoint stays a listener (its ISN is the cookie)
        self._emit(Segment(self.name, self.peer, frozenset({"SYN", "ACK"}), self.iss,
                           sq.add(seg.seq, 1)))

    def _do_accept_cookie(self, inp, seg, n, after) -> None:
        self.irs = sq.add(seg.seq, -1)
        self.rcv_nxt = seg.seq
        self.snd_una = self.snd_nxt = sq.add(self.iss, 1)
        self.passive = True

    def _do_delete_tcb(self, inp, seg, n, after) -> None:
        if inp is Input.ACK_OF_FIN:
            self._take_ack(seg.ack)
        self._forget()

    # ------------------------------------------------------------------ helpers
    def _segment(self, flags: set[str], seq: int, *, ack: bool = True, length: int = 0) -> Segment:
        return Segment(self.name, self.peer, frozenset(flags), seq,
                       self.rcv_nxt if ack else None, length)

    def _emit(self, segment: Segment, *, track: bool = False) -> None:
        """Send a segment; ``track`` puts it on the retransmission queue (SYN, data, FIN)."""
        if "ACK" in segment.flags:
            self._ack_owed = False
        self._out.append(Send(segment))
        if track:
            if not self.unacked:
                self._arm()
            self.unacked.append(segment)

    def _send_data(self, nbytes: int) -> None:
        self.unsent += nbytes
        self._push()

    def _push(self) -> None:
        """Send what the peer's window takes of the unsent bytes, ``mss`` at most a segment."""
        while self.unsent:
            room = self.window - sq.diff(self.snd_nxt, self.snd_una)
            chunk = min(self.unsent, self.options.mss, room)
            if chunk <= 0:
                return                        # the window is full: an ACK will open it
            self.unsent -= chunk
            last = self.unsent == 0
            flags = {"ACK", "PSH"} if last else {"ACK"}
            if last and self._fin_waiting:    # closed meanwhile: the FIN rides on the last
                self._fin_waiting = False
                self.fin_seq = sq.add(self.snd_nxt, chunk)
                self._emit(self._segment(flags | {"FIN"}, self.snd_nxt, length=chunk),
                           track=True)
                self.snd_nxt = sq.add(self.snd_nxt, chunk + 1)
                return
            segment = self._segment(flags, self.snd_nxt, length=chunk)
            if last and self.cork:
                self._held = segment          # leaves with the FIN (send_and_close)
            else:
                self._emit(segment, track=True)
            self.snd_nxt = sq.add(self.snd_nxt, chunk)

    def _take_ack(self, ack: int | None) -> None:
        if ack is None or not sq.lt(self.snd_una, ack):
            return                                             # nothing new
        self.snd_una = ack
        unacked = self.unacked          # in sequence order: the acknowledged ones come first
        while unacked and not sq.lt(ack, sq.add(unacked[0].seq, unacked[0].seg_len)):
            unacked.popleft()
        self.rto = INITIAL_RTO_MS
        self.retries = 0
        if self._giving_up:
            self._stop_giving_up()
        if self.unsent:
            self._push()                      # the window has opened
        self._out.append(Timer(RETRANSMIT, self.rto if self.unacked else None))

    def _stop_giving_up(self) -> None:
        if self._giving_up:
            self._giving_up = False
            self._out.append(Timer(GIVE_UP, None))

    def _forget(self) -> None:
        self.unacked, self.queued = deque(), []
        self.unsent, self._fin_waiting = 0, False
        self._giving_up = False
        for kind in TIMERS:
            self._out.append(Timer(kind, None))


#: action -> the method that carries it out, looked up once
_HANDLERS = {a: getattr(Endpoint, "_do_" + a.name.lower()) for a in Action}
