"""``ladder``: complete a ladder diagram's blanked seq/ack labels.

A number is blanked wherever the diagram draws it: the third handshake's seq is also the
second's ack and the first data segment's seq, and a box whose answer is printed beside it
asks nothing. Each place is a box of its own (a part), so the student writes the number at
every place it belongs.
"""

from __future__ import annotations

import random

from quizgen.questions.types.common import (RANGE, GenerationError, Key, Result, segment,
                                            segment_ok, segment_range)

ASK = {
    "range": RANGE,
    "blanks": Key("a list of distinct {segment, field: seq|ack|len}",
                  lambda v, ask: isinstance(v, list) and bool(v) and all(
                      isinstance(b, dict) and segment_ok(b.get("segment"))
                      and b.get("field") in ("seq", "ack", "len") for b in v)
                  and len({(b["segment"], b["field"]) for b in v}) == len(v)),
    "random": Key("a number of boxes from 1 to 12",
                  lambda v, ask: "blanks" in ask or (
                      isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 12)),
}


def _places(segs: list[dict]) -> dict[int, list[tuple[dict, str]]]:
    """Every number the diagram draws -> the (segment, field) places that show it."""
    out: dict[int, list[tuple[dict, str]]] = {}
    for s in segs:
        for f in ("seq", "ack", "len"):
            if s[f] is not None and (f != "len" or s[f]):
                out.setdefault(s[f], []).append((s, f))
    return out


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    lo, hi = segment_range(trace, ask.get("range", "all"))
    segs = [s for s in trace["segments"] if lo <= s["n"] <= hi]
    places = _places(segs)
    if "blanks" in ask:
        named = [(segment(trace, b["segment"]), b["field"]) for b in ask["blanks"]]
        for seg, field in named:
            if seg[field] is None:
                raise GenerationError(f"segment {seg['n']} has no {field}")
            if not lo <= seg["n"] <= hi:
                raise GenerationError(f"segment {seg['n']} is not on the diagram ({lo} to {hi})")
        values = list(dict.fromkeys(seg[field] for seg, field in named))
    else:
        # whole numbers, in a random order, while their places fit in the boxes allowed; a
        # number that is also a length (or a length) is left alone: a box needs a seq or ack
        budget = ask.get("random", 3)
        pool = [v for v, at in places.items()
                if all(f != "len" for _, f in at) and any(not s["lost"] for s, _ in at)]
        rng.shuffle(pool)
        values, used = [], 0
        for v in pool:
            if used + len(places[v]) <= budget:
                values.append(v)
                used += len(places[v])
        if not values:
            raise GenerationError(f"no number on the diagram fits in {budget} boxes")
    chosen = sorted((place for v in values for place in places[v]),
                    key=lambda sf: (sf[0]["n"], sf[1]))
    parts, blanks = [], []
    for seg, field in chosen:
        pid = f"s{seg['n']}_{field}"
        parts.append({"id": pid, "kind": "number", "label": f"#{seg['n']} {field}", "answer": seg[field],
                      "source": {"segment": seg["n"], "field": field}})
        blanks.append({"segment": seg["n"], "field": field, "part": pid})
    diagram = {"segments": [s["n"] for s in segs], "blanks": blanks, "show_states": True}
    return parts, {"chosen": [{"segment": s, "field": f} for s, f in chosen]}, diagram
