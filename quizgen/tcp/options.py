"""The scenario options, in one table: :class:`Options`, one field per option.

Each field gives an option's name, its type, its default (the textbook's figure) and, in its
metadata, the values a script may give it and what it means (:data:`TABLE` has the fields by
name). Everything about options reads this table: :meth:`Options.from_script` checks a script's
``options`` against it and fills in the defaults, the endpoints and the simulator read the
resulting :class:`Options`, and a trace's ``options`` are its fields, in this order
(:meth:`Options.as_dict`).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from typing import Any, Callable


def _option(default: Any, allowed: str, accepts: Callable[[Any], bool], meaning: str) -> Any:
    return field(default=default, metadata={"allowed": allowed, "accepts": accepts,
                                            "meaning": meaning})


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _whole(low: int, high: int) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return accepts


_BOOL = "true or false"


@dataclass(frozen=True)
class Options:
    fin_ack: str = _option(
        "separate", "'separate' or 'merge'", lambda v: v in ("separate", "merge"),
        "merge: the peer's application closes as soon as the first FIN arrives, so its FIN "
        "carries the ACK of that FIN (a three-segment close, as Linux does)")
    piggyback: bool = _option(
        False, _BOOL, _is_bool,
        "true: A's first send rides on the third segment of the handshake")
    rst_ack: bool = _option(
        False, _BOOL, _is_bool,
        "true: an abort's RST also carries ACK (as Linux does)")
    listen: bool = _option(
        True, _BOOL, _is_bool,
        "false: nothing listens at B; A's SYN is answered by RST,ACK")
    msl: int = _option(
        120, "a whole number of seconds from 1 to 86400", _whole(1, 86400),
        "seconds; TIME-WAIT lasts 2 MSL")
    fin_has_ack: bool = _option(
        False, _BOOL, _is_bool,
        "true: the active closer's FIN carries ACK too (RFC 9293 and Linux; the textbook "
        "figure writes it as FIN=1, seq=u)")
    mss: int = _option(
        1460, "a whole number of bytes from 1 to 65495", _whole(1, 65495),
        "bytes; a larger send goes as several segments")
    time_wait: bool = _option(
        True, _BOOL, _is_bool,
        "false: the active closer does not wait 2 MSL but is CLOSED as soon as it has sent "
        "the last ACK (the textbook's 'what if there were no TIME-WAIT?'); a FIN sent again "
        "then meets no connection and is answered by RST")
    delay: int = _option(
        50, "a whole number of milliseconds from 1 to 60000", _whole(1, 60000),
        "milliseconds; the one-way delay of the network (the round trip is twice it)")

    backlog: int = _option(
        128, "a whole number from 1 to 65535", _whole(1, 65535),
        "how many half-open connections (SYN-RECEIVED, the SYN queue) B's listener holds; a "
        "SYN that finds them all taken is dropped, or answered by a SYN cookie (syn_cookies). "
        "Linux's listen(k) holds k + 1 (since 6.13), so backlog: 2 is listen(1)")
    syn_cookies: bool = _option(
        False, _BOOL, _is_bool,
        "true: when the SYN queue is full B answers a SYN with a SYN cookie (its SYN,ACK's seq "
        "encodes the connection, B keeps no state and stays in LISTEN) and opens the connection "
        "when the ACK of the cookie arrives (Linux's net.ipv4.tcp_syncookies = 1, its default)")

    @classmethod
    def from_script(cls, given: dict[str, Any]) -> Options:
        """The options a script gives, checked against the table; the others are defaults."""
        for name, value in given.items():
            if name not in TABLE:
                raise OptionError(name, value, None)
            if not TABLE[name].metadata["accepts"](value):
                raise OptionError(name, value, TABLE[name].metadata["allowed"])
        return cls(**given)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TABLE}


#: The table by name: each option's field (its default, and metadata "allowed", "meaning").
TABLE: dict[str, Field[Any]] = {f.name: f for f in fields(Options)}


class OptionError(ValueError):
    """An option the table does not have (``allowed`` is None), or a value it does not allow."""

    def __init__(self, name: str, value: Any, allowed: str | None) -> None:
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.allowed is None:
            return f"unknown option (known: {', '.join(TABLE)})"
        return f"{self.value!r} is not allowed; use {self.allowed}"
