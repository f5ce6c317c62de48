"""``compute``: numbers to work out (x, y, u, v, w, a landmark's field, the TIME-WAIT time)."""

from __future__ import annotations

import random
from typing import Any

from quizgen.questions import landmarks as lm
from quizgen.questions.types.common import GenerationError, Key, Result, segment

NAMES = "x, y, u, v, w, time_wait, or LANDMARK.seq|ack|len"


def name_ok(name: Any) -> bool:
    if name in ("x", "y", "u", "v", "w", "time_wait"):
        return True
    if not isinstance(name, str):
        return False
    mark, _, field = name.partition(".")
    return mark in lm.LANDMARKS and field in ("", "seq", "ack", "len")


ASK = {
    "values": Key(f"a list of {{id, value}} with value one of {NAMES}",
                  lambda v, ask: isinstance(v, list) and bool(v) and all(
                      isinstance(i, dict) and isinstance(i.get("id"), str) and i["id"].isidentifier()
                      and name_ok(i.get("value")) for i in v), required=True),
}


def _value(name: str, trace: dict) -> tuple[int, dict[str, Any]]:
    """A value and where it was read (a part's ``source``)."""
    v = trace["values"]
    if name in ("x", "y", "u", "v", "w"):
        if v[name] is None:
            raise GenerationError(f"the trace has no {name}")
        return v[name], {"value": name}
    if name in lm.LANDMARKS or "." in name:
        mark, _, field = name.partition(".")
        seg = segment(trace, mark)
        value = seg[field or "seq"]
        if value is None:
            raise GenerationError(f"{name} does not exist here")
        return value, {"segment": seg["n"], "field": field or "seq"}
    if name == "time_wait":
        d = lm.time_in(trace, v["closer"], "TIME-WAIT")
        if d is None:
            raise GenerationError("nobody passes through TIME-WAIT here")
        return int(d), {"time_in": "TIME-WAIT", "who": v["closer"]}
    raise GenerationError(f"unknown value {name!r}")


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    parts = []
    for item in entry.ask["values"]:
        value, source = _value(item["value"], trace)
        parts.append({"id": item["id"], "kind": "number", "label": item.get("label", item["id"]),
                      "answer": value, "source": source})
    return parts, {}, None
