"""What the question types share: reading segments and ranges, and how ``ask`` is declared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from quizgen.questions import landmarks as lm

MOD = 1 << 32
FLAG_FIELDS = ("SYN", "ACK", "FIN", "RST")
NUMBER_FIELDS = ("seq", "ack", "len")

Result = tuple[list[dict], dict[str, Any], dict | None]


class GenerationError(Exception):
    """The entry asks for something this trace does not have (a bank mistake)."""


@dataclass(frozen=True)
class Key:
    """One key of a type's ``ask``: what it must be (for the error message), a check of its
    value (given the whole ``ask``, for keys that depend on others), and whether it is required
    (always, or when ``required(ask)`` holds)."""

    what: str
    ok: Callable[[Any, dict], bool]
    required: bool | Callable[[dict], bool] = False

    def needed(self, ask: dict) -> bool:
        return self.required(ask) if callable(self.required) else self.required


def segment_ok(value: Any, ask: dict | None = None) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 1) or (
        isinstance(value, str) and value in lm.LANDMARKS)


SEGMENT = f"a segment number or one of {', '.join(lm.LANDMARKS)}"
RANGE = Key("all, handshake or teardown", lambda v, ask: v in ("all", "handshake", "teardown"))
WHO = "A or B"


def segment(trace: dict, ref: Any) -> dict:
    """The segment ``ref`` names: its number, or a landmark (``synack``)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        if 1 <= ref <= len(trace["segments"]):
            return trace["segments"][ref - 1]
        raise GenerationError(f"segment {ref} does not exist (the trace has {len(trace['segments'])})")
    seg = lm.landmark(trace, ref)
    if seg is None:
        raise GenerationError(f"the {trace['scenario']} trace has no segment '{ref}'")
    return seg


def segment_range(trace: dict, name: str) -> tuple[int, int]:
    """The first and last segment numbers of ``all``, ``handshake`` or ``teardown``."""
    n = len(trace["segments"])
    if name == "handshake":
        return 1, segment(trace, "hs3")["n"]
    if name in ("all", "teardown") and not lm.connection_over(trace):
        # the whole connection, or its whole close: not in a capture that stops before the end
        raise GenerationError(f"the {trace['scenario']} trace ends before the connection does")
    if name == "all":
        return 1, n
    if name == "teardown":
        return segment(trace, "fin1")["n"], n
    raise GenerationError(f"unknown range {name!r}")


def field_part(seg: dict, field: str) -> dict:
    """A part asking for one field of a segment: a flag bit, or seq/ack/len."""
    source = {"segment": seg["n"], "field": field}
    if field in FLAG_FIELDS:
        return {"id": f"{field.lower()}_flag", "kind": "bit", "label": field,
                "answer": int(field in seg["flags"]), "source": source}
    value = seg[field]
    if value is None:
        raise GenerationError(f"segment {seg['n']} ({','.join(seg['flags'])}) has no {field}: its ACK flag is off")
    return {"id": field, "kind": "number", "label": field, "answer": value, "source": source}
