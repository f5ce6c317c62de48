"""The 11 states of RFC 9293 and every transition between them, in one table.

Following h2's ``stream.py``, the table maps ``(state, input) -> (action, next state)``. A pair
that is not in the table is not allowed: :func:`transition` raises, naming the state and the
input. The actions are names; :class:`quizgen.tcp.endpoint.Endpoint` carries them out.

An arriving segment is classified into one or more inputs, in the order RFC 9293 section 3.10.7
processes a segment (RST, SYN, ACK, data, FIN), so a FIN,ACK arriving in FIN-WAIT-1 is the
inputs ACK_OF_FIN then FIN: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, as Linux does too.

What the table decides is which state follows which input, and which action is taken. Some
behaviour is decided outside it, by the endpoint or the simulator, and the table does not show:

* **Classification** (``Endpoint._classify``): which inputs a segment is; that a segment ending
  at or before RCV.NXT is a DUPLICATE; that data lying wholly outside the receive window
  [RCV.NXT, RCV.NXT + 65535) is UNACCEPTABLE (RFC 9293 3.10.7.4's first check: acknowledged,
  dropped; an old connection's segment, step ``old_data``), as is a SYN that arrives in a
  synchronized state (an old duplicate: RFC 9293's fourth check and RFC 5961's challenge ACK); that a FIN arriving after a gap waits until the gap is
  filled and is then the input FIN; and the segments that are refused before the table is asked
  (an ACK of data never sent, a wrong ACK in SYN-SENT, a new SYN when synchronized).
* **Merge-close** (option ``fin_ack: merge``): after taking a FIN in ESTABLISHED (RECEIVE_FIN,
  to CLOSE-WAIT) the endpoint makes the input CLOSE itself, at once, so its FIN carries the ACK
  of the peer's. The table has only the two ordinary transitions.
* **Which flags a segment carries**: SEND_FIN sends FIN,ACK except for the active closer's FIN
  from ESTABLISHED, which carries ACK only with ``fin_has_ack``; SEND_RESET's RST carries ACK
  only with ``rst_ack``; RESET_PEER answers as RFC 9293 3.10.7.1 says, with or without ACK.
* **Acknowledgements**: the actions that acknowledge (RECEIVE_DATA, RECEIVE_FIN, ACKNOWLEDGE,
  ...) only note that an ACK is owed; the endpoint sends one ACK after the whole segment is
  processed, unless a segment it sent meanwhile carried it.
* **Piggyback** (option ``piggyback``): the simulator makes the first ``send`` before the
  SYN,ACK arrives, so it is QUEUEd in SYN-SENT; COMPLETE_OPEN then sends the queued data with
  the ACK instead of a pure ACK first.
* **Timers**: which actions start, restart or cancel a timer, the retransmission timeout and
  its doubling (RFC 6298: from 1 s, capped at Linux's TCP_RTO_MAX of 120 s), 2 MSL (option
  ``msl``) and which timers a script's next step waits for (see :mod:`quizgen.tcp.endpoint` and
  :mod:`quizgen.tcp.simulator`). The table has only each timer's expiry as an input.
* **Giving up**: the endpoint counts the retransmissions its timer makes since the last ACK of
  something new (a retransmission answering a repeated SYN does not count, and does not back
  off). After the last one its limits allow (``endpoint.Limits``, Linux's sysctls and defaults:
  tcp_syn_retries 6 in SYN-SENT and a simultaneous open's SYN-RECEIVED, tcp_synack_retries 5
  in a passive open's SYN-RECEIVED, tcp_retries2 15 for data and FIN), it sets the give-up
  timer instead of the retransmission timer, for the same time. Its expiry is the input
  GIVE_UP_TIMEOUT: DELETE_TCB, CLOSED, recorded with cause "timeout"; no RST is sent (Linux's
  tcp_write_err() calls tcp_done() and sends nothing). What Linux does otherwise
  (tests/kernel/test_give_up.py shows it):

  - SYN: the model is the textbook, and Linux with tcp_syn_linear_timeouts = 0 (before 6.5,
    always): 7 SYNs at 0, 1, 3, ..., 63 s, connect() failing at 127 s. Linux 6.5 and later
    keep the first 4 timeouts at 1 s by default and allow 4 more: 11 SYNs, failing at 131 s.
  - SYN,ACK: as modelled (5 at 1, 3, ..., 31 s, the half-open connection dropped at 63 s),
    but Linux's listener still listens afterwards; here the passive end is CLOSED.
  - Data and FIN: Linux gives up by time, not by count: at the first timeout that comes
    924.6 s or more after the first retransmission (the time 15 retransmissions take from its
    200 ms minimum RTO). How many retransmissions fit depends on its RTO (about 15 or 16 at the
    200 ms floor of a LAN); the model counts 15, from the textbook's 1 s. After close() (an
    orphaned socket) Linux allows 8 (tcp_orphan_retries); the model's close is the
    textbook's, after which the endpoint still receives.
* **Segmentation and the window**: SEND_DATA sends at most ``mss`` bytes a segment, and never
  more than 65535 bytes past SND.UNA (the peer's window, which is fixed: no window scaling, no
  congestion control); the rest waits and goes as acknowledgements open the window. A CLOSE
  while bytes wait goes to FIN-WAIT-1 (or LAST-ACK) at once, as the table says, and its FIN
  rides on the last of them (RFC 9293 3.10.4: the FIN follows all preceding SENDs).
* **The listener's SYN queue** (options ``backlog``, ``syn_cookies``; the script's ``flood``
  step): the half-open connections of a SYN flood, from forged addresses, are the simulator's,
  not the endpoint's (they are not this connection). Each holds a place in B's SYN queue until
  B gives it up: B sends its SYN,ACK and 1 + ``synack_retries`` retransmissions, the give-up
  following the last (63 s with Linux's default of 5); an entry given up at the very moment a
  SYN arrives has left first. The simulator tells B whether the queue is full; B classifies a
  SYN in LISTEN as SYN_QUEUE_FULL or SYN_COOKIE then, and an ACK as COOKIE_ACK when SYN
  cookies are on and it acknowledges B's ISN (the model's cookie: B's ISN y stands for the
  hash of the connection's addresses, ports and time). What Linux does otherwise: a listener
  more than half full (and of more than 4 entries) of old entries gives them up sooner (after
  2 SYN,ACK retransmissions, reqsk_timer_handler); the presets keep to 2 to 4 entries.
* **Calls the simulator makes**: B's ``listen`` (unless option ``listen`` is false, or both
  ends connect), and the calls of the script's steps; it refuses a ``connect`` by an end that
  has opened once already (a script plays one connection: the table would take CLOSED ->
  SYN-SENT again, with the same ISN).
"""

from __future__ import annotations

from enum import Enum


class State(str, Enum):
    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"

    def __str__(self) -> str:
        return self.value


class Input(str, Enum):
    # user calls (RFC 9293 section 3.9.1)
    LISTEN = "listen"
    CONNECT = "connect"
    SEND = "send"
    CLOSE = "close"
    ABORT = "abort"
    # segment arrivals, as classified by the receiving endpoint
    SYN = "SYN"                  # a SYN without ACK
    SYN_ACK = "SYN,ACK"          # a SYN whose ACK acknowledges our SYN
    ACK = "ACK"                  # an acceptable ACK that does not acknowledge our FIN
    ACK_OF_FIN = "ACK of FIN"    # an ACK that acknowledges our FIN
    DATA = "data"                # in-window data
    FIN = "FIN"                  # the peer's FIN, in order
    RST = "RST"                  # an acceptable reset
    RST_PASSIVE = "RST (passive open)"  # a reset in SYN-RECEIVED reached from LISTEN
    DUPLICATE = "duplicate"      # a segment whose data, SYN or FIN we already have
    UNACCEPTABLE = "outside the window"  # data wholly outside [RCV.NXT, RCV.NXT + RCV.WND)
    SYN_QUEUE_FULL = "SYN (queue full)"            # a SYN at a listener whose SYN queue is full
    SYN_COOKIE = "SYN (queue full, SYN cookies)"   # the same, where SYN cookies are on
    COOKIE_ACK = "ACK of a SYN cookie"             # an ACK whose ack is a cookie we sent, plus 1
    # timers
    RETRANSMIT_TIMEOUT = "retransmission timeout"
    GIVE_UP_TIMEOUT = "give-up timeout"      # the last retransmission went unanswered
    TIME_WAIT_TIMEOUT = "2MSL timeout"

    def __str__(self) -> str:
        return self.value


class Action(str, Enum):
    NONE = "none"
    SEND_SYN = "send SYN"
    SEND_SYN_ACK = "send SYN,ACK"
    QUEUE = "queue the data until ESTABLISHED"
    COMPLETE_OPEN = "send ACK (with any queued data)"
    ACCEPT_ACK = "note the ACK"
    ACCEPT_ACK_AND_ACKNOWLEDGE = "note the ACK, acknowledge the repeated SYN"
    SEND_DATA = "send data"
    RECEIVE_DATA = "take the data, acknowledge it"
    RECEIVE_FIN = "take the FIN, acknowledge it"
    SEND_FIN = "send FIN"
    ACKNOWLEDGE = "acknowledge again"
    RETRANSMIT = "retransmit the oldest unacknowledged segment"
    RESET_PEER = "answer with RST"
    SEND_RESET = "send RST (abort)"
    START_TIME_WAIT = "start the 2MSL timer"
    RESTART_TIME_WAIT = "acknowledge again, restart the 2MSL timer"
    DROP = "drop the segment"
    DELETE_TCB = "delete the TCB"
    LISTEN_AGAIN = "forget the half-open connection, listen again"
    SEND_COOKIE = "send SYN,ACK with a SYN cookie, keep no state"
    ACCEPT_COOKIE = "open the connection the cookie describes"


S, I, A = State, Input, Action

#: (state, input) -> (action, next state). What else decides what happens: see the module's header.
TRANSITIONS: dict[tuple[State, Input], tuple[Action, State]] = {
    # CLOSED: nothing exists; a segment is answered by RST (RFC 9293 3.10.7.1)
    (S.CLOSED, I.LISTEN): (A.NONE, S.LISTEN),
    (S.CLOSED, I.CONNECT): (A.SEND_SYN, S.SYN_SENT),
    (S.CLOSED, I.SYN): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.SYN_ACK): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.ACK): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.DATA): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.FIN): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.DUPLICATE): (A.RESET_PEER, S.CLOSED),
    (S.CLOSED, I.RST): (A.DROP, S.CLOSED),
    # LISTEN (3.10.7.2)
    (S.LISTEN, I.SYN): (A.SEND_SYN_ACK, S.SYN_RECEIVED),
    (S.LISTEN, I.ACK): (A.RESET_PEER, S.LISTEN),
    (S.LISTEN, I.SYN_ACK): (A.RESET_PEER, S.LISTEN),
    (S.LISTEN, I.RST): (A.DROP, S.LISTEN),
    # a SYN flood has taken every place in the SYN queue (option backlog): the SYN is dropped
    # (the client retransmits it), or, with SYN cookies, answered without keeping any state; the
    # cookie's ACK then opens the connection straight from LISTEN (RFC 4987 3.6; Linux)
    (S.LISTEN, I.SYN_QUEUE_FULL): (A.DROP, S.LISTEN),
    (S.LISTEN, I.SYN_COOKIE): (A.SEND_COOKIE, S.LISTEN),
    (S.LISTEN, I.COOKIE_ACK): (A.ACCEPT_COOKIE, S.ESTABLISHED),
    (S.LISTEN, I.CLOSE): (A.DELETE_TCB, S.CLOSED),
    (S.LISTEN, I.ABORT): (A.DELETE_TCB, S.CLOSED),
    # SYN-SENT (3.10.7.3)
    (S.SYN_SENT, I.SYN_ACK): (A.COMPLETE_OPEN, S.ESTABLISHED),
    (S.SYN_SENT, I.SYN): (A.SEND_SYN_ACK, S.SYN_RECEIVED),          # simultaneous open
    (S.SYN_SENT, I.RST): (A.DELETE_TCB, S.CLOSED),                  # connection refused
    (S.SYN_SENT, I.ACK): (A.DROP, S.SYN_SENT),      # the peer's SYN,ACK was lost; wait for it
    (S.SYN_SENT, I.SEND): (A.QUEUE, S.SYN_SENT),
    (S.SYN_SENT, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.SYN_SENT),
    (S.SYN_SENT, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),       # connect() fails: ETIMEDOUT
    (S.SYN_SENT, I.CLOSE): (A.DELETE_TCB, S.CLOSED),
    (S.SYN_SENT, I.ABORT): (A.DELETE_TCB, S.CLOSED),
    # SYN-RECEIVED
    (S.SYN_RECEIVED, I.ACK): (A.ACCEPT_ACK, S.ESTABLISHED),
    # Simultaneous open: the peer's SYN,ACK repeats a SYN we have; RFC 9293's segment processing
    # (3.10.7.4, first check) and Linux acknowledge it, so the open takes six segments.
    (S.SYN_RECEIVED, I.SYN_ACK): (A.ACCEPT_ACK_AND_ACKNOWLEDGE, S.ESTABLISHED),
    # A retransmitted SYN means our SYN,ACK was lost: send it again (as Linux does).
    (S.SYN_RECEIVED, I.SYN): (A.RETRANSMIT, S.SYN_RECEIVED),
    (S.SYN_RECEIVED, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.SYN_RECEIVED),
    (S.SYN_RECEIVED, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.SYN_RECEIVED, I.RST): (A.DELETE_TCB, S.CLOSED),
    # RFC 9293 3.10.7.4: a connection that came from a passive OPEN goes back to LISTEN on a
    # reset (an old duplicate SYN's half-open connection, figure 8); so does Linux's listener.
    (S.SYN_RECEIVED, I.RST_PASSIVE): (A.LISTEN_AGAIN, S.LISTEN),
    # A segment without ACK (the textbook's FIN) cannot complete the handshake: dropped.
    (S.SYN_RECEIVED, I.FIN): (A.DROP, S.SYN_RECEIVED),
    (S.SYN_RECEIVED, I.DATA): (A.DROP, S.SYN_RECEIVED),
    (S.SYN_RECEIVED, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.SYN_RECEIVED),
    (S.SYN_RECEIVED, I.CLOSE): (A.SEND_FIN, S.FIN_WAIT_1),
    (S.SYN_RECEIVED, I.ABORT): (A.SEND_RESET, S.CLOSED),
    # ESTABLISHED
    (S.ESTABLISHED, I.SEND): (A.SEND_DATA, S.ESTABLISHED),
    (S.ESTABLISHED, I.ACK): (A.ACCEPT_ACK, S.ESTABLISHED),
    (S.ESTABLISHED, I.DATA): (A.RECEIVE_DATA, S.ESTABLISHED),
    (S.ESTABLISHED, I.FIN): (A.RECEIVE_FIN, S.CLOSE_WAIT),
    (S.ESTABLISHED, I.CLOSE): (A.SEND_FIN, S.FIN_WAIT_1),
    (S.ESTABLISHED, I.ABORT): (A.SEND_RESET, S.CLOSED),
    (S.ESTABLISHED, I.RST): (A.DELETE_TCB, S.CLOSED),
    (S.ESTABLISHED, I.DUPLICATE): (A.ACKNOWLEDGE, S.ESTABLISHED),
    (S.ESTABLISHED, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.ESTABLISHED),
    (S.ESTABLISHED, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.ESTABLISHED),
    (S.ESTABLISHED, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),    # no RST: the peer is gone
    # FIN-WAIT-1: our FIN is out, not yet acknowledged
    (S.FIN_WAIT_1, I.ACK_OF_FIN): (A.ACCEPT_ACK, S.FIN_WAIT_2),
    (S.FIN_WAIT_1, I.ACK): (A.ACCEPT_ACK, S.FIN_WAIT_1),
    (S.FIN_WAIT_1, I.DATA): (A.RECEIVE_DATA, S.FIN_WAIT_1),
    (S.FIN_WAIT_1, I.FIN): (A.RECEIVE_FIN, S.CLOSING),              # simultaneous close
    (S.FIN_WAIT_1, I.DUPLICATE): (A.ACKNOWLEDGE, S.FIN_WAIT_1),
    (S.FIN_WAIT_1, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.FIN_WAIT_1),
    (S.FIN_WAIT_1, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.FIN_WAIT_1),
    (S.FIN_WAIT_1, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.FIN_WAIT_1, I.ABORT): (A.SEND_RESET, S.CLOSED),
    (S.FIN_WAIT_1, I.RST): (A.DELETE_TCB, S.CLOSED),
    # FIN-WAIT-2: half-closed; we still receive
    (S.FIN_WAIT_2, I.ACK): (A.ACCEPT_ACK, S.FIN_WAIT_2),
    (S.FIN_WAIT_2, I.DATA): (A.RECEIVE_DATA, S.FIN_WAIT_2),
    (S.FIN_WAIT_2, I.FIN): (A.START_TIME_WAIT, S.TIME_WAIT),
    (S.FIN_WAIT_2, I.DUPLICATE): (A.ACKNOWLEDGE, S.FIN_WAIT_2),
    (S.FIN_WAIT_2, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.FIN_WAIT_2),
    (S.FIN_WAIT_2, I.ABORT): (A.SEND_RESET, S.CLOSED),
    (S.FIN_WAIT_2, I.RST): (A.DELETE_TCB, S.CLOSED),
    # CLOSE-WAIT: the peer has closed; we may still send
    (S.CLOSE_WAIT, I.SEND): (A.SEND_DATA, S.CLOSE_WAIT),
    (S.CLOSE_WAIT, I.ACK): (A.ACCEPT_ACK, S.CLOSE_WAIT),
    (S.CLOSE_WAIT, I.CLOSE): (A.SEND_FIN, S.LAST_ACK),
    (S.CLOSE_WAIT, I.DUPLICATE): (A.ACKNOWLEDGE, S.CLOSE_WAIT),
    (S.CLOSE_WAIT, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.CLOSE_WAIT),
    (S.CLOSE_WAIT, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.CLOSE_WAIT),
    (S.CLOSE_WAIT, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.CLOSE_WAIT, I.ABORT): (A.SEND_RESET, S.CLOSED),
    (S.CLOSE_WAIT, I.RST): (A.DELETE_TCB, S.CLOSED),
    # CLOSING: both FINs crossed; waiting for the ACK of ours
    (S.CLOSING, I.ACK_OF_FIN): (A.START_TIME_WAIT, S.TIME_WAIT),
    (S.CLOSING, I.ACK): (A.ACCEPT_ACK, S.CLOSING),
    (S.CLOSING, I.DUPLICATE): (A.ACKNOWLEDGE, S.CLOSING),
    (S.CLOSING, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.CLOSING),
    (S.CLOSING, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.CLOSING),
    (S.CLOSING, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.CLOSING, I.ABORT): (A.DELETE_TCB, S.CLOSED),
    (S.CLOSING, I.RST): (A.DELETE_TCB, S.CLOSED),
    # LAST-ACK: the passive closer waits for the ACK of its FIN
    (S.LAST_ACK, I.ACK_OF_FIN): (A.DELETE_TCB, S.CLOSED),
    (S.LAST_ACK, I.ACK): (A.ACCEPT_ACK, S.LAST_ACK),
    (S.LAST_ACK, I.DUPLICATE): (A.ACKNOWLEDGE, S.LAST_ACK),
    (S.LAST_ACK, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.LAST_ACK),
    (S.LAST_ACK, I.RETRANSMIT_TIMEOUT): (A.RETRANSMIT, S.LAST_ACK),
    (S.LAST_ACK, I.GIVE_UP_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.LAST_ACK, I.ABORT): (A.DELETE_TCB, S.CLOSED),
    (S.LAST_ACK, I.RST): (A.DELETE_TCB, S.CLOSED),
    # TIME-WAIT: 2 MSL, re-acknowledging a retransmitted FIN
    (S.TIME_WAIT, I.DUPLICATE): (A.RESTART_TIME_WAIT, S.TIME_WAIT),
    (S.TIME_WAIT, I.UNACCEPTABLE): (A.ACKNOWLEDGE, S.TIME_WAIT),
    (S.TIME_WAIT, I.ACK): (A.DROP, S.TIME_WAIT),
    (S.TIME_WAIT, I.TIME_WAIT_TIMEOUT): (A.DELETE_TCB, S.CLOSED),
    (S.TIME_WAIT, I.ABORT): (A.DELETE_TCB, S.CLOSED),
    (S.TIME_WAIT, I.RST): (A.DELETE_TCB, S.CLOSED),
}


class TransitionError(Exception):
    """An input that the table does not allow in the current state."""

    def __init__(self, state: State, inp: Input) -> None:
        super().__init__(f"{inp} is not allowed in state {state}")
        self.state = state
        self.input = inp


def transition(state: State, inp: Input) -> tuple[Action, State]:
    try:
        return TRANSITIONS[(state, inp)]
    except KeyError:
        raise TransitionError(state, inp) from None
