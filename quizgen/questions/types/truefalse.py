"""``truefalse``: a claim about the rules, true or false for this trace."""

from __future__ import annotations

import random
from typing import Any

from quizgen import i18n
from quizgen.questions import landmarks as lm
from quizgen.questions.types.common import MOD, GenerationError, Key, Result, segment

CLAIMS = ("syn_consumes", "fin_consumes", "pure_ack_consumes", "syn_carries_data",
          "hs3_carries_data", "time_wait", "closed_first", "fin_ack_value", "rst_state")

ASK = {
    "claim": Key(f"one of {', '.join(CLAIMS)}", lambda v, ask: v in CLAIMS, required=True),
}


def _diff(a: int, b: int) -> int:
    return (a - b) % MOD


def _claim_facts(claim: str, trace: dict) -> tuple[Any, Any]:
    """(what the trace shows, a plausible wrong value) for a claim."""
    def seg(name: str) -> dict:
        return segment(trace, name)

    if claim == "syn_consumes":
        return _diff(seg("hs3")["seq"], seg("syn")["seq"]), 0
    if claim == "fin_consumes":
        fin, ack = seg("fin1"), seg("fin1_ack")
        return _diff(ack["ack"], fin["seq"]) - fin["len"], 0
    if claim == "pure_ack_consumes":
        hs3 = seg("hs3")
        if hs3["len"]:
            raise GenerationError("the third handshake segment carries data here")
        nxt = next((s for s in lm.first_sends(trace) if s["from"] == "A" and s["n"] > hs3["n"]),
                   None)
        if nxt is None:
            raise GenerationError("A sends nothing after the third handshake segment here")
        return _diff(nxt["seq"], hs3["seq"]), 1
    if claim == "syn_carries_data":
        return any(s["len"] for s in trace["segments"] if "SYN" in s["flags"]), True
    if claim == "hs3_carries_data":
        return seg("hs3")["len"] > 0, not (seg("hs3")["len"] > 0)
    if claim == "time_wait":
        d = lm.time_in(trace, trace["values"]["closer"], "TIME-WAIT")
        if d is None:
            raise GenerationError("nobody passes through TIME-WAIT here")
        return int(d), int(d) // 2
    if claim == "closed_first":
        closed = {e["who"]: e["time"] for e in trace["events"] if e["to"] == "CLOSED"}
        if not closed:            # e.g. a capture that stops before the last ACK
            raise GenerationError("no end reaches CLOSED here")
        final = trace.get("final_states") or {}      # a capture's; null: unknown
        if any(w not in closed and w in final and final[w] is None for w in "AB"):
            raise GenerationError("an end whose state is unknown may have closed first")
        first = min(closed, key=lambda w: (closed[w], w))
        return first, "A" if first == "B" else "B"
    if claim == "fin_ack_value":
        return seg("fin1_ack")["ack"], seg("fin1")["seq"]
    if claim == "rst_state":
        rst = seg("rst")
        after = lm.state_after(trace, rst["to"], rst)
        if after is None:
            raise GenerationError("the RST changes no state here")
        return after, "TIME-WAIT"
    raise GenerationError(f"unknown claim {claim!r}")


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    fact, wrong = _claim_facts(entry.ask["claim"], trace)
    claimed = fact if rng.random() < 0.5 else wrong
    truth = claimed == fact
    right, not_so = i18n.word("right_feedback", lang), i18n.word("not_so_feedback", lang)
    part = {"id": "claim", "kind": "truefalse", "label": "", "answer": truth,
            "feedback_true": right if truth else not_so,
            "feedback_false": not_so if truth else right,
            "source": {"claim": entry.ask["claim"], "claimed": claimed}}
    return [part], {"claimed": claimed, "fact": fact, "truth": truth}, None
