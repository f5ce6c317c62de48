"""Two endpoints and the segments in flight, driven by hypothesis.stateful: any interleaving of
calls, deliveries, losses and timeouts keeps the sequence spaces consistent.

Every rule runs only when it means something. A call is made only by an endpoint that may make
it, a timeout only where that timer is pending. Each segment sent puts its destination into the
bundle ``in_flight``, and delivering or losing a segment consumes one, so those two rules run
only while a segment is on its way and always move the oldest one of its direction (each
direction is FIFO). When a connection is over, a new one opens.
"""

from collections import deque

from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize, invariant,
                                 multiple, precondition, rule)

from quizgen.tcp import MOD
from quizgen.tcp import seq as sq
from quizgen.tcp.endpoint import RETRANSMIT, TIME_WAIT, Change, Endpoint, Send, Timer
from quizgen.tcp.options import Options
from quizgen.tcp.states import TRANSITIONS, Input, State

PEER = {"A": "B", "B": "A"}
ISN = st.integers(0, MOD - 1)


class TwoEndpoints(RuleBasedStateMachine):
    in_flight = Bundle("in_flight")     # one destination ("A" or "B") per segment on its way

    @initialize(target=in_flight, x=ISN, y=ISN, merge=st.booleans(), fin_has_ack=st.booleans(),
                rst_ack=st.booleans())
    def setup(self, x, y, merge, fin_has_ack, rst_ack):
        self.options = Options(fin_ack="merge" if merge else "separate", fin_has_ack=fin_has_ack,
                               rst_ack=rst_ack, mss=1000)
        self.losses = 0
        return self._open(x, y)

    def _open(self, x, y):
        """A new connection: B listens, A connects."""
        self.ends = {"A": Endpoint("A", "B", x, self.options), "B": Endpoint("B", "A", y, self.options)}
        self.flight = {"A": deque(), "B": deque()}       # by destination, FIFO per direction
        self.timers = {"A": set(), "B": set()}
        self.sent_end = {"A": None, "B": None}           # highest seq sent, exclusive
        self._apply("B", self.ends["B"].call(Input.LISTEN))
        return self._apply("A", self.ends["A"].call(Input.CONNECT))

    def _apply(self, who, outputs):
        """Check and carry out an endpoint's outputs; the destinations of what it sent, for
        the bundle."""
        sent = []
        for o in outputs:
            if isinstance(o, Send):
                s = o.segment
                if "RST" not in s.flags:
                    end = sq.add(s.seq, s.seg_len)
                    if self.sent_end[who] is None or sq.lt(self.sent_end[who], end):
                        # new sequence space starts exactly where the old one ended
                        assert self.sent_end[who] is None or s.seq == self.sent_end[who] or s.seg_len == 0
                        self.sent_end[who] = end
                    if s.ack is not None:
                        assert self.sent_end[PEER[who]] is not None
                        assert sq.le(s.ack, self.sent_end[PEER[who]]), "ACK of unsent data"
                self.flight[s.dst].append(s)
                sent.append(s.dst)
            elif isinstance(o, Timer):
                (self.timers[who].discard if o.delay_ms is None else self.timers[who].add)(o.kind)
            else:
                assert isinstance(o, Change) and o.before is not o.after
        return multiple(*sent)

    # ------------------------------------------------------------------ who can do what now
    def _may(self, inp, excluded=()):
        return [who for who in "AB" if (self.ends[who].state, inp) in TRANSITIONS
                and self.ends[who].state not in excluded]

    def senders(self):
        # (SYN-SENT queues the data until ESTABLISHED: not what this machine checks)
        return self._may(Input.SEND, excluded=(State.SYN_SENT,))

    def closers(self):
        return self._may(Input.CLOSE, excluded=(State.LISTEN, State.SYN_SENT))

    def retransmitters(self):
        # only when the network is idle in that direction, as with real RTOs much larger than RTT
        return [who for who in "AB" if RETRANSMIT in self.timers[who] and not self.flight[PEER[who]]]

    def quiet(self):
        """Nothing in flight and no retransmission pending: a TIME-WAIT may run out."""
        return not any(self.flight.values()) and not any(RETRANSMIT in t for t in self.timers.values())

    # ------------------------------------------------------------------ rules
    @precondition(lambda self: self.senders())
    @rule(target=in_flight, data=st.data(), n=st.integers(1, 2500))
    def send(self, data, n):
        who = data.draw(st.sampled_from(self.senders()), label="who")
        return self._apply(who, self.ends[who].call(Input.SEND, n))

    @precondition(lambda self: self.closers())
    @rule(target=in_flight, data=st.data())
    def close(self, data):
        who = data.draw(st.sampled_from(self.closers()), label="who")
        return self._apply(who, self.ends[who].call(Input.CLOSE))

    @rule(target=in_flight, dst=consumes(in_flight))
    def deliver(self, dst):
        return self._apply(dst, self.ends[dst].receive(self.flight[dst].popleft()))

    @precondition(lambda self: self.losses < 3)
    @rule(dst=consumes(in_flight))
    def lose(self, dst):
        self.flight[dst].popleft()
        self.losses += 1

    @precondition(lambda self: self.retransmitters())
    @rule(target=in_flight, data=st.data())
    def retransmission_timeout(self, data):
        who = data.draw(st.sampled_from(self.retransmitters()), label="who")
        self.timers[who].discard(RETRANSMIT)
        return self._apply(who, self.ends[who].timeout(RETRANSMIT))

    @precondition(lambda self: self.quiet() and any(TIME_WAIT in t for t in self.timers.values()))
    @rule(target=in_flight)
    def time_wait_runs_out(self):
        who = next(w for w in "AB" if TIME_WAIT in self.timers[w])
        self.timers[who].discard(TIME_WAIT)
        sent = self._apply(who, self.ends[who].timeout(TIME_WAIT))
        assert self.ends[who].state is State.CLOSED
        return sent

    @precondition(lambda self: self.quiet() and not any(self.timers.values())
                  and all(e.state is State.CLOSED for e in self.ends.values()))
    @rule(target=in_flight, x=ISN, y=ISN)
    def open_again(self, x, y):
        return self._open(x, y)

    @invariant()
    def una_never_passes_nxt(self):
        for e in self.ends.values():
            assert sq.le(e.snd_una, e.snd_nxt)

    def teardown(self):
        # drain: everything in flight arrives, timers fire; the model must never fail
        for _ in range(200):
            moved = False
            for dst in "AB":
                while self.flight[dst]:
                    self._apply(dst, self.ends[dst].receive(self.flight[dst].popleft()))
                    moved = True
            for who in "AB":
                if not moved and RETRANSMIT in self.timers[who]:
                    self.timers[who].discard(RETRANSMIT)
                    self._apply(who, self.ends[who].timeout(RETRANSMIT))
                    moved = True
            if not moved:
                break
        for who in "AB":
            if TIME_WAIT in self.timers[who]:
                self._apply(who, self.ends[who].timeout(TIME_WAIT))
                assert self.ends[who].state is State.CLOSED


TestTwoEndpoints = TwoEndpoints.TestCase
