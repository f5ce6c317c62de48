"""Plays a scenario script between two endpoints in simulated time and records the trace.

The network is a one-way delay of :data:`LATENCY_MS`; segments are delivered in the order they
arrive (ties: in the order they were sent). Timers fire in simulated time. After each step the
network runs until it is quiet: no segment in flight and no retransmission pending (a TIME-WAIT
timer keeps running across steps). At the end every timer runs out, so both endpoints end CLOSED.
"""

from __future__ import annotations

from functools import lru_cache
from heapq import heappop, heappush
from typing import Final

from quizgen.errors import ScriptError
from quizgen.tcp.endpoint import (RETRANSMIT, TIME_WAIT, Behaviour, CallError, Change,
                                  Endpoint, ProtocolError, Send, Timer)
from quizgen.tcp.script import Script, Step
from quizgen.tcp.segment import FLAGS_IN_ORDER, Segment
from quizgen.tcp.states import Input, State
from quizgen.tcp.trace import Trace

LATENCY_MS: Final = 50
_NAME: Final = {s: s.value for s in State}
_CALL: Final = {i.value: i for i in Input}      # a step's verb -> its Input, without Input(verb)
MAX_EVENTS: Final = 10_000          # a run that needs more has a bug; fail instead of looping

# The four timers, (who, kind), each with a slot in Simulator.due. The slots are in sorted
# order, so scanning them in order and taking the first of the earliest breaks ties the way
# comparing (due, who, kind) tuples would: A's before B's, retransmission before 2MSL.
_TIMERS: Final = (("A", RETRANSMIT), ("A", TIME_WAIT), ("B", RETRANSMIT), ("B", TIME_WAIT))
_SLOT_BASE: Final = {"A": 0, "B": 2}            # + 1 for TIME_WAIT
_ALL_SLOTS: Final = (0, 1, 2, 3)
_RETRANSMIT_SLOTS: Final = (0, 2)


@lru_cache(maxsize=64)
def _behaviour(fin_ack: str, piggyback: bool, rst_ack: bool, fin_has_ack: bool, msl_s: int,
               mss: int) -> Behaviour:
    """Behaviour is frozen, so runs with the same options share one (it is slow to build)."""
    return Behaviour(fin_ack=fin_ack, piggyback=piggyback, rst_ack=rst_ack,
                     fin_has_ack=fin_has_ack, msl_s=msl_s, mss=mss)


class Simulator:
    def __init__(self, script: Script) -> None:
        o = script.options
        behaviour = _behaviour(o["fin_ack"], o["piggyback"], o["rst_ack"], o["fin_has_ack"],
                               o["msl"], o["mss"])
        self.script = script
        self.ends = {"A": Endpoint("A", "B", script.isn["A"], behaviour),
                     "B": Endpoint("B", "A", script.isn["B"], behaviour)}
        self.now = 0
        self.flight: list[tuple[int, int, Segment]] = []    # (arrival ms, n, segment)
        self.due: list[int | None] = [None] * 4            # due ms by slot (see _TIMERS)
        self.to_lose = {"A": 0, "B": 0}                     # by sender
        self.segments: list[dict] = []
        self.events: list[dict] = []
        self._numbers: dict[int, int] = {}                  # id(segment) -> n
        self._keep: list[Segment] = []

    # ------------------------------------------------------------------ running
    def run(self) -> Trace:
        s = self.script
        if s.options["listen"] and not s.simultaneous_open:
            self._apply("B", self.ends["B"].call(Input.LISTEN))
        steps = list(s.steps)
        i = 0
        while i < len(steps):
            step = steps[i]
            try:
                if (step.verb == "connect" and s.options["piggyback"] and i + 1 < len(steps)
                        and steps[i + 1].who == step.who and steps[i + 1].verb == "send"):
                    # piggyback: the first send is made before the SYN,ACK arrives (RFC 9293
                    # queues it in SYN-SENT), so it rides on the handshake's third segment
                    self._do(step)
                    i += 1
                    step = steps[i]
                self._do(step)
            except CallError as exc:
                raise ScriptError(str(exc).split(": ", 1)[1], file=s.source, line=step.line,
                                  field=f"step '{step.text}'") from None
            self._run_until_quiet()
            i += 1
        self._run_until_quiet(all_timers=True)
        return Trace.build(s, self.segments, self.events)

    def _do(self, step: Step) -> None:
        if step.who == "lose":
            self.to_lose[step.arg] += 1
        elif step.who == "wait":
            self._advance_to(self.now + step.arg)
        else:
            inp = _CALL.get(step.verb) or Input(step.verb)     # (Input() for its error)
            for who in ("A", "B") if step.who == "both" else (step.who,):
                self._apply(who, self.ends[who].call(inp, step.arg or 0))

    def _run_until_quiet(self, all_timers: bool = False, until: int | None = None) -> None:
        flight, due, ends = self.flight, self.due, self.ends
        slots = _ALL_SLOTS if all_timers else _RETRANSMIT_SLOTS
        for _ in range(MAX_EVENTS):
            # The earliest event: an arrival first at equal times, then the timers in slot order.
            when = flight[0][0] if flight else None
            slot = None
            for i in slots:
                t = due[i]
                if t is not None and (when is None or t < when):
                    when, slot = t, i
            if when is None or (until is not None and when > until):
                return
            self.now = when
            if slot is None:
                _, n, seg = heappop(flight)
                try:
                    out = ends[seg.dst].receive(seg)
                except ProtocolError as exc:  # two correct endpoints never get here
                    raise RuntimeError(f"model error at segment {n}: {exc}") from exc
                self._apply(seg.dst, out)
            else:
                due[slot] = None
                who, kind = _TIMERS[slot]
                self._apply(who, ends[who].timeout(kind))
        raise RuntimeError(f"simulation did not settle after {MAX_EVENTS} events")

    def _advance_to(self, target: int) -> None:
        self._run_until_quiet(all_timers=True, until=target)
        self.now = target

    # ------------------------------------------------------------------ recording
    def _apply(self, who: str, outputs: list[Send | Change | Timer]) -> None:
        """Carry out what an endpoint returned: segments go out (numbered and recorded, unless
        lost, then in flight), state changes are recorded, timers are set or cancelled."""
        now = self.now
        seconds = now / 1000
        for out in outputs:
            # isinstance, not type(out) is: it narrows the type, so mypyc reads the fields
            # directly instead of looking the attributes up by name
            if isinstance(out, Send):
                seg = out.segment
                segments = self.segments
                n = len(segments) + 1
                src = seg.src
                lost = self.to_lose[src] > 0
                if lost:
                    self.to_lose[src] -= 1
                self._numbers[id(seg)] = n
                self._keep.append(seg)
                segments.append({"n": n, "from": src, "to": seg.dst,
                                 "flags": list(FLAGS_IN_ORDER[seg.flags]),   # (a frozenset)
                                 "seq": seg.seq,
                                 "ack": seg.ack, "len": seg.length, "window": seg.window,
                                 "lost": lost, "time": seconds})
                if not lost:
                    heappush(self.flight, (now + LATENCY_MS, n, seg))
            elif isinstance(out, Change):
                via = out.segment
                self.events.append({
                    "time": seconds, "who": who, "cause": out.cause,
                    "segment": None if via is None else self._numbers.get(id(via)),
                    "from": _NAME[out.before], "to": _NAME[out.after]})
            else:   # a Timer: set or cancel it
                delay = out.delay_ms
                slot = _SLOT_BASE[who] + (out.kind == TIME_WAIT)
                self.due[slot] = None if delay is None else now + delay


def simulate(script: Script) -> Trace:
    """Run a script and return its trace."""
    return Simulator(script).run()


__all__ = ["simulate", "Simulator", "LATENCY_MS", "RETRANSMIT", "TIME_WAIT"]
