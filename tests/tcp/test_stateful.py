"""Two endpoints and the segments in flight, driven by hypothesis.stateful: any interleaving of
calls, deliveries, losses and timeouts keeps the sequence spaces consistent."""

from collections import deque

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from quizgen.tcp import MOD
from quizgen.tcp import seq as sq
from quizgen.tcp.endpoint import RETRANSMIT, TIME_WAIT, Behaviour, Change, Endpoint, Send, Timer
from quizgen.tcp.states import TRANSITIONS, Input, State

PEER = {"A": "B", "B": "A"}


class TwoEndpoints(RuleBasedStateMachine):
    @initialize(x=st.integers(0, MOD - 1), y=st.integers(0, MOD - 1),
                merge=st.booleans(), fin_has_ack=st.booleans(), rst_ack=st.booleans())
    def setup(self, x, y, merge, fin_has_ack, rst_ack):
        b = Behaviour(fin_ack="merge" if merge else "separate", fin_has_ack=fin_has_ack,
                      rst_ack=rst_ack, mss=1000)
        self.ends = {"A": Endpoint("A", "B", x, b), "B": Endpoint("B", "A", y, b)}
        self.flight = {"A": deque(), "B": deque()}       # by destination, FIFO per direction
        self.timers = {"A": set(), "B": set()}
        self.sent_end = {"A": None, "B": None}           # highest seq sent, exclusive
        self.losses = 0
        self._apply("B", self.ends["B"].call(Input.LISTEN))
        self._apply("A", self.ends["A"].call(Input.CONNECT))

    def _apply(self, who, outputs):
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
            elif isinstance(o, Timer):
                (self.timers[who].discard if o.delay_ms is None else self.timers[who].add)(o.kind)
            else:
                assert isinstance(o, Change) and o.before is not o.after

    def _allowed(self, who, inp):
        return (self.ends[who].state, inp) in TRANSITIONS

    @rule(who=st.sampled_from("AB"), n=st.integers(1, 2500))
    def send(self, who, n):
        if self._allowed(who, Input.SEND) and self.ends[who].state is not State.SYN_SENT:
            self._apply(who, self.ends[who].call(Input.SEND, n))

    @rule(who=st.sampled_from("AB"))
    def close(self, who):
        if self._allowed(who, Input.CLOSE) and self.ends[who].state not in (State.LISTEN, State.SYN_SENT):
            self._apply(who, self.ends[who].call(Input.CLOSE))

    @precondition(lambda self: self.flight["A"] or self.flight["B"])
    @rule(dst=st.sampled_from("AB"))
    def deliver(self, dst):
        if self.flight[dst]:
            self._apply(dst, self.ends[dst].receive(self.flight[dst].popleft()))

    @precondition(lambda self: self.losses < 3)
    @rule(dst=st.sampled_from("AB"))
    def lose(self, dst):
        if self.flight[dst]:
            self.flight[dst].popleft()
            self.losses += 1

    @rule(who=st.sampled_from("AB"))
    def retransmission_timeout(self, who):
        # only when the network is idle in that direction, as with real RTOs much larger than RTT
        if RETRANSMIT in self.timers[who] and not self.flight[PEER[who]]:
            self.timers[who].discard(RETRANSMIT)
            self._apply(who, self.ends[who].timeout(RETRANSMIT))

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
