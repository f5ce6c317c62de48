"""The trace of a run: its segments and state changes, and the textbook values read off them.

x = A's ISN, y = B's ISN, u = seq of the first FIN, v = seq of the peer's segment that
acknowledges u+1, w = seq of the peer's FIN, closer = who sent the first FIN (with a
simultaneous close, A: its FIN is sent first). A value that does not exist is None.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from quizgen.tcp import seq as sq
from quizgen.tcp.script import Script


@dataclass
class Trace:
    scenario: str
    seed: int | None
    options: dict[str, Any]
    isn: dict[str, int]
    steps: list[dict[str, str]]
    values: dict[str, Any]
    segments: list[dict[str, Any]]
    events: list[dict[str, Any]]
    #: What happened in B's SYN queue (a flood, SYNs dropped or answered by a cookie, the
    #: flood's entries given up), in time order; empty unless the script has a flood.
    listener: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, script: Script, segments: list[dict], events: list[dict],
              listener: list[dict] | None = None) -> Trace:
        return cls(scenario=script.scenario, seed=script.seed, options=script.options.as_dict(),
                   isn=dict(script.isn), steps=[s.as_dict() for s in script.steps],
                   values=textbook_values(segments), segments=segments, events=events,
                   listener=listener or [])

    def to_dict(self) -> dict[str, Any]:
        d = {"scenario": self.scenario, "seed": self.seed, "options": self.options,
             "values": self.values, "segments": self.segments, "events": self.events,
             "isn": self.isn, "steps": self.steps}
        if self.listener:
            d["listener"] = self.listener
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    # ---------------------------------------------------------------- reading it
    def states_after(self) -> list[dict[str, str]]:
        """The states of A and B after each segment is sent (and whatever it caused)."""
        return states_after(self.segments, self.events)


def textbook_values(segments: list[dict]) -> dict[str, Any]:
    def first(pred):
        return next((s for s in segments if pred(s)), None)

    syn_a = first(lambda s: s["from"] == "A" and "SYN" in s["flags"] and not s.get("old"))
    # y is the ISN of B's SYN in this connection, not of its answer to an old duplicate SYN
    stray = {sq.add(s["seq"], 1) for s in segments if s.get("old")}
    syn_b = first(lambda s: s["from"] == "B" and "SYN" in s["flags"] and s["ack"] not in stray)
    fin = first(lambda s: "FIN" in s["flags"])
    values: dict[str, Any] = {"x": syn_a["seq"] if syn_a else None,
                              "y": syn_b["seq"] if syn_b else None,
                              "u": None, "v": None, "w": None, "closer": None}
    if fin:
        closer, peer = fin["from"], "B" if fin["from"] == "A" else "A"
        u = fin["seq"]
        # the ACK of the FIN acknowledges its data too: u + len + 1
        ack_of_fin = first(lambda s: s["from"] == peer and s["ack"] == sq.add(u, fin["len"] + 1))
        peer_fin = first(lambda s: s["from"] == peer and "FIN" in s["flags"])
        values.update(u=u, closer=closer, v=ack_of_fin["seq"] if ack_of_fin else None,
                      w=peer_fin["seq"] if peer_fin else None)
    return values


def states_after(segments: list[dict], events: list[dict]) -> list[dict[str, str]]:
    state = {"A": "CLOSED", "B": "CLOSED"}
    out, i = [], 0
    ordered = sorted(events, key=lambda e: e["time"])
    for seg in segments:
        # everything that happened up to and including this segment's send time
        while i < len(ordered) and ordered[i]["time"] <= seg["time"]:
            state[ordered[i]["who"]] = ordered[i]["to"]
            i += 1
        out.append(dict(state))
    return out


def format_table(trace: Trace) -> str:
    """A readable table of the trace, naming seq and ack by x, y, u, v, w where they match."""
    v = trace.values
    names = _value_names(v)
    rows = [("n", "time", "dir", "flags", "seq", "ack", "len", "note")]
    for s in trace.segments:
        arrow = "A -> B" if s["from"] == "A" else "A <- B"
        rows.append((str(s["n"]), f"{s['time']:.3f}", arrow, ",".join(s["flags"]),
                     _named(s["seq"], names), "-" if s["ack"] is None else _named(s["ack"], names),
                     str(s["len"]), "lost" if s["lost"] else "old duplicate" if s.get("old")
                     else "probe" if s.get("probe") else ""))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = [f"scenario {trace.scenario}" + (f", seed {trace.seed}" if trace.seed is not None else "")
             + "  " + "  ".join(f"{k}={v[k]}" for k in ("x", "y", "u", "v", "w", "closer")
                                if v[k] is not None)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.append("")
    if trace.listener:
        lines.append("B's SYN queue:")
        for e in trace.listener:
            lines.append(f"  {e['time']:>9.3f}  " + _listener_line(e))
        lines.append("")
    lines.append("state changes:")
    for e in trace.events:
        via = f" (segment {e['segment']})" if e["segment"] else ""
        before = "?" if e["from"] is None else e["from"]    # a capture's first state is unknown
        lines.append(f"  {e['time']:>9.3f}  {e['who']}  {before} -> {e['to']}  [{e['cause']}{via}]")
    return "\n".join(lines)


def _listener_line(e: dict[str, Any]) -> str:
    if e["event"] == "flood":
        return (f"{e['count']} SYNs from forged addresses: {e['queued']} queued "
                f"(queue {e['queue']}), each held {e['held']:g} s")
    if e["event"] == "given up":
        return f"{e['count']} forged half-open connections given up"
    what = "answered by a SYN cookie" if e["event"] == "cookie" else "dropped: the queue is full"
    return f"segment {e['segment']} {what} (queue {e['queue']})"


def _value_names(values: dict[str, Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for key in ("x", "y", "u", "w", "v"):
        base = values.get(key)
        if base is None:
            continue
        names.setdefault(base, key)
        names.setdefault(sq.add(base, 1), f"{key}+1")
    return names


def _named(value: int, names: dict[int, str]) -> str:
    return f"{value} ({names[value]})" if value in names else str(value)
