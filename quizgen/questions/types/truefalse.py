"""``truefalse``: a claim about the rules, true or false for this trace.

The wrong statement is the one a named misconception makes: the value the connection gives
under that faulty rule (a SYN renumbered as using no sequence number gives 0), and its
feedback names the mistake; the right answer's feedback states the rule.
"""

from __future__ import annotations

import random
from typing import Any

from quizgen import i18n
from quizgen.questions import landmarks as lm
from quizgen.questions.names import MISCONCEPTIONS, misconception_feedback
from quizgen.questions.types import misconceptions
from quizgen.questions.types.common import MOD, GenerationError, Key, Result, segment

CLAIMS = ("syn_consumes", "fin_consumes", "pure_ack_consumes", "syn_carries_data",
          "hs3_carries_data", "time_wait", "closed_first", "fin_ack_value", "rst_state",
          "half_close_data", "both_closed", "queue_full_syn", "scan_result", "old_data_taken")

ASK = {
    "claim": Key(f"one of {', '.join(CLAIMS)}", lambda v, ask: v in CLAIMS, required=True),
}


def _diff(a: int, b: int) -> int:
    return (a - b) % MOD


def _renumbered(trace: dict, fault: str) -> dict[int, tuple[int, int | None]]:
    renum = misconceptions.Renumbering(trace)
    if not renum.ok:
        raise GenerationError("the trace's numbers cannot be renumbered under a misconception")
    return renum.numbers(fault)


def _claim_facts(claim: str, trace: dict) -> tuple[Any, Any, str]:
    """(what the trace shows, what a named misconception says, that misconception); the end
    the claim is about is :func:`_about`."""
    def seg(name: str) -> dict:
        return segment(trace, name)

    if claim == "syn_consumes":
        syn, hs3 = seg("syn"), seg("hs3")
        faulty = _renumbered(trace, "syn_uses_none")
        return (_diff(hs3["seq"], syn["seq"]),
                _diff(faulty[hs3["n"]][0], faulty[syn["n"]][0]), "syn_uses_none")
    if claim == "fin_consumes":
        fin, ack = seg("fin1"), seg("fin1_ack")
        faulty = _renumbered(trace, "fin_uses_none")
        return (_diff(ack["ack"], fin["seq"]) - fin["len"],
                _diff(faulty[ack["n"]][1] or 0, faulty[fin["n"]][0]) - fin["len"], "fin_uses_none")
    if claim == "pure_ack_consumes":
        hs3 = seg("hs3")
        if hs3["len"]:
            raise GenerationError("the third handshake segment carries data here")
        nxt = next((s for s in lm.first_sends(trace) if s["from"] == "A" and s["n"] > hs3["n"]),
                   None)
        if nxt is None:
            raise GenerationError("A sends nothing after the third handshake segment here")
        faulty = _renumbered(trace, "ack_uses_number")
        return (_diff(nxt["seq"], hs3["seq"]),
                _diff(faulty[nxt["n"]][0], faulty[hs3["n"]][0]), "ack_uses_number")
    if claim == "syn_carries_data":
        return any(s["len"] for s in trace["segments"] if "SYN" in s["flags"]), True, "syn_with_data"
    if claim == "hs3_carries_data":
        carries = seg("hs3")["len"] > 0
        if not carries:
            raise GenerationError("the third handshake segment carries no data here (the "
                                  "claim is asked of a connection whose third segment does)")
        return carries, False, "hs3_no_data"
    if claim == "time_wait":
        d = lm.time_in(trace, trace["values"]["closer"], "TIME-WAIT")
        if d is None:
            raise GenerationError("nobody passes through TIME-WAIT here")
        msl = trace["options"].get("msl")
        if msl is None or int(d) == msl:
            raise GenerationError("the trace does not say its MSL")
        return int(d), msl, "time_wait_one_msl"       # the timer set to one MSL
    if claim == "closed_first":
        closed = {e["who"]: e["time"] for e in trace["events"] if e["to"] == "CLOSED"}
        if not closed:            # e.g. a capture that stops before the last ACK
            raise GenerationError("no end reaches CLOSED here")
        final = trace.get("final_states") or {}      # a capture's; null: unknown
        if any(w not in closed and w in final and final[w] is None for w in "AB"):
            raise GenerationError("an end whose state is unknown may have closed first")
        first = min(closed, key=lambda w: (closed[w], w))
        return first, "A" if first == "B" else "B", "closer_closes_first"
    if claim == "fin_ack_value":
        fin, ack = seg("fin1"), seg("fin1_ack")
        return ack["ack"], _renumbered(trace, "fin_uses_none")[ack["n"]][1], "fin_uses_none"
    if claim == "half_close_data":
        # the end in CLOSE-WAIT sends data, and the end in FIN-WAIT-2 acknowledges it
        fin1_ack = seg("fin1_ack")
        sent = any(s["from"] == fin1_ack["from"] and s["n"] > fin1_ack["n"] and s["len"]
                   for s in lm.first_sends(trace))
        return sent, not sent, "half_close_silent"
    if claim == "both_closed":
        if trace.get("final_states") is not None:
            raise GenerationError("a capture does not show what happens after it ends")
        ended = {e["who"] for e in trace["events"] if e["to"] == "CLOSED"}
        return ended == {"A", "B"}, ended != {"A", "B"}, "close_wait_times_out"
    if claim == "rst_state":
        rst = seg("rst")
        after = lm.state_after(trace, rst["to"], rst)
        if after is None:
            raise GenerationError("the RST changes no state here")
        return after, "TIME-WAIT", "rst_time_wait"
    if claim == "queue_full_syn":
        # what B did with the first SYN that found its SYN queue full: "dropped" or "cookie"
        met = next((e["event"] for e in trace.get("listener", ())
                    if e["event"] in ("dropped", "cookie")), None)
        if met is None:
            raise GenerationError("no SYN finds B's SYN queue full here")
        if met == "dropped":
            return met, "cookie", "listener_always_answers"
        return met, "dropped", "full_queue_always_drops"
    if claim == "scan_result":
        if lm.landmark(trace, "probe") is None:
            raise GenerationError("nothing probes a port here")
        reply = lm.landmark(trace, "probe_reply")
        result = ("filtered" if reply is None else "open" if "SYN" in reply["flags"]
                  else "closed")
        # the misreadings: the scanner's own RST taken for the port's, a reset for a firewall,
        # silence for a closed port
        return result, {"open": "closed", "closed": "filtered",
                        "filtered": "closed"}[result], "scan_misread"
    if claim == "old_data_taken":
        old, answer = seg("old_data"), seg("old_data_ack")
        taken = answer["ack"] == (old["seq"] + old["len"]) % MOD
        return taken, not taken, "old_data_accepted"
    raise GenerationError(f"unknown claim {claim!r}")


def _about(claim: str, trace: dict) -> str:
    """The end a claim's feedback speaks of: the one the RST reaches, or the closer."""
    if claim == "rst_state":
        return segment(trace, "rst")["to"]
    return trace["values"].get("closer") or "A"


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    fact, wrong, mid = _claim_facts(entry.ask["claim"], trace)
    claimed = fact if rng.random() < 0.5 else wrong
    truth = claimed == fact
    who = _about(entry.ask["claim"], trace)
    right = f"{i18n.word('right_feedback', lang)} {MISCONCEPTIONS[mid]['rule'][lang]}"
    mistaken = misconception_feedback(mid, lang, who=who, peer="B" if who == "A" else "A", what="")
    part = {"id": "claim", "kind": "truefalse", "label": "", "answer": truth,
            "feedback_true": right if truth else mistaken,
            "feedback_false": mistaken if truth else right,
            "misconception": mid,
            "source": {"claim": entry.ask["claim"], "claimed": claimed}}
    return [part], {"claimed": claimed, "fact": fact, "truth": truth}, None
