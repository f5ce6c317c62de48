"""The transition table, checked whole (as h2 does): every (state, input) pair either has an
entry or is refused with an error naming the state and the input."""

from hypothesis import given, strategies as st

from quizgen.tcp.states import TRANSITIONS, Input, State, TransitionError, transition


@given(st.sampled_from(State), st.sampled_from(Input))
def test_every_pair_is_a_transition_or_a_clear_error(state, inp):
    try:
        action, after = transition(state, inp)
    except TransitionError as exc:
        assert (state, inp) not in TRANSITIONS
        assert str(state) in str(exc) and str(inp) in str(exc)
    else:
        assert isinstance(after, State) and TRANSITIONS[(state, inp)] == (action, after)


def test_all_eleven_states_are_reachable_in_the_table():
    assert len(State) == 11
    targets = {after for _, after in TRANSITIONS.values()} | {s for s, _ in TRANSITIONS}
    assert targets == set(State)


def test_textbook_arrows_are_in_the_table():
    S, I = State, Input
    for state, inp, after in [
        (S.CLOSED, I.CONNECT, S.SYN_SENT), (S.LISTEN, I.SYN, S.SYN_RECEIVED),
        (S.SYN_SENT, I.SYN_ACK, S.ESTABLISHED), (S.SYN_RECEIVED, I.ACK, S.ESTABLISHED),
        (S.ESTABLISHED, I.CLOSE, S.FIN_WAIT_1), (S.ESTABLISHED, I.FIN, S.CLOSE_WAIT),
        (S.FIN_WAIT_1, I.ACK_OF_FIN, S.FIN_WAIT_2), (S.FIN_WAIT_1, I.FIN, S.CLOSING),
        (S.FIN_WAIT_2, I.FIN, S.TIME_WAIT), (S.CLOSE_WAIT, I.CLOSE, S.LAST_ACK),
        (S.CLOSING, I.ACK_OF_FIN, S.TIME_WAIT), (S.LAST_ACK, I.ACK_OF_FIN, S.CLOSED),
        (S.TIME_WAIT, I.TIME_WAIT_TIMEOUT, S.CLOSED), (S.SYN_SENT, I.SYN, S.SYN_RECEIVED),
    ]:
        assert transition(state, inp)[1] is after
