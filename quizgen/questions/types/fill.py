"""``fill``: fill in fields of one segment (flags, seq, ack, len), optionally on its diagram."""

from __future__ import annotations

import random

from quizgen.questions.types.common import (FLAG_FIELDS, NUMBER_FIELDS, SEGMENT, Key, Result,
                                            field_part, segment, segment_ok)

ASK = {
    "segment": Key(SEGMENT, segment_ok, required=True),
    "fields": Key("a list of distinct fields from SYN, ACK, FIN, RST, seq, ack, len",
                  lambda v, ask: isinstance(v, list) and bool(v) and all(
                      isinstance(f, str) and f in FLAG_FIELDS + NUMBER_FIELDS for f in v)
                  and len(set(v)) == len(v), required=True),
    "random": Key("how many of the fields to blank",
                  lambda v, ask: isinstance(v, int) and not isinstance(v, bool)
                  and 1 <= v <= len(ask["fields"])),
    "diagram": Key("true or false", lambda v, ask: isinstance(v, bool)),
}


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = segment(trace, ask["segment"])
    fields = list(ask["fields"])
    # every field first: whether the segment has them all does not depend on the seed (a
    # captured segment may lack its ACK where the simulated one has it)
    every = {f: field_part(seg, f) for f in fields}
    if ask.get("random"):
        chosen = set(rng.sample(fields, ask["random"]))
        fields = [f for f in fields if f in chosen]
    parts = [every[f] for f in fields]
    blanks = {f: p["id"] for f, p in zip(fields, parts)}
    diagram = None
    if ask.get("diagram"):
        # the asked segment's numbers are the row's blanks; its flags, when a flag is asked,
        # are hidden whole (one label, no box of its own: the row asks them bit by bit)
        hidden = [{"segment": seg["n"], "field": f, "part": pid}
                  for f, pid in blanks.items() if f in NUMBER_FIELDS]
        if any(f in FLAG_FIELDS for f in blanks):
            hidden.insert(0, {"segment": seg["n"], "field": "flags", "part": None})
        diagram = {"segments": [s["n"] for s in trace["segments"] if s["n"] <= seg["n"]],
                   "blanks": hidden, "show_states": True}
    return parts, {"asked": seg, "blanks": blanks}, diagram
