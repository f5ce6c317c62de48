"""A TCP segment as the model sees it: flags, seq, ack, payload length and window."""

from __future__ import annotations

from dataclasses import dataclass

#: Flag names in the order they are written ("SYN,ACK", "FIN,ACK", "RST,ACK", "PSH,ACK").
FLAG_ORDER = ("SYN", "FIN", "RST", "PSH", "ACK")
_KNOWN = frozenset(FLAG_ORDER)
#: The window every end advertises, and so the receive window a segment is checked against
#: (RFC 9293 3.10.7.4) and the most a sender has unacknowledged (no window scaling).
WINDOW = 65535


@dataclass(frozen=True)
class Segment:
    src: str
    dst: str
    flags: frozenset[str]
    seq: int
    ack: int | None          # None exactly when the ACK flag is off
    length: int = 0          # payload bytes
    window: int = WINDOW

    def __post_init__(self) -> None:
        if not self.flags <= _KNOWN:
            raise ValueError(f"unknown TCP flags {sorted(self.flags - _KNOWN)}")
        if ("ACK" in self.flags) != (self.ack is not None):
            raise ValueError("ack must be given exactly when the ACK flag is set")

    @property
    def seg_len(self) -> int:
        """Sequence space the segment occupies: its data, plus one for SYN and one for FIN."""
        return self.length + ("SYN" in self.flags) + ("FIN" in self.flags)

    @property
    def flag_list(self) -> list[str]:
        return [f for f in FLAG_ORDER if f in self.flags]

    @property
    def name(self) -> str:
        """Flags as written in a textbook or Wireshark: "SYN,ACK", "FIN,ACK", "ACK"."""
        return ",".join(self.flag_list)
