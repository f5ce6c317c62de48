"""``choice``: which segment is sent, among distractors each made by one named misconception.

A distractor is the asked segment as the connection gives it under one faulty rule (a FIN
that uses no sequence number, an acknowledgement without ACK, seq and ack swapped, ...: see
``misconceptions``); it carries the misconception's id and the feedback that names it.
"""

from __future__ import annotations

import random

from quizgen import i18n
from quizgen.questions.markup import describe
from quizgen.questions.types import misconceptions
from quizgen.questions.types.common import SEGMENT, GenerationError, Key, Result, segment, segment_ok

ASK = {
    "segment": Key(SEGMENT, segment_ok, required=True),
    "given": Key(SEGMENT, segment_ok),
}


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = segment(trace, ask["segment"])
    given = segment(trace, ask["given"]) if ask.get("given") else None
    correct = {"flags": seg["flags"], "seq": seg["seq"], "ack": seg["ack"]}
    seen = {describe(correct)}
    wrong, situation = [], []
    for name, cand, distance in misconceptions.plausible(misconceptions.segment_variants(seg, trace)):
        text = describe(cand)
        if text not in seen:
            seen.add(text)
            (situation if distance == misconceptions.SITUATION else wrong).append((name, cand))
    if len(wrong) + len(situation) < 2:
        raise GenerationError(f"fewer than 2 misconceptions give another segment {seg['n']}")
    # the mistakes about the asked segment's own situation are always offered, the rest drawn
    picked = situation[:3] + rng.sample(wrong, min(3 - len(situation[:3]), len(wrong)))
    options = [(None, correct)] + picked
    rng.shuffle(options)
    right_fb = i18n.word("right_feedback", lang)
    choices = []
    for i, (name, c) in enumerate(options):
        choice = {"id": "abcd"[i], "text": describe(c), "correct": name is None,
                  "feedback": right_fb if name is None else
                  misconceptions.feedback(name, seg, trace, lang)}
        if name is not None:
            choice["misconception"] = name
        choices.append(choice)
    part = {"id": "segment", "kind": "choice", "label": i18n.word("segment", lang),
            "multiple": False, "choices": choices, "source": {"segment": seg["n"]}}
    return [part], {"asked": seg, "given": given}, None
