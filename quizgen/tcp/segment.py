"""A TCP segment as the model sees it: flags, seq, ack, payload length and window."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Final

#: Flag names in the order they are written ("SYN,ACK", "FIN,ACK", "RST,ACK", "PSH,ACK").
FLAG_ORDER: Final = ("SYN", "FIN", "RST", "PSH", "ACK")
_KNOWN: Final = frozenset(FLAG_ORDER)

#: Every set of known flags -> its flags in FLAG_ORDER; all 32 are listed once, here, so that
#: naming a segment's flags is a dict lookup instead of a scan (it happens for every segment).
FLAGS_IN_ORDER: Final[dict[frozenset[str], tuple[str, ...]]] = {
    frozenset(c): c for k in range(len(FLAG_ORDER) + 1) for c in combinations(FLAG_ORDER, k)}


def ordered_flags(flags: frozenset[str]) -> tuple[str, ...]:
    """The flags in FLAG_ORDER."""
    try:
        return FLAGS_IN_ORDER[flags]
    except (KeyError, TypeError):    # a plain set, or flags changed after the checks
        return tuple(f for f in FLAG_ORDER if f in flags)


@dataclass(slots=True, eq=True, init=False)
class Segment:
    """Treated as immutable once made (not frozen: frozen dataclasses are slow to build)."""

    src: str
    dst: str
    flags: frozenset[str]
    seq: int
    ack: int | None          # None exactly when the ACK flag is off
    length: int = 0          # payload bytes
    window: int = 65535

    # Written out rather than generated with a __post_init__: one call less for every segment.
    def __init__(self, src: str, dst: str, flags: frozenset[str], seq: int, ack: int | None,
                 length: int = 0, window: int = 65535) -> None:
        if not flags <= _KNOWN:
            raise ValueError(f"unknown TCP flags {sorted(flags - _KNOWN)}")
        if ("ACK" in flags) != (ack is not None):
            raise ValueError("ack must be given exactly when the ACK flag is set")
        self.src = src
        self.dst = dst
        self.flags = flags
        self.seq = seq
        self.ack = ack
        self.length = length
        self.window = window

    __hash__ = None  # type: ignore[assignment]  # mutable in principle; segments are compared by value, never hashed

    @property
    def seg_len(self) -> int:
        """Sequence space the segment occupies: its data, plus one for SYN and one for FIN."""
        f = self.flags
        return self.length + ("SYN" in f) + ("FIN" in f)

    @property
    def flag_list(self) -> list[str]:
        return list(ordered_flags(self.flags))

    @property
    def name(self) -> str:
        """Flags as written in a textbook or Wireshark: "SYN,ACK", "FIN,ACK", "ACK"."""
        return ",".join(ordered_flags(self.flags))
