"""Reading the fields of a registered page against its layout: the bubbles' darkness turned
into answers, and everything that cannot be called without a guess flagged.

The fill measure is calibrated per page: ``empty`` is the median bubble's darkness (most
bubbles of a sheet are empty; it holds the paper, the scanner's grey and the ring's blur),
``full`` the darkness of the page's darkest bubbles (the 95th percentile of those clearly
darker than empty, or empty + :data:`NOMINAL_FULL` when none is). A bubble is

* ``marked`` when it is at least :data:`MARKED` of the way from empty to full *and* at least
  :data:`MIN_INK` darker than empty (a page of light marks is not calibrated into dark ones);
* ``empty`` when it is under :data:`EMPTY` of the way (an erasure leaves more than that);
* ``unclear`` in between: a light mark, a tick, an erasure.

A group (a row, a digit column) reads as the value of its one marked bubble, as nothing when
none is marked, and is flagged when one is unclear or two are marked in a single-answer
group. A field is flagged if any of its groups is; a digit field also when a column inside
the number is empty. Nothing flagged is ever turned into an answer here: it goes to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from quizgen.scan.image import (PX_PER_MM, Registered, align_field, darkness, ink_map,
                                ring_contrast)
from quizgen.sheets.layout import BUBBLE_R, Field, Page

MARKED = 0.55
EMPTY = 0.12
MIN_INK = 0.30
NOMINAL_FULL = 0.60
#: Rings must be this much darker than the paper beside them for the page to count as read
#: against its layout.
MIN_RING = 0.05


@dataclass
class FieldReading:
    field: Field
    value: str | None                 # the answer read ("B", "AC", "2861", "t"), None: none
    problem: str = ""                 # why it needs a person: "" if it needs none
    levels: list[list[float]] = field(default_factory=list)   # per group, per bubble (0..1)
    states: list[list[str]] = field(default_factory=list)     # marked | empty | unclear


@dataclass
class PageReading:
    fields: list[FieldReading]
    empty: float
    full: float
    ring: float


def read_page(reg: Registered, page: Page) -> PageReading:
    ink = ink_map(reg)
    r_in = 0.72 * BUBBLE_R * PX_PER_MM
    ring = BUBBLE_R * PX_PER_MM
    raw: list[tuple[Field, list[np.ndarray]]] = []
    everything = []
    all_centres = []
    for f in page.fields:
        centres = np.array([(b.x * PX_PER_MM, b.y * PX_PER_MM) for g in f.groups for b in g],
                           dtype=np.float64)
        dx, dy = align_field(ink, centres, ring)
        centres = centres + (dx, dy)
        all_centres.append(centres)
        levels = darkness(ink, centres, r_in)
        groups, k = [], 0
        for g in f.groups:
            groups.append(levels[k:k + len(g)])
            k += len(g)
        raw.append((f, groups))
        everything.append(levels)
    if not raw:
        return PageReading([], 0.0, 1.0, 1.0)
    levels = np.concatenate(everything)
    levels = np.nan_to_num(levels, nan=1.0)
    ring_score = ring_contrast(ink, np.concatenate(all_centres), ring)
    empty = float(np.median(levels))
    dark = levels[levels > empty + MIN_INK]
    full = float(np.percentile(dark, 95)) if len(dark) else empty + NOMINAL_FULL
    full = max(full, empty + NOMINAL_FULL * 0.75)
    readings = [_field(f, groups, empty, full) for f, groups in raw]
    return PageReading(readings, empty, full, ring_score)


def _state(level: float, empty: float, full: float) -> str:
    if np.isnan(level):
        return "unclear"
    share = (level - empty) / (full - empty)
    if share >= MARKED and level - empty >= MIN_INK:
        return "marked"
    if share < EMPTY:
        return "empty"
    return "unclear"


def _field(f: Field, groups: list[np.ndarray], empty: float, full: float) -> FieldReading:
    states = [[_state(float(v), empty, full) for v in g] for g in groups]
    reading = FieldReading(f, None, levels=[[round(float(v), 3) for v in g] for g in groups],
                           states=states)
    values: list[str | None] = []
    problems: list[str] = []
    for group, st in zip(f.groups, states):
        marked = [b.value for b, s in zip(group, st) if s == "marked"]
        unclear = [b.value for b, s in zip(group, st) if s == "unclear"]
        if unclear:
            problems.append(f"unclear mark at {', '.join(unclear)}")
        if len(marked) > 1 and not f.multiple:
            problems.append(f"two or more marks ({', '.join(marked)})")
        values.append("".join(marked) if marked else None)
    if f.kind in ("digits", "id"):
        present = [k for k, v in enumerate(values) if v is not None]
        if present and any(values[k] is None for k in range(present[0], present[-1] + 1)):
            problems.append("an empty column inside the number")
    if problems:
        reading.problem = "; ".join(dict.fromkeys(problems))
    if f.kind in ("digits", "id", "order"):
        text = "".join(v or "" for v in values)
        reading.value = text or None
        if f.kind == "order" and text and len(text) < len(values):
            reading.value = "".join(v or "?" for v in values)
    else:
        reading.value = values[0] if values else None
    if f.kind == "score" and reading.value is None and not reading.problem:
        reading.problem = "no score filled in"
    return reading


def shown(reading: FieldReading) -> str:
    """The reading as a person reads it: the value, "(blank)" or the bubbles in doubt."""
    value = reading.value if reading.value is not None else "(blank)"
    return f"{value} — {reading.problem}" if reading.problem else value
