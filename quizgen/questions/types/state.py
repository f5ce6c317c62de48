"""``state``: which state an end is in after a segment (a choice, or its name typed in)."""

from __future__ import annotations

import random
from typing import Any

from quizgen import i18n
from quizgen.questions import landmarks as lm
from quizgen.questions.names import CONFUSED, MEANING, spellings, state_label
from quizgen.questions.types.common import SEGMENT, WHO, GenerationError, Key, Result, segment, segment_ok

ASK = {
    "segment": Key(SEGMENT, segment_ok, required=True),
    "who": Key(WHO, lambda v, ask: v in ("A", "B"), required=True),
    "form": Key("choice or text", lambda v, ask: v in ("choice", "text")),
}


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = segment(trace, ask["segment"])
    who = ask["who"]
    answer = lm.state_after(trace, who, seg)
    if answer is None:
        raise GenerationError(f"segment {seg['n']} does not change {who}'s state")
    part: dict[str, Any]
    label = i18n.word("state", lang)
    if ask.get("form", "choice") == "text":
        part = {"id": "state", "kind": "text", "label": label, "answer": answer,
                "answer_text": state_label(answer, lang), "accept": spellings(answer)}
    else:
        options = [answer] + CONFUSED[answer]
        rng.shuffle(options)
        part = {"id": "state", "kind": "choice", "label": label, "multiple": False,
                "choices": [{"id": "abcd"[i], "text": state_label(s, lang), "correct": s == answer,
                             "feedback": MEANING[lang][s]} for i, s in enumerate(options)]}
    part["source"] = {"segment": seg["n"], "who": who}
    return [part], {"asked": seg, "who": who, "expected": answer}, None
