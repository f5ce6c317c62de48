"""``ladder``: complete a ladder diagram's blanked seq/ack/len labels."""

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
    "random": Key("a number of blanks from 1 to 12",
                  lambda v, ask: "blanks" in ask or (
                      isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 12)),
}


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    lo, hi = segment_range(trace, ask.get("range", "all"))
    segs = [s for s in trace["segments"] if lo <= s["n"] <= hi]
    if "blanks" in ask:
        chosen = [(segment(trace, b["segment"]), b["field"]) for b in ask["blanks"]]
    else:
        pool = [(s, f) for s in segs if not s["lost"] for f in ("seq", "ack") if s[f] is not None]
        chosen = sorted(rng.sample(pool, min(ask.get("random", 3), len(pool))),
                        key=lambda sf: (sf[0]["n"], sf[1]))
    parts, blanks = [], []
    for seg, field in chosen:
        if seg[field] is None:
            raise GenerationError(f"segment {seg['n']} has no {field}")
        pid = f"s{seg['n']}_{field}"
        parts.append({"id": pid, "kind": "number", "label": f"#{seg['n']} {field}", "answer": seg[field],
                      "source": {"segment": seg["n"], "field": field}})
        blanks.append({"segment": seg["n"], "field": field, "part": pid})
    diagram = {"segments": [s["n"] for s in segs], "blanks": blanks, "show_states": True}
    return parts, {"chosen": [{"segment": s, "field": f} for s, f in chosen]}, diagram
