"""``compute``: numbers to work out (x, y, u, v, w, a landmark's field, the TIME-WAIT time,
and over a whole connection the data bytes or sequence numbers one end used)."""

from __future__ import annotations

import random
from typing import Any

from quizgen.questions import landmarks as lm
from quizgen.questions.data import PART_ID
from quizgen.questions.types.common import GenerationError, Key, Result, segment

NAMES = ("x, y, u, v, w, time_wait, bytes.A|B, numbers.A|B, syns.A|B, closed_after_fin.A|B, "
         "data_arrives.A|B, established.A|B, or LANDMARK.seq|ack|len")
#: Counts over the whole connection: the data bytes an end sent, and the sequence numbers its
#: segments used (each data byte, its SYN and its FIN), retransmissions counted once.
TOTALS = {f"{what}.{who}" for what in ("bytes", "numbers") for who in "AB"}
#: How many SYNs an end sent, retransmissions and all (a SYN flood's dropped SYNs).
SYNS = {f"syns.{who}" for who in "AB"}
#: Times in milliseconds, read off the simulation's clock: from the first FIN's send until an
#: end is CLOSED, and from A's SYN until an end's first data byte reaches its peer (sent, plus
#: the network's one-way delay), and from A's first SYN until an end is ESTABLISHED.
TIMES = {f"{what}.{who}" for what in ("closed_after_fin", "data_arrives", "established")
         for who in "AB"}


def name_ok(name: Any) -> bool:
    if (name in ("x", "y", "u", "v", "w", "time_wait") or name in TOTALS or name in TIMES
            or name in SYNS):
        return True
    if not isinstance(name, str):
        return False
    mark, _, field = name.partition(".")
    return mark in lm.LANDMARKS and field in ("", "seq", "ack", "len")


def _values_ok(v: Any, ask: dict) -> bool:
    if not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v)):
        return False
    ids = [i.get("id") for i in v]
    return (all(isinstance(i, str) and PART_ID.fullmatch(i) for i in ids)
            and len(set(ids)) == len(ids) and all(name_ok(i.get("value")) for i in v)
            and all(isinstance(i.get("label", ""), str) for i in v))


ASK = {
    "values": Key(f"a list of {{id, value}} with distinct ids (a-z, 0-9, _) and value one of "
                  f"{NAMES}", _values_ok, required=True),
}


def _value(name: str, trace: dict) -> tuple[int, dict[str, Any]]:
    """A value and where it was read (a part's ``source``)."""
    v = trace["values"]
    if name in ("x", "y", "u", "v", "w"):
        if v[name] is None:
            raise GenerationError(f"the trace has no {name}")
        return v[name], {"value": name}
    if name in TOTALS:
        what, _, who = name.partition(".")
        if not lm.connection_over(trace):
            raise GenerationError(f"the {trace['scenario']} trace ends before the connection does")
        mine = [s for s in lm.first_sends(trace) if s["from"] == who]
        if what == "bytes":
            return sum(s["len"] for s in mine), {"bytes_of": who}
        syn = next((s for s in mine if "SYN" in s["flags"]), None)
        if syn is None:
            raise GenerationError(f"{who} sends no SYN here")
        # one past the highest number it used, less its ISN (a repeated SYN uses no more)
        return (max((s["seq"] + s["len"] + ("SYN" in s["flags"]) + ("FIN" in s["flags"])
                     - syn["seq"]) % (1 << 32) for s in mine), {"numbers_of": who})
    if name in SYNS:
        who = name.partition(".")[2]
        count = sum(1 for s in trace["segments"] if s["from"] == who and "SYN" in s["flags"]
                    and not (s.get("old") or s.get("probe")))
        if not count:
            raise GenerationError(f"{who} sends no SYN here")
        return count, {"syns_of": who}
    if name in TIMES:
        what, _, who = name.partition(".")
        ms = _elapsed(trace, what, who)
        return ms, {"elapsed": what, "who": who}
    if name in lm.LANDMARKS or "." in name:
        mark, _, field = name.partition(".")
        seg = segment(trace, mark)
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


def _elapsed(trace: dict, what: str, who: str) -> int:
    """Milliseconds of simulated time (see TIMES)."""
    segs = trace["segments"]
    if what == "closed_after_fin":
        fin = next((s for s in segs if "FIN" in s["flags"]), None)
        if fin is None:
            raise GenerationError("nobody sends a FIN here")
        closed = [e["time"] for e in trace["events"]
                  if e["who"] == who and e["to"] == "CLOSED" and e["time"] >= fin["time"]]
        if not closed:
            raise GenerationError(f"{who} is never CLOSED after the first FIN")
        return round((closed[0] - fin["time"]) * 1000)
    syn = next((s for s in segs if s["from"] == "A" and "SYN" in s["flags"]
                and not (s.get("old") or s.get("probe"))), None)
    if what == "established":
        up = next((e["time"] for e in trace["events"]
                   if e["who"] == who and e["to"] == "ESTABLISHED"), None)
        if syn is None or up is None:
            raise GenerationError(f"{who} is never ESTABLISHED here")
        return round((up - syn["time"]) * 1000)
    data = next((s for s in segs if s["from"] == who and s["len"] and not s["lost"]), None)
    if syn is None or data is None:
        raise GenerationError(f"{who} sends no data here" if syn else "A sends no SYN here")
    delay = (trace.get("options") or {}).get("delay")
    if delay is None:                 # a capture, seen from one point, shows no delay
        raise GenerationError("the trace gives no one-way delay")
    return round((data["time"] - syn["time"]) * 1000) + delay


def generate(entry, trace: dict, rng: random.Random, lang: str) -> Result:
    parts = []
    for item in entry.ask["values"]:
        value, source = _value(item["value"], trace)
        parts.append({"id": item["id"], "kind": "number", "label": item.get("label", item["id"]),
                      "answer": value, "source": source})
    return parts, {}, None
