"""``ordering``: put an end's states, or a stretch of segments, in the order they happen."""

from __future__ import annotations

import random
from typing import Any

from quizgen.questions import landmarks as lm
from quizgen.questions.data import LETTERS
from quizgen.questions.markup import describe
from quizgen.questions.names import state_label
from quizgen.questions.types.common import RANGE, WHO, GenerationError, Key, Result, segment_range

ASK = {
    "order": Key("states or segments", lambda v, ask: v in ("states", "segments"), required=True),
    "who": Key(WHO, lambda v, ask: v in ("A", "B"),
               required=lambda ask: ask.get("order") == "states"),
    "range": RANGE,
}


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    if ask["order"] == "states":
        who = ask["who"]
        if not lm.states_complete(trace, who):
            raise GenerationError(f"the trace does not show all of {who}'s states")
        path = list(lm.state_path(trace, who))
        if len(set(path)) != len(path):
            raise GenerationError(f"{who} passes through a state twice")
        texts = [state_label(s, lang) for s in path]
        source: dict[str, Any] = {"states_of": who}
    else:
        lo, hi = segment_range(trace, ask.get("range", "all"))
        segs = [s for s in lm.first_sends(trace) if lo <= s["n"] <= hi]
        texts = [f"{s['from']}→{s['to']}: {describe(s)}" for s in segs]
        if len(set(texts)) != len(texts):
            raise GenerationError("two segments read the same")
        source = {"segments": [s["n"] for s in segs]}
    if not 2 <= len(texts) <= len(LETTERS):
        raise GenerationError(f"{len(texts)} items to order (it takes 2 to {len(LETTERS)})")
    ids = [f"i{k + 1}" for k in range(len(texts))]
    shown = list(zip(ids, texts))
    for _ in range(10):   # a shuffle that already is the answer asks nothing
        rng.shuffle(shown)
        if [i for i, _ in shown] != ids or len(ids) < 2:
            break
    part = {"id": "order", "kind": "order", "label": "",
            "items": [{"id": i, "text": t} for i, t in shown], "answer": ids, "source": source}
    return [part], {"who": ask.get("who")}, None
