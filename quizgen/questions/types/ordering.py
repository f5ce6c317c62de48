"""``ordering``: put an end's states, or a stretch of segments, in the order they happen.

The key must be the only order a student could defend. For segments, the orders the
protocol allows are enumerated: the linear orders of what the segments themselves show
(a host's sequence and acknowledgement numbers never go back; a segment that acknowledges
what the peer sent comes after it), plus what the prompt states (``stated``). For states,
the orders that are paths of RFC 9293's state diagram. An entry whose items have a second
valid order is a bank error, naming it.
"""

from __future__ import annotations

import random
from itertools import islice
from typing import Any, Iterator

from quizgen.questions import landmarks as lm
from quizgen.questions.data import ORDER_MARKS
from quizgen.questions.markup import describe
from quizgen.questions.names import state_label
from quizgen.questions.types.common import (MOD, RANGE, SEGMENT, WHO, GenerationError, Key,
                                            Result, segment, segment_ok, segment_range)


def _stated_ok(v: Any, ask: dict) -> bool:
    return isinstance(v, list) and bool(v) and all(
        isinstance(p, dict) and set(p) == {"before", "after"} and segment_ok(p["before"])
        and segment_ok(p["after"]) and p["before"] != p["after"] for p in v)


ASK = {
    "order": Key("states or segments", lambda v, ask: v in ("states", "segments"), required=True),
    "who": Key(WHO, lambda v, ask: v in ("A", "B"),
               required=lambda ask: ask.get("order") == "states"),
    "range": RANGE,
    "stated": Key(f"a list of {{before, after}}, each {SEGMENT}: the order of two segments "
                  "the prompt states (for segments only)",
                  lambda v, ask: ask.get("order") == "segments" and _stated_ok(v, ask)),
}

#: RFC 9293's state diagram, with its text's other moves (FIN-WAIT-1 to TIME-WAIT on a FIN
#: that also acknowledges ours; SYN-RECEIVED to CLOSE-WAIT on a FIN) and every reset or abort.
NEXT = {
    "CLOSED": {"LISTEN", "SYN-SENT"},
    "LISTEN": {"SYN-RECEIVED", "SYN-SENT", "CLOSED"},
    "SYN-SENT": {"SYN-RECEIVED", "ESTABLISHED", "CLOSED"},
    "SYN-RECEIVED": {"ESTABLISHED", "FIN-WAIT-1", "CLOSE-WAIT", "LISTEN", "CLOSED"},
    "ESTABLISHED": {"FIN-WAIT-1", "CLOSE-WAIT", "CLOSED"},
    "FIN-WAIT-1": {"FIN-WAIT-2", "CLOSING", "TIME-WAIT", "CLOSED"},
    "FIN-WAIT-2": {"TIME-WAIT", "CLOSED"},
    "CLOSE-WAIT": {"LAST-ACK", "CLOSED"},
    "CLOSING": {"TIME-WAIT", "CLOSED"},
    "LAST-ACK": {"CLOSED"},
    "TIME-WAIT": {"CLOSED"},
}


def _uses(s: dict) -> int:
    return s["len"] + ("SYN" in s["flags"]) + ("FIN" in s["flags"])


def _not_after(a: int, b: int) -> bool:
    """a <= b in sequence space (modulo 2^32)."""
    return (b - a) % MOD < MOD // 2


def _can_precede(j: dict, i: dict) -> bool:
    """Whether ``j`` may be sent before ``i``, by what the two segments show."""
    if j["from"] == i["from"]:      # one sender's SND.NXT and RCV.NXT never go back
        return (_not_after((j["seq"] + _uses(j)) % MOD, i["seq"])
                and (j["ack"] is None or i["ack"] is None or _not_after(j["ack"], i["ack"])))
    # j cannot come first if it acknowledges what i sent
    return not (_uses(i) and j["ack"] is not None
                and _not_after((i["seq"] + _uses(i)) % MOD, j["ack"]))


def segment_orders(segs: list[dict], stated: list[tuple[int, int]] | None = None, limit: int = 2
                   ) -> list[list[int]]:
    """Up to ``limit`` orders (of segment numbers) of ``segs`` the protocol allows, given the
    pairs (before, after) of segment numbers the prompt states."""
    index = {s["n"]: k for k, s in enumerate(segs)}
    before: list[set[int]] = [set() for _ in segs]
    for a, sa in enumerate(segs):
        for b, sb in enumerate(segs):
            if a != b and not _can_precede(sb, sa):
                before[b].add(a)
    for first, then in stated or ():
        before[index[then]].add(index[first])
    return [[segs[k]["n"] for k in order]
            for order in islice(_linear(len(segs), before, []), limit)]


def _linear(n: int, before: list[set[int]], prefix: list[int]) -> Iterator[list[int]]:
    if len(prefix) == n:
        yield list(prefix)
        return
    done = set(prefix)
    for k in range(n):
        if k not in done and before[k] <= done:
            prefix.append(k)
            yield from _linear(n, before, prefix)
            prefix.pop()


def state_orders(states: list[str], limit: int = 2) -> list[list[str]]:
    """Up to ``limit`` orders of ``states`` that are paths of the state diagram from CLOSED."""
    found: list[list[str]] = []

    def walk(at: str, left: frozenset[str], path: list[str]) -> None:
        if len(found) >= limit:
            return
        if not left:
            found.append(list(path))
        for s in sorted(left & NEXT[at]):
            walk(s, left - {s}, path + [s])

    walk("CLOSED", frozenset(states), [])
    return found


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    ask = entry.ask
    if ask["order"] == "states":
        who = ask["who"]
        if not lm.states_complete(trace, who):
            raise GenerationError(f"the trace does not show all of {who}'s states")
        path = list(lm.state_path(trace, who))
        if len(set(path)) != len(path):
            raise GenerationError(f"{who} passes through a state twice")
        orders = state_orders(path)
        if path not in orders and len(orders) < 2:
            raise GenerationError(f"{who}'s states are not a path of the state diagram")
        if len(orders) > 1:
            other = orders[0] if orders[0] != path else orders[1]
            raise GenerationError(f"{who}'s states have another valid order: {' → '.join(other)}")
        texts = [state_label(s, lang) for s in path]
        source: dict[str, Any] = {"states_of": who}
    else:
        lo, hi = segment_range(trace, ask.get("range", "all"))
        segs = [s for s in lm.first_sends(trace) if lo <= s["n"] <= hi]
        texts = [f"{s['from']}→{s['to']}: {describe(s)}" for s in segs]
        if len(set(texts)) != len(texts):
            raise GenerationError("two segments read the same")
        numbers = {s["n"] for s in segs}
        stated = []
        for pair in ask.get("stated", ()):
            first, then = segment(trace, pair["before"])["n"], segment(trace, pair["after"])["n"]
            if first not in numbers or then not in numbers:
                raise GenerationError(f"stated: segments {first} and {then} are not both items")
            if first > then:
                raise GenerationError(f"stated: segment {first} is sent after segment {then}")
            stated.append((first, then))
        found = segment_orders(segs, stated)
        if len(found) > 1:
            alt = found[0] if found[0] != [s["n"] for s in segs] else found[1]
            raise GenerationError(
                "the protocol also allows the order " + ", ".join(map(str, alt))
                + " (segment numbers): rule it out in the prompt and in ask.stated, or ask "
                  "another range")
        if not found:
            raise GenerationError("no order of these segments is consistent (a trace unlike "
                                  "any connection)")
        source = {"segments": [s["n"] for s in segs]}
        if stated:
            source["stated"] = [list(p) for p in stated]
    if not 2 <= len(texts) <= len(ORDER_MARKS):
        raise GenerationError(f"{len(texts)} items to order (it takes 2 to {len(ORDER_MARKS)})")
    ids = [f"i{k + 1}" for k in range(len(texts))]
    shown = list(zip(ids, texts))
    for _ in range(10):   # a shuffle that already is the answer asks nothing
        rng.shuffle(shown)
        if [i for i, _ in shown] != ids or len(ids) < 2:
            break
    part = {"id": "order", "kind": "order", "label": "",
            "items": [{"id": i, "text": t} for i, t in shown], "answer": ids, "source": source}
    return [part], {"who": ask.get("who")}, None
