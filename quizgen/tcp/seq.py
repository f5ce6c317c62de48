"""Sequence-number arithmetic modulo 2**32 (RFC 9293 section 3.4), in one place.

Every addition and comparison of sequence numbers in quizgen goes through here, so an ISN of
4294967295 wraps the same way everywhere.
"""

from __future__ import annotations

MOD = 1 << 32
_HALF = 1 << 31


def add(a: int, n: int) -> int:
    """``a + n`` in sequence space."""
    return (a + n) % MOD


def diff(a: int, b: int) -> int:
    """The signed distance ``a - b`` in sequence space, in (-2**31, 2**31]."""
    d = (a - b) % MOD
    return d - MOD if d > _HALF else d


def lt(a: int, b: int) -> bool:
    return diff(a, b) < 0


def le(a: int, b: int) -> bool:
    return diff(a, b) <= 0


def in_window(seq: int, length: int, rcv_nxt: int, window: int) -> bool:
    """Whether ``length`` bytes at ``seq`` begin or end inside [rcv_nxt, rcv_nxt + window):
    RFC 9293 3.10.7.4's test of an arriving segment with data (``length`` > 0)."""
    return ((seq - rcv_nxt) % MOD < window
            or (seq + length - 1 - rcv_nxt) % MOD < window)


def in_range(value: object) -> bool:
    """Whether ``value`` is a valid sequence number (an int in [0, 2**32))."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MOD
