"""The question types. Each reads its answers off the trace and returns the parts (with their
answers), the extra template context, and an optional diagram request.

A type never renders anything; bank templates present what it returns.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Final

from quizgen.questions import landmarks as lm
from quizgen.questions.markup import describe
from quizgen.questions.names import (CONFUSED, MEANING, MISTAKES, spellings, state_label)

MOD: Final = 1 << 32
FLAG_FIELDS: Final = ("SYN", "ACK", "FIN", "RST")
NUMBER_FIELDS: Final = ("seq", "ack", "len")


class GenerationError(Exception):
    """The entry asks for something this trace does not have (a bank mistake)."""


Result = tuple[list[dict], dict[str, Any], dict | None]


def _segment(trace: dict, ref: Any) -> dict:
    if isinstance(ref, int) and not isinstance(ref, bool):
        if 1 <= ref <= len(trace["segments"]):
            return trace["segments"][ref - 1]
        raise GenerationError(f"segment {ref} does not exist (the trace has {len(trace['segments'])})")
    seg = lm.landmark(trace, ref)
    if seg is None:
        raise GenerationError(f"the {trace['scenario']} trace has no segment '{ref}'")
    return seg


def _field_part(seg: dict, field: str) -> dict:
    source = {"segment": seg["n"], "field": field}
    if field in FLAG_FIELDS:
        return {"id": f"{field.lower()}_flag", "kind": "bit", "label": field,
                "answer": int(field in seg["flags"]), "source": source}
    value = seg[field]
    if value is None:
        raise GenerationError(f"segment {seg['n']} ({','.join(seg['flags'])}) has no {field}: its ACK flag is off")
    return {"id": field, "kind": "number", "label": field, "answer": value, "source": source}


# --------------------------------------------------------------------- fill-in-the-field
def fill(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = _segment(trace, ask["segment"])
    fields = list(ask["fields"])
    if ask.get("random"):
        chosen = set(rng.sample(fields, ask["random"]))
        fields = [f for f in fields if f in chosen]
    parts = [_field_part(seg, f) for f in fields]
    blanks = {f: p["id"] for f, p in zip(fields, parts)}
    diagram = None
    if ask.get("diagram"):
        diagram = {"segments": [s["n"] for s in trace["segments"] if s["n"] <= seg["n"]],
                   "blanks": [{"segment": seg["n"], "field": f, "part": pid}
                              for f, pid in blanks.items() if f in NUMBER_FIELDS],
                   "show_states": True}
    return parts, {"asked": seg, "blanks": blanks}, diagram


# --------------------------------------------------------------------- which state
def state(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = _segment(trace, ask["segment"])
    who = ask["who"]
    answer = lm.state_after(trace, who, seg)
    if answer is None:
        raise GenerationError(f"segment {seg['n']} does not change {who}'s state")
    part: dict[str, Any]
    if ask.get("form", "choice") == "text":
        part = {"id": "state", "kind": "text", "label": "state" if lang == "en" else "状态",
                "answer": answer, "accept": spellings(answer)}
    else:
        options = [answer] + CONFUSED[answer]
        rng.shuffle(options)
        part = {"id": "state", "kind": "choice", "label": "state" if lang == "en" else "状态",
                "multiple": False,
                "choices": [{"id": "abcd"[i], "text": state_label(s, lang), "correct": s == answer,
                             "feedback": MEANING[lang][s]} for i, s in enumerate(options)]}
    part["source"] = {"segment": seg["n"], "who": who}
    return [part], {"asked": seg, "who": who, "expected": answer}, None


# --------------------------------------------------------------------- whole-segment choice
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


def choice(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    seg = _segment(trace, ask["segment"])
    given = _segment(trace, ask["given"]) if ask.get("given") else None
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
    right_fb = {"en": "Right.", "zh": "正确。"}[lang]
    part = {"id": "segment", "kind": "choice", "label": "segment" if lang == "en" else "报文段",
            "multiple": False,
            "choices": [{"id": "abcd"[i], "text": describe(c), "correct": name is None,
                         "feedback": right_fb if name is None else MISTAKES[name][lang]}
                        for i, (name, c) in enumerate(options)],
            "source": {"segment": seg["n"]}}
    return [part], {"asked": seg, "given": given}, None


# --------------------------------------------------------------------- true/false on the rules
def _diff(a: int, b: int) -> int:
    return (a - b) % MOD


def _claim_facts(claim: str, trace: dict) -> tuple[Any, Any]:
    """(what the trace shows, a plausible wrong value) for a claim."""
    seg = lambda name: _segment(trace, name)  # noqa: E731
    if claim == "syn_consumes":
        return _diff(seg("hs3")["seq"], seg("syn")["seq"]), 0
    if claim == "fin_consumes":
        fin, ack = seg("fin1"), seg("fin1_ack")
        return _diff(ack["ack"], fin["seq"]) - fin["len"], 0
    if claim == "pure_ack_consumes":
        hs3 = seg("hs3")
        if hs3["len"]:
            raise GenerationError("the third handshake segment carries data here")
        nxt = next(s for s in lm.first_sends(trace) if s["from"] == "A" and s["n"] > hs3["n"])
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


CLAIMS: Final = ("syn_consumes", "fin_consumes", "pure_ack_consumes", "syn_carries_data",
                 "hs3_carries_data", "time_wait", "closed_first", "fin_ack_value", "rst_state")


def truefalse(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    fact, wrong = _claim_facts(entry.ask["claim"], trace)
    claimed = fact if rng.random() < 0.5 else wrong
    truth = claimed == fact
    fb = {"en": ("Right.", "No: the trace shows otherwise."), "zh": ("正确。", "错误：仿真结果并非如此。")}[lang]
    part = {"id": "claim", "kind": "truefalse", "label": "", "answer": truth,
            "feedback_true": fb[0] if truth else fb[1], "feedback_false": fb[1] if truth else fb[0],
            "source": {"claim": entry.ask["claim"], "claimed": claimed}}
    return [part], {"claimed": claimed, "fact": fact, "truth": truth}, None


# --------------------------------------------------------------------- ordering
def ordering(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    if ask["order"] == "states":
        who = ask["who"]
        path = [s for s in lm.state_path(trace, who)]
        if len(set(path)) != len(path):
            raise GenerationError(f"{who} passes through a state twice")
        texts = [state_label(s, lang) for s in path]
        source: dict[str, Any] = {"states_of": who}
    else:
        lo, hi = _range(trace, ask.get("range", "all"))
        segs = [s for s in lm.first_sends(trace) if lo <= s["n"] <= hi]
        texts = [f"{s['from']}→{s['to']}: {describe(s)}" for s in segs]
        if len(set(texts)) != len(texts):
            raise GenerationError("two segments read the same")
        source = {"segments": [s["n"] for s in segs]}
    ids = [f"i{k + 1}" for k in range(len(texts))]
    shown = list(zip(ids, texts))
    for _ in range(10):   # a shuffle that already is the answer asks nothing
        rng.shuffle(shown)
        if [i for i, _ in shown] != ids or len(ids) < 2:
            break
    part = {"id": "order", "kind": "order", "label": "",
            "items": [{"id": i, "text": t} for i, t in shown], "answer": ids, "source": source}
    return [part], {"who": ask.get("who")}, None


def _range(trace: dict, name: str) -> tuple[int, int]:
    n = len(trace["segments"])
    if name == "all":
        return 1, n
    if name == "handshake":
        end = _segment(trace, "hs3")["n"]
        return 1, end
    if name == "teardown":
        return _segment(trace, "fin1")["n"], n
    raise GenerationError(f"unknown range {name!r}")


# --------------------------------------------------------------------- computation
def _compute(name: str, trace: dict) -> tuple[int, dict[str, Any]]:
    """A value and where it was read (a part's ``source``)."""
    v = trace["values"]
    if name in ("x", "y", "u", "v", "w"):
        if v[name] is None:
            raise GenerationError(f"the trace has no {name}")
        return v[name], {"value": name}
    if name in lm.LANDMARKS or "." in name:
        mark, _, field = name.partition(".")
        seg = _segment(trace, mark)
        value = seg[field or "seq"]
        if value is None:
            raise GenerationError(f"{name} does not exist here")
        return value, {"segment": seg["n"], "field": field or "seq"}
    if name == "time_wait":
        d = lm.time_in(trace, v["closer"], "TIME-WAIT")
        if d is None:
            raise GenerationError("nobody passes through TIME-WAIT here")
        return int(d), {"time_in": "TIME-WAIT", "who": v["closer"]}
    raise GenerationError(f"unknown value {name!r}")


COMPUTE_NAMES: Final = "x, y, u, v, w, time_wait, or LANDMARK.seq|ack|len"


def compute_name_ok(name: Any) -> bool:
    if name in ("x", "y", "u", "v", "w", "time_wait"):
        return True
    if not isinstance(name, str):
        return False
    mark, _, field = name.partition(".")
    return mark in lm.LANDMARKS and field in ("", "seq", "ack", "len")


def compute(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    parts = []
    for item in entry.ask["values"]:
        value, source = _compute(item["value"], trace)
        parts.append({"id": item["id"], "kind": "number", "label": item.get("label", item["id"]),
                      "answer": value, "source": source})
    return parts, {}, None


# --------------------------------------------------------------------- ladder completion
def ladder(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    lo, hi = _range(trace, ask.get("range", "all"))
    segs = [s for s in trace["segments"] if lo <= s["n"] <= hi]
    if "blanks" in ask:
        chosen = [(_segment(trace, b["segment"]), b["field"]) for b in ask["blanks"]]
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


KINDS: Final[dict[str, Callable[..., Result]]] = {
    "fill": fill, "state": state, "choice": choice, "truefalse": truefalse,
    "ordering": ordering, "compute": compute, "ladder": ladder,
}
