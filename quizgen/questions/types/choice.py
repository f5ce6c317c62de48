"""``choice``: which segment is sent, among distractors each made by one named mistake."""

from __future__ import annotations

import random

from quizgen import i18n
from quizgen.questions import landmarks as lm
from quizgen.questions.markup import describe
from quizgen.questions.names import MISTAKES
from quizgen.questions.types.common import (MOD, SEGMENT, GenerationError, Key, Result, segment,
                                            segment_ok)

ASK = {
    "segment": Key(SEGMENT, segment_ok, required=True),
    "given": Key(SEGMENT, segment_ok),
}


def _ack_base_mistake(seg: dict, trace: dict) -> tuple[str, int] | None:
    """What a student who forgets the last thing the peer sent would write as ack."""
    if seg["ack"] is None:
        return None
    before = [s for s in lm.first_sends(trace) if s["from"] == seg["to"] and s["n"] < seg["n"]
              and (s["len"] or "SYN" in s["flags"] or "FIN" in s["flags"])]
    if not before:
        return None
    last = before[-1]
    if last["len"]:
        return "data_forgotten", last["seq"]
    return "no_plus_one", last["seq"]


def _mistakes(seg: dict, trace: dict) -> list[tuple[str, dict]]:
    f, out = seg["flags"], []

    def variant(name, **change):
        out.append((name, {"flags": change.get("flags", f), "seq": change.get("seq", seg["seq"]),
                           "ack": change.get("ack", seg["ack"])}))

    base = _ack_base_mistake(seg, trace)
    if base:
        variant(base[0], ack=base[1])
    if seg["ack"] is not None and seg["ack"] != seg["seq"]:
        variant("swapped", seq=seg["ack"], ack=seg["seq"])
    if "SYN" in f and "ACK" in f:
        variant("syn_off", flags=[x for x in f if x != "SYN"])
    if "ACK" in f:
        variant("ack_off", flags=[x for x in f if x != "ACK"], ack=None)
    if seg["ack"] is not None:
        variant("own_number", ack=(seg["seq"] + 1) % MOD)
    if f == ["ACK"]:
        variant("fin_as_ack", flags=["FIN", "ACK"])
    prev = [s for s in lm.first_sends(trace) if s["from"] == seg["from"] and s["n"] < seg["n"]]
    if prev and prev[-1]["flags"] == ["ACK"] and not prev[-1]["len"] and prev[-1]["seq"] == seg["seq"]:
        variant("seq_plus_one", seq=(seg["seq"] + 1) % MOD)   # counts the pure ACK before it
    return out


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = segment(trace, ask["segment"])
    given = segment(trace, ask["given"]) if ask.get("given") else None
    correct = {"flags": seg["flags"], "seq": seg["seq"], "ack": seg["ack"]}
    seen = {describe(correct)}
    wrong = []
    for name, cand in _mistakes(seg, trace):
        text = describe(cand)
        if text not in seen:
            seen.add(text)
            wrong.append((name, cand))
    if len(wrong) < 3:
        raise GenerationError(f"fewer than 3 distinct distractors for segment {seg['n']}")
    picked = rng.sample(wrong, 3)
    options = [(None, correct)] + picked
    rng.shuffle(options)
    right_fb = i18n.word("right_feedback", lang)
    part = {"id": "segment", "kind": "choice", "label": i18n.word("segment", lang),
            "multiple": False,
            "choices": [{"id": "abcd"[i], "text": describe(c), "correct": name is None,
                         "feedback": right_fb if name is None else MISTAKES[name][lang]}
                        for i, (name, c) in enumerate(options)],
            "source": {"segment": seg["n"]}}
    return [part], {"asked": seg, "given": given}, None
