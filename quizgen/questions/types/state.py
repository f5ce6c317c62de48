"""``state``: which state an end is in after a segment (a choice, or its name typed in)."""

from __future__ import annotations

import random
from typing import Any

from quizgen import i18n
from quizgen.questions import landmarks as lm
from quizgen.questions.names import MEANING, spellings, state_label
from quizgen.questions.types import misconceptions
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
        # the distractors: the state as a named misconception has it (the passive closer in
        # TIME-WAIT, the state before the segment, ...), each with the feedback naming it
        wrong = misconceptions.state_variants(trace, who, seg, answer)
        if len(wrong) < 2:
            raise GenerationError(f"fewer than 2 misconceptions give another state than {answer}")
        options = [(None, answer)] + rng.sample(wrong, min(3, len(wrong)))
        rng.shuffle(options)
        right = i18n.word("right_feedback", lang) + " " + MEANING[lang][answer]
        choices = []
        for i, (mid, s) in enumerate(options):
            choice = {"id": "abcd"[i], "text": state_label(s, lang), "correct": mid is None,
                      "feedback": right if mid is None else
                      misconceptions.state_feedback(mid, who, lang)}
            if mid is not None:
                choice["misconception"] = mid
            choices.append(choice)
        part = {"id": "state", "kind": "choice", "label": label, "multiple": False,
                "choices": choices}
    part["source"] = {"segment": seg["n"], "who": who}
    return [part], {"asked": seg, "who": who, "expected": answer}, None
