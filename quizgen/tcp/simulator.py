"""Plays a scenario script between two endpoints in simulated time and records the trace.

The network is a one-way delay (the ``delay`` option, :data:`LATENCY_MS` by default); segments are delivered in the order they
arrive (ties: in the order they were sent). Timers fire in simulated time. After each step the
network runs until it is quiet: no segment in flight and no timer pending that holds the steps
(a retransmission, or the give-up that follows the last one; TIME-WAIT keeps running across
steps). At the end every timer runs out.

Simulated time is a whole number of milliseconds (``now``); the trace shows it in seconds.

A script plays one connection: an endpoint that has left CLOSED once (B by listening, or either
end by connecting) cannot connect again. A run is bounded: at most
:data:`quizgen.tcp.script.MAX_SEGMENTS` segments (more is a :class:`ScriptError` naming the step
that needed them), and so at most :data:`MAX_EVENTS` events (each event is an arrival of a
segment or a timer running out, and every timer but the two that end a connection sends one).
"""

from __future__ import annotations

import heapq

from quizgen.errors import ScriptError
from quizgen.tcp.endpoint import (LINUX, TIMERS, CallError, Change, Endpoint, Limits, Output,
                                  ProtocolError, Send, TimerKind, half_open_lifetime)
from quizgen.tcp.script import MAX_SEGMENTS, Script, Step
from quizgen.tcp.segment import Segment
from quizgen.tcp.states import Input, State, TransitionError
from quizgen.tcp.trace import Trace

LATENCY_MS = 50
#: Arrivals (at most one a segment) and timers that run out (a retransmission sends a segment;
#: a give-up or the end of TIME-WAIT ends a connection, at most twice per endpoint): a run that
#: needs more has a bug, and fails instead of looping.
MAX_EVENTS = 2 * MAX_SEGMENTS + 8


#: What a SYN that found B's SYN queue full became, as the trace's listener list says it.
_QUEUE_FULL = {Input.SYN_QUEUE_FULL: "dropped", Input.SYN_COOKIE: "cookie"}


class Simulator:
    def __init__(self, script: Script, limits: Limits = LINUX) -> None:
        self.script = script
        self.ends = {"A": Endpoint("A", "B", script.isn["A"], script.options, limits),
                     "B": Endpoint("B", "A", script.isn["B"], script.options, limits)}
        self.now = 0
        self.flight: list[tuple[int, int, Segment]] = []        # heap of (arrival ms, n, segment)
        self.timers: dict[tuple[str, TimerKind], int] = {}      # (who, kind) -> due ms
        self.to_lose = {"A": 0, "B": 0}                         # by sender
        self.segments: list[dict] = []
        self.events: list[dict] = []
        self._numbers: dict[int, int] = {}                      # id(segment) -> n
        self._sent: list[Segment] = []          # keeps the segments alive, so ids stay unique
        self._events_left = MAX_EVENTS
        self._step: Step | None = None          # the step running (the last one at the end)
        self._opened: dict[str, str | None] = {"A": None, "B": None}    # how each end opened
        self._timed_out: dict[str, int] = {}    # who -> when (ms) it gave up
        self.limits = limits
        self.forged: dict[int, int] = {}        # give-up time (ms) -> forged entries still held
        self.listener: list[dict] = []          # what happened in B's SYN queue
        self._given_up: dict[int, int] = {}     # give-up time (ms) -> forged entries, all floods

    # ------------------------------------------------------------------ running
    def run(self) -> Trace:
        s = self.script
        if s.options.listen and not s.simultaneous_open:
            self._opened["B"] = "B listens from the start"
            self._apply("B", self.ends["B"].call(Input.LISTEN))
        i = 0
        while i < len(s.steps):
            step = self._step = s.steps[i]
            if (step.verb == "connect" and s.options.piggyback and i + 1 < len(s.steps)
                    and s.steps[i + 1].who == step.who and s.steps[i + 1].verb == "send"):
                # piggyback: the first send is made before the SYN,ACK arrives (RFC 9293
                # queues it in SYN-SENT), so it rides on the handshake's third segment
                self._do(step)
                i += 1
                step = self._step = s.steps[i]
            self._do(step)
            self._run_until_quiet()
            i += 1
        self._run_until_quiet(all_timers=True)
        for due, count in sorted(self._given_up.items()):  # given up, in time order
            self.listener.append({"time": due / 1000, "event": "given up", "count": count})
        self.listener.sort(key=lambda e: e["time"])       # stable: at one instant, as recorded
        return Trace.build(s, self.segments, self.events, self.listener)

    def _do(self, step: Step) -> None:
        if step.who == "lose":
            self.to_lose[step.arg] += 1
        elif step.who == "old_syn":
            # a SYN of an earlier connection, delayed in the network, reaches B now: A does
            # not send it (A's endpoint knows nothing of it); the trace marks it "old"
            seq = (self.ends["A"].iss - step.arg) % (1 << 32)
            self._send(Segment("A", "B", frozenset({"SYN"}), seq, None, 0), old=True)
        elif step.who == "wait":
            self._advance_to(self.now + step.arg)
        elif step.who == "flood":
            self._flood(step)
        elif step.who == "old_data":
            self._old_data(step)
        elif step.verb == "probe":
            # a port scanner's raw socket sends this SYN: A's TCP has no connection, keeps
            # nothing and will answer whatever comes back as CLOSED does
            if self._opened["A"] is not None:
                raise self._error(f"A has opened a connection already ({self._opened['A']}); "
                                  f"a probe uses A's ISN, so it comes first", step)
            self._opened["A"] = f"line {step.line}: {step.text}" if step.line else step.text
            self._send(Segment("A", "B", frozenset({"SYN"}), self.ends["A"].iss, None, 0),
                       probe=True)
        else:
            inp = Input("send" if step.verb == "send and close" else step.verb)
            for who in ("A", "B") if step.who == "both" else (step.who,):
                end = self.ends[who]
                if (inp is Input.CONNECT and self._opened[who] is not None
                        and end.state is State.CLOSED):
                    raise self._error(
                        f"a script plays one connection, and {who} has opened it already "
                        f"({self._opened[who]}); a second connection needs ISNs of its own: "
                        f"write it as another script", step)
                try:
                    out = (end.send_and_close(step.arg) if step.verb == "send and close"
                           else end.call(inp, step.arg or 0))
                except CallError as exc:
                    why = ""
                    if who in self._timed_out:
                        why = f" ({who} gave up at {_seconds(self._timed_out[who])} s: a timeout)"
                    raise self._error(f"{exc.input} is not allowed in state {exc.state}{why}",
                                      step) from None
                if inp is Input.CONNECT:
                    self._opened[who] = f"line {step.line}: {step.text}" if step.line else step.text
                self._apply(who, out)

    def _flood(self, step: Step) -> None:
        """``step.arg`` SYNs from forged addresses reach B's listener now. B answers each with a
        SYN,ACK (to an address that never replies) and keeps the half-open entry until it
        gives up on it: the same retransmissions and give-up a passive open's SYN-RECEIVED
        makes. Entries beyond the backlog are dropped (or, with cookies, answered statelessly)."""
        b = self.ends["B"]
        if b.state is not State.LISTEN:
            raise self._error(f"a SYN flood reaches a listener, and B is {b.state}", step)
        hold = half_open_lifetime(self.limits)
        self._expire_forged()
        room = max(self.script.options.backlog - self._held(), 0)
        taken = min(room, step.arg)
        if taken:
            due = self.now + hold
            self.forged[due] = self.forged.get(due, 0) + taken
            self._given_up[due] = self._given_up.get(due, 0) + taken
        self.listener.append({"time": self.now / 1000, "event": "flood", "count": step.arg,
                              "queued": taken, "queue": self._held(),
                              "synacks": self.limits.synack_retries + 1,
                              "held": hold / 1000})

    def _old_data(self, step: Step) -> None:
        """A data segment of an earlier connection between the same ports, delayed in the
        network, reaches B now. Its ack is the earlier connection's (B's SND.NXT when the step
        gives none); its seq decides first: outside B's receive window B acknowledges and drops
        it whatever its ack (RFC 9293 3.10.7.4). Inside, B would take it as data and acknowledge
        bytes A never sent: not modelled, refused."""
        b = self.ends["B"]
        seq, length, ack = step.arg
        if b.rcv_nxt is None or b.state in (State.LISTEN, State.CLOSED):
            raise self._error(f"an old segment reaches a connection, and B is {b.state}", step)
        seg = Segment("A", "B", frozenset({"ACK", "PSH"}), seq,
                      b.snd_nxt if ack is None else ack, length)
        if b.in_window(seg):
            raise self._error(
                f"seq {seq} (length {length}) lies in B's receive window, from RCV.NXT = "
                f"{b.rcv_nxt}: B would take the old bytes as new data and acknowledge bytes A "
                f"never sent, which the model does not play; give a seq outside it", step)
        self._send(seg, old=True)

    def _expire_forged(self) -> None:
        self.forged = {due: k for due, k in self.forged.items() if due > self.now}

    def _held(self) -> int:
        """How many places of B's SYN queue the flood's entries hold now."""
        return sum(self.forged.values())

    def _error(self, message: str, step: Step | None) -> ScriptError:
        if step is None:
            return ScriptError(message, file=self.script.source, field="steps")
        return ScriptError(message, file=self.script.source, line=step.line,
                           field=f"step '{step.text}'")

    def _next_timer(self, all_timers: bool) -> tuple[str, TimerKind] | None:
        """The (who, kind) of the timer due first: of all timers, or of those that hold the
        steps. At equal times A's come before B's, and each endpoint's are in TIMERS order."""
        pending = [t for t in self.timers if all_timers or t[1].holds_steps]
        return min(pending, key=lambda t: (self.timers[t], t[0], TIMERS.index(t[1])), default=None)

    def _run_until_quiet(self, all_timers: bool = False, until: int | None = None) -> None:
        while True:
            # the earliest event; at equal times an arrival comes before a timer. A timer
            # that does not hold the steps (TIME-WAIT's) is not waited for: with nothing else
            # pending the run is quiet; otherwise it fires in its turn, time runs in order.
            if not self.flight and self._next_timer(all_timers) is None:
                return
            timer = self._next_timer(True)
            if self.flight and (timer is None or self.flight[0][0] <= self.timers[timer]):
                when, timer = self.flight[0][0], None
            elif timer is not None:
                when = self.timers[timer]
            else:
                return
            if until is not None and when > until:
                return
            self._events_left -= 1
            if self._events_left < 0:        # the bound on segments comes first, or it is a bug
                raise RuntimeError(f"model error: more than {MAX_EVENTS} events")
            self.now = when
            if timer is None:
                _, n, seg = heapq.heappop(self.flight)
                dst = self.ends[seg.dst]
                if seg.dst == "B" and self.forged:
                    self._expire_forged()
                    dst.queue_full = self._held() >= self.script.options.backlog
                if (self.segments[n - 1].get("old") and "SYN" in seg.flags
                        and dst.state is State.LISTEN and "B_old" in self.script.isn):
                    dst.answer_with(self.script.isn["B_old"])   # then y, for the connection
                try:
                    out = dst.receive(seg)
                except ProtocolError as exc:  # two correct endpoints never get here
                    raise RuntimeError(f"model error at segment {n}: {exc}") from exc
                if dst.received and dst.received[0] in _QUEUE_FULL:   # B's queue had no room
                    self.listener.append({"time": self.now / 1000, "segment": n,
                                          "queue": self._held(),
                                          "event": _QUEUE_FULL[dst.received[0]]})
                self._apply(seg.dst, out)
            else:
                del self.timers[timer]
                who, kind = timer
                try:
                    out = self.ends[who].timeout(kind)
                except TransitionError as exc:   # a timer is never left pending where it is
                    raise RuntimeError(f"model error: {who}'s {kind.name} timer: {exc}") from exc
                self._apply(who, out)

    def _advance_to(self, target: int) -> None:
        self._run_until_quiet(all_timers=True, until=target)
        self.now = target

    # ------------------------------------------------------------------ recording
    def _apply(self, who: str, outputs: list[Output]) -> None:
        """Carry out what an endpoint returned: segments go out, state changes are recorded,
        timers are set or cancelled."""
        for out in outputs:
            if isinstance(out, Send):
                self._send(out.segment)
            elif isinstance(out, Change):
                via = out.segment
                self.events.append({
                    "time": self.now / 1000, "who": who, "cause": out.cause,
                    "segment": None if via is None else self._numbers.get(id(via)),
                    "from": out.before.value, "to": out.after.value})
                if out.cause == "timeout":              # it gave up: CLOSED
                    self._timed_out[who] = self.now
            elif out.delay_ms is None:
                self.timers.pop((who, out.kind), None)
            else:
                self.timers[(who, out.kind)] = self.now + out.delay_ms

    def _send(self, seg: Segment, old: bool = False, probe: bool = False) -> None:
        """Number and record a segment; then it is lost or in flight."""
        n = len(self.segments) + 1
        if n > MAX_SEGMENTS:
            raise self._error(f"this step takes the script past {MAX_SEGMENTS:,} segments "
                              f"(data, ACKs and retransmissions together), the most a script "
                              f"makes", self._step)
        lost = self.to_lose[seg.src] > 0 and not old
        if lost:
            self.to_lose[seg.src] -= 1
        self._numbers[id(seg)] = n
        self._sent.append(seg)
        self.segments.append({"n": n, "from": seg.src, "to": seg.dst, "flags": seg.flag_list,
                              "seq": seg.seq, "ack": seg.ack, "len": seg.length,
                              "window": seg.window, "lost": lost, "time": self.now / 1000})
        if old:
            self.segments[-1]["old"] = True
        if probe:
            self.segments[-1]["probe"] = True
        if not lost:
            heapq.heappush(self.flight, (self.now + self.script.options.delay, n, seg))


def _seconds(ms: int) -> str:
    """Milliseconds as seconds, exactly: 127000 -> "127", 1207150 -> "1207.15"."""
    whole, frac = divmod(ms, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".") if frac else str(whole)


def simulate(script: Script, *, limits: Limits = LINUX) -> Trace:
    """Run a script and return its trace. ``limits``: when the endpoints give up retransmitting
    (Linux's defaults; the kernel tests pass the sysctls they set)."""
    return Simulator(script, limits).run()


__all__ = ["simulate", "Simulator", "LATENCY_MS"]
