"""Sequence-number arithmetic modulo 2**32 (RFC 9293 section 3.4), in one place.

Every addition and comparison of sequence numbers in quizgen goes through here, so an ISN of
4294967295 wraps the same way everywhere. (The simulator's hottest paths spell ``add`` and ``lt``
out inline, with ``MOD`` and ``HALF`` from here, and say so where they do.)
"""

from __future__ import annotations

from typing import Final

MOD: Final = 1 << 32
HALF: Final = 1 << 31
_HALF: Final = HALF        # the old private name


def add(a: int, n: int) -> int:
    """``a + n`` in sequence space."""
    return (a + n) % MOD


def diff(a: int, b: int) -> int:
    """The signed distance ``a - b`` in sequence space, in (-2**31, 2**31]."""
    d = (a - b) % MOD
    return d - MOD if d > HALF else d


# lt and le are diff(a, b) < 0 and diff(a, b) <= 0, written without the call to diff:
# diff(a, b) is negative exactly when (a - b) % MOD > HALF, and zero exactly when it is 0.
def lt(a: int, b: int) -> bool:
    return (a - b) % MOD > HALF


def le(a: int, b: int) -> bool:
    d = (a - b) % MOD
    return d == 0 or d > HALF


def in_range(value: object) -> bool:
    """Whether ``value`` is a valid sequence number (an int in [0, 2**32))."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MOD
