"""Helpers shared by the capture tests: comparing a capture's trace with the simulator's."""

from __future__ import annotations

import json
from pathlib import Path

import dpkt

from quizgen.tcp import simulate
from quizgen.tcp.script import build_script

FIXTURES = Path(__file__).parent / "fixtures"


def expected(name: str):
    return json.loads((FIXTURES / "expected.json").read_text())[name]


def norm_segments(segments: list[dict]) -> list[tuple]:
    """What must agree: sender, flags minus PSH, seq, ack, len (and whether it was lost)."""
    return [(s["from"], frozenset(s["flags"]) - {"PSH"}, s["seq"], s["ack"], s["len"],
             bool(s["lost"])) for s in segments]


def norm_events(events: list[dict]) -> list[tuple]:
    """Who changed from what to what, in order. The 2MSL timer's TIME-WAIT -> CLOSED is not in
    any capture (it happens after it ends): the simulator's timer events are left out."""
    return [(e["who"], e["from"], e["to"]) for e in events if e["cause"] != "timer"]


def simulate_run(run: dict):
    """The simulator's trace of a harness run (its steps, options and ISNs)."""
    doc = {"options": run["options"], "steps": run["steps"],
           "isn": {k: v for k, v in run["isn"].items() if v is not None}}
    return simulate(build_script(doc, source=f"<capture {run['scenario']}>"))


def replay(trace: dict):
    """The simulator's trace of a capture trace's own steps, options and ISNs."""
    options = {k: v for k, v in trace["options"].items() if v is not None}
    doc = {"options": options, "steps": trace["steps"],
           "isn": {k: v for k, v in trace["isn"].items() if v is not None}}
    return simulate(build_script(doc, source="<replay>"))


def diff_table(got: list, want: list) -> str:
    n = max(len(got), len(want))
    got, want = got + [None] * (n - len(got)), want + [None] * (n - len(want))
    return "\n".join(f"{'  ' if g == w else '!!'} {i + 1:>2} capture {g!s:<70} sim {w}"
                     for i, (g, w) in enumerate(zip(got, want)))


def assert_agrees(trace: dict, sim) -> None:
    got, want = norm_segments(trace["segments"]), norm_segments(sim.segments)
    assert got == want, "segments differ:\n" + diff_table(got, want)
    got, want = norm_events(trace["events"]), norm_events(sim.events)
    assert got == want, "state changes differ:\n" + diff_table(got, want)


def pcap_frames(path: Path) -> tuple[int, list[tuple[float, bytes]]]:
    """The link type and (time, frame) records of a classic pcap file, read by dpkt."""
    with open(path, "rb") as f:
        r = dpkt.pcap.Reader(f)
        return r.datalink(), [(float(ts), bytes(buf)) for ts, buf in r]


def without_capture_keys(trace: dict) -> dict:
    """The trace minus what names the file it came from."""
    return {k: v for k, v in trace.items() if k not in ("capture", "scenario")}
