"""Ladder (sequence) diagrams of a trace: SVG for papers and keys, plain text for terminals.

Both drawings come from one layout (:func:`layout`): the segments a diagram request names,
each an arrow from its sender's timeline to its receiver's, labelled textbook style
(``SYN=1, ACK=1, seq=5000, ack=4294967291``), and the states written beside the timelines
where they change. Fields named in the request's ``blanks`` are empty boxes in the student's
version and hold the answer in the key (``reveal=True``). Output depends only on the input.
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

from quizgen.render.fonts import FONT_STACK
from quizgen.i18n import words as strings
from quizgen.questions.data import answer_text

SIDES = ("A", "B")
STATE_FIELDS = {"state_A": "A", "state_B": "B"}
SEGMENT_FIELDS = ("flags", "seq", "ack", "len")

# What a blank box must hold, per field (sizes the box; never the answer itself).
_BOX_SAMPLE = {"flags": "SYN=1, ACK=1", "seq": "0000000000", "ack": "0000000000",
               "len": "0000000000", "state_A": "SYN-RECEIVED", "state_B": "SYN-RECEIVED"}

_GAP_TIME = 1.0      # rows between two instants of the trace
_GAP_SAME = 0.5      # rows between two sends of one host at the same instant
_TRAIL_STEP = 0.8    # rows before a state change after the last segment (a timer)
_INITIAL = -0.55     # where the states before the first shown segment are written


@dataclass(frozen=True)
class Blank:
    part: str | None
    answer: str | None        # None in the student's version
    sample: str               # what the box must be wide enough for


@dataclass(frozen=True)
class Field:
    name: str                 # flags, seq, ack, len
    prefix: str               # "seq=" ("" for flags)
    value: str
    blank: Blank | None = None


@dataclass(frozen=True)
class Arrow:
    n: int
    src: str
    dst: str
    lost: bool
    row: int                  # its line in the text ladder (shown segments in send order)
    fields: tuple[Field, ...]
    start: int = 0            # the instant it is sent at (an index of Ladder.times)
    end: int = 0              # the instant it arrives at (for a lost one: would arrive)
    old: bool = False         # of an earlier connection: it comes out of the network, not
                              # from the sender's line (drawn dashed, from between the lines)


@dataclass
class StateMark:
    side: str
    at: int                   # the instant of the change (-1: the states before the diagram)
    line: int                 # text line: -1 top, k the k-th arrow, then trailing lines
    text: str
    blank: Blank | None = None


@dataclass
class Ladder:
    """A diagram in time: ``times`` are the instants (sends, arrivals, state changes) in
    order; ``gaps[i]`` is the room in rows between instant i-1 and instant i."""
    lang: str
    arrows: list[Arrow]
    marks: list[StateMark] = field(default_factory=list)
    times: list[tuple[float, int]] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)

    def pos(self, at: int) -> float:
        """The vertical position (in rows) of an instant."""
        return _INITIAL if at < 0 else sum(self.gaps[1:at + 1])

    @property
    def last_line(self) -> int:
        return max([len(self.arrows) - 1] + [m.line for m in self.marks])

    @property
    def last_pos(self) -> float:
        return self.pos(len(self.times) - 1) if self.times else 0.0


# ----------------------------------------------------------------------------- layout
def layout(source: Mapping[str, Any], request: Mapping[str, Any] | None = None, *,
           reveal: bool = False, lang: str | None = None) -> Ladder:
    """The diagram of a Question (``source`` has ``trace`` and ``diagram``) or of a trace
    and a diagram request. A question's blanks show its parts' answers when revealed.

    Arrows are placed in time: each leaves its sender at its send time and reaches the
    receiver at its arrival time (read off the receiver's state change, or the trace's
    one-way delay), so segments in flight together cross; every state is written at the
    time of its change."""
    if "trace" in source:
        trace, request = source["trace"], request or source.get("diagram")
        lang = lang or source.get("lang")
        answers = {p["id"]: _part_answer(p) for p in source.get("parts", ())}
    else:
        trace, answers = source, {}
    if not request:
        raise ValueError("no diagram request: the question has no diagram")
    lang = lang or "en"
    by_n = {s["n"]: s for s in trace["segments"]}
    missing = [n for n in request["segments"] if n not in by_n]
    if missing:
        raise ValueError(f"diagram asks for segments {missing} that the trace does not have")
    shown = sorted((by_n[n] for n in request["segments"]),
                   key=lambda s: (s["time"], s["n"]))
    blanks: dict[tuple[int, str], str | None] = {
        (b["segment"], b["field"]): b.get("part") for b in request.get("blanks", ())}

    def blank_for(n: int, name: str, value: str) -> Blank | None:
        if (n, name) not in blanks:
            return None
        part = blanks[(n, name)]
        answer = (answers.get(part) or value) if reveal else None
        return Blank(part, answer, _BOX_SAMPLE[name])

    events = trace["events"]
    sends, arrivals = _instants(trace, shown)
    window = _window(events, shown)
    keys = set(sends.values()) | set(arrivals.values())
    marked = [(i, e) for i, e in window]
    for i, e in marked:
        keys.add(_event_key(e, sends, arrivals, by_n))
    times = sorted(keys)
    index = {k: i for i, k in enumerate(times)}
    arrows = [Arrow(n=s["n"], src=s["from"], dst=s["to"], lost=bool(s.get("lost")), row=k,
                    old=bool(s.get("old")),
                    fields=tuple(Field(name, prefix, value, blank_for(s["n"], name, value))
                                 for name, prefix, value in _fields(s)),
                    start=index[sends[s["n"]]], end=index[arrivals[s["n"]]])
              for k, s in enumerate(shown)]
    ladder = Ladder(lang=lang, arrows=arrows, times=times, gaps=_gaps(times, arrows))
    if request.get("show_states", True):
        ladder.marks = _state_marks(ladder, events, window, sends, arrivals, by_n, index)
    for (n, name), part in blanks.items():
        if name in STATE_FIELDS:
            _blank_state(ladder, n, STATE_FIELDS[name],
                         lambda state, name=name, n=n: blank_for(n, name, state))
    return ladder


def _instants(trace: Mapping[str, Any], shown: list[Mapping[str, Any]]
              ) -> tuple[dict[int, tuple[float, int]], dict[int, tuple[float, int]]]:
    """Each shown segment's send and arrival instant, as (time, k): k counts the host's
    earlier sends at the same time, so two segments sent at once are drawn one below the
    other. An arrival is the receiver's state change for the segment, or the send time plus
    the trace's one-way delay (the least seen); a trace that shows none (a capture, seen
    from one point) has each segment arrive when the next one leaves."""
    received = {(e.get("segment"), e["who"]): e["time"] for e in trace["events"]
                if e.get("segment") is not None and e.get("cause") == "receive"}
    delays = [received[(s["n"], s["to"])] - s["time"] for s in trace["segments"]
              if (s["n"], s["to"]) in received and received[(s["n"], s["to"])] > s["time"]]
    delay = min(delays) if delays else None
    sends: dict[int, tuple[float, int]] = {}
    count: dict[tuple[str, float], int] = {}
    for s in shown:
        k = count.get((s["from"], s["time"]), 0)
        count[(s["from"], s["time"])] = k + 1
        sends[s["n"]] = (s["time"], k)
    later = sorted({s["time"] for s in shown})
    arrivals: dict[int, tuple[float, int]] = {}
    for s in shown:
        t = received.get((s["n"], s["to"]))
        if t is None or t <= s["time"]:
            if delay is not None:
                t = s["time"] + delay
            else:
                t = next((u for u in later if u > s["time"]), s["time"] + 1.0)
        arrivals[s["n"]] = (round(t, 6), sends[s["n"]][1])
    return sends, arrivals


def _window(events: list[Mapping[str, Any]], shown: list[Mapping[str, Any]]
            ) -> list[tuple[int, Mapping[str, Any]]]:
    """The state changes the diagram writes: from the first tied to a shown segment to the
    last, and the timers that follow it (TIME-WAIT -> CLOSED)."""
    numbers = {s["n"] for s in shown}
    anchored = [i for i, e in enumerate(events) if e.get("segment") in numbers]
    if not anchored:
        return []
    first, end = anchored[0], anchored[-1] + 1
    while end < len(events) and events[end].get("segment") is None:
        end += 1
    return list(enumerate(events))[first:end]


def _event_key(e: Mapping[str, Any], sends, arrivals, by_n) -> tuple[float, int]:
    n = e.get("segment")
    if n in sends:
        return sends[n] if by_n[n]["from"] == e["who"] else arrivals[n]
    return (round(e["time"], 6), 0)


def _gaps(times: list[tuple[float, int]], arrows: list[Arrow]) -> list[float]:
    last_arrival = max((a.end for a in arrows), default=-1)
    gaps = [0.0]
    for i in range(1, len(times)):
        same = times[i][0] == times[i - 1][0]
        gaps.append(_GAP_SAME if same else _TRAIL_STEP if i > last_arrival else _GAP_TIME)
    return gaps


def _fields(seg: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    out = [("flags", "", ", ".join(f"{flag}=1" for flag in seg["flags"]))]
    out.append(("seq", "seq=", str(seg["seq"])))
    if seg.get("ack") is not None:
        out.append(("ack", "ack=", str(seg["ack"])))
    if seg.get("len"):
        out.append(("len", "len=", str(seg["len"])))
    return out


def _part_answer(part: Mapping[str, Any]) -> str | None:
    """What a blank of the diagram shows in the key: the part's answer text (a single answer:
    a multiple choice or an order has no one label)."""
    if part.get("kind") in ("order",) or part.get("multiple"):
        return None
    return answer_text(part, "en") if part.get("kind") != "truefalse" else None


def _state_marks(ladder: Ladder, events, window, sends, arrivals, by_n, index
                 ) -> list[StateMark]:
    state = {"A": "CLOSED", "B": "CLOSED"}
    first = window[0][0] if window else len(events)
    for e in events[:first]:
        state[e["who"]] = e["to"]
    marks = [StateMark(side, -1, -1, state[side]) for side in SIDES]
    if not window:
        return marks
    # text lines: a change on the line of the arrow it goes with (the one sent, or the one
    # that arrived), never above an earlier change of the same host; changes after the last
    # arrow on lines of their own, one an instant
    send_line = {a.n: a.row for a in ladder.arrows}
    last_arrow_line = len(ladder.arrows) - 1
    trailing: dict[int, int] = {}
    latest = {side: -1 for side in SIDES}
    for _, e in window:
        at = index[_event_key(e, sends, arrivals, by_n)]
        n = e.get("segment")
        if n in send_line:
            line = send_line[n]
        elif at > max(a.end for a in ladder.arrows):
            line = trailing.setdefault(at, last_arrow_line + 1 + len(trailing))
        else:
            line = max([a.row for a in ladder.arrows if ladder.arrows and a.start <= at],
                       default=0)
        line = max(line, latest[e["who"]])
        latest[e["who"]] = line
        marks.append(StateMark(e["who"], at, line, e["to"]))
    marks.sort(key=lambda m: (m.at, SIDES.index(m.side)))
    return marks


def _blank_state(ladder: Ladder, n: int, side: str, make_blank) -> None:
    """Blank the state ``side`` enters at segment ``n`` (or is in, when it does not change);
    ``make_blank(state)`` makes the blank given the state the trace shows there."""
    a = next(a for a in ladder.arrows if a.n == n)
    at = a.start if a.src == side else a.end
    mine = [m for m in ladder.marks if m.side == side]
    here = [m for m in mine if m.at == at]
    if here:
        here[0].blank = make_blank(here[0].text)
        return
    before = [m for m in mine if m.at <= at]
    current = before[-1].text if before else "CLOSED"
    line = max([a.row] + [m.line for m in before])
    ladder.marks.append(StateMark(side, at, line, current, make_blank(current)))
    ladder.marks.sort(key=lambda m: (m.at, SIDES.index(m.side)))


# ------------------------------------------------------------------------------ metrics
def _em(ch: str) -> float:
    """Advance width of ``ch`` in em, a little generous (Noto Serif CJK's Latin)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch.isdigit():
        return 0.56
    if ch.isupper():
        return 0.74
    if ch.islower():
        return 0.57
    return {" ": 0.26, ",": 0.33, ".": 0.3, ":": 0.3, "=": 0.58, "-": 0.36, "(": 0.37,
            ")": 0.37, "[": 0.35, "]": 0.35}.get(ch, 0.6)


def text_width(text: str, size: float) -> float:
    return sum(_em(ch) for ch in text) * size


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# ---------------------------------------------------------------------------------- SVG
_W, _XA, _XB = 600.0, 126.0, 474.0
_ROW, _Y0, _TOP = 40.0, 78.0, 34.0
_SIZE, _SMALL = 11.5, 9.0
_BOX_H, _PAD, _GAP = 15.0, 3.0, 2.5
_INK, _KEY_INK, _GREY = "#000", "#b00000", "#555"


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _y(pos: float) -> float:
    return _Y0 + pos * _ROW


def _x(side: str) -> float:
    return _XA if side == "A" else _XB


def _box_width(blank: Blank) -> float:
    wide = max([blank.sample] + ([blank.answer] if blank.answer else []), key=lambda t:
               text_width(t, _SIZE))
    return text_width(wide, _SIZE) + 2 * _PAD + 2


def _svg_box(x: float, baseline: float, blank: Blank) -> tuple[str, float]:
    """A blank's box with its left edge at ``x``; returns (svg, width)."""
    w = _box_width(blank)
    top = baseline - _BOX_H + 3.5
    attrs = f'data-part="{html.escape(blank.part or "", quote=True)}"'
    out = [f'<g class="qg-ladder-blank" {attrs}>',
           f'<rect x="{_num(x)}" y="{_num(top)}" width="{_num(w)}" height="{_num(_BOX_H)}" '
           f'fill="#fff" stroke="{_INK}" stroke-width="0.8"/>']
    if blank.answer is not None:
        out.append(f'<text x="{_num(x + w / 2)}" y="{_num(baseline)}" text-anchor="middle" '
                   f'fill="{_KEY_INK}" font-weight="bold">{html.escape(blank.answer)}</text>')
    out.append("</g>")
    return "".join(out), w


def _svg_run(items: list[str | Blank], baseline: float, center: float,
             anchor_end_at: float | None = None) -> str:
    """Text runs and boxes on one baseline, centred on ``center``. A run is pinned to the
    box after it (anchor end) or before it (anchor start), so estimates never overlap."""
    if not any(isinstance(i, Blank) for i in items):
        text = "".join(i for i in items if isinstance(i, str))
        return (f'<text x="{_num(center)}" y="{_num(baseline)}" text-anchor="middle">'
                f"{html.escape(text)}</text>")
    widths = [_box_width(i) + 2 * _GAP if isinstance(i, Blank) else text_width(i, _SIZE)
              for i in items]
    x = center - sum(widths) / 2 if anchor_end_at is None else anchor_end_at - sum(widths)
    out = []
    for k, (item, w) in enumerate(zip(items, widths)):
        if isinstance(item, Blank):
            out.append(_svg_box(x + _GAP, baseline, item)[0])
        elif k + 1 < len(items) and isinstance(items[k + 1], Blank):
            out.append(f'<text x="{_num(x + w)}" y="{_num(baseline)}" text-anchor="end">'
                       f"{html.escape(item)}</text>")
        else:
            out.append(f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="start">'
                       f"{html.escape(item)}</text>")
        x += w
    return "".join(out)


def _label_items(fields: tuple[Field, ...]) -> list[str | Blank]:
    items: list[str | Blank] = []
    for k, f in enumerate(fields):
        sep = ", " if k else ""
        parts: list[str | Blank] = [sep + f.prefix, f.blank] if f.blank else [sep + f.prefix + f.value]
        for p in parts:
            if isinstance(p, str) and items and isinstance(items[-1], str):
                items[-1] += p
            elif p != "":
                items.append(p)
    return items


def _label_lines(fields: tuple[Field, ...], lines: int) -> list[list[str | Blank]]:
    """The label in ``lines`` lines (1, 2 or one field a line), broken after a comma."""
    if lines == 1 or len(fields) == 1:
        return [_label_items(fields)]
    if lines == 2:
        cut = max(1, len(fields) // 2) if len(fields) > 2 else 1
        groups = [fields[:cut], fields[cut:]]
    else:
        groups = [fields[k:k + 1] for k in range(len(fields))]
    out = []
    for k, group in enumerate(groups):
        items = _label_items(group)
        if k + 1 < len(groups):            # the comma (and space) the break replaced
            if items and isinstance(items[-1], str):
                items[-1] += ", "
            else:
                items.append(", ")
        out.append(items)
    return out


def _run_width(items: list[str | Blank]) -> float:
    return sum(_box_width(i) + 2 * _GAP if isinstance(i, Blank) else text_width(i, _SIZE)
               for i in items)


def _arrowhead(x: float, y: float, ux: float, uy: float) -> str:
    bx, by, nx, ny = x - 9 * ux, y - 9 * uy, -uy * 3.4, ux * 3.4
    pts = " ".join(f"{_num(px)},{_num(py)}" for px, py in
                   ((x, y), (bx + nx, by + ny), (bx - nx, by - ny)))
    return f'<polygon points="{pts}" fill="{_INK}"/>'


# ------------------------------------------------------------------ placing the labels
_LINE_H = 14.0                          # between the lines of a label
_LOST_AT = 0.62                         # how far a lost segment gets before its cross
_OLD_FROM = 0.3                         # where an old segment enters, as a share of the way


@dataclass(frozen=True)
class _Quad:
    """A rectangle turned by ``angle`` about ``(cx, cy)``: its local box is x0..x1, y0..y1."""
    cx: float
    cy: float
    cos: float
    sin: float
    x0: float
    x1: float
    y0: float
    y1: float

    def local(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.cx, y - self.cy
        return dx * self.cos + dy * self.sin, -dx * self.sin + dy * self.cos

    def corners(self) -> list[tuple[float, float]]:
        return [(self.cx + x * self.cos - y * self.sin, self.cy + x * self.sin + y * self.cos)
                for x, y in ((self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1),
                             (self.x0, self.y1))]

    def hits_segment(self, p: tuple[float, float], q: tuple[float, float]) -> bool:
        """Whether the segment p-q passes through the rectangle (Liang-Barsky clipping)."""
        (ax, ay), (bx, by) = self.local(*p), self.local(*q)
        dx, dy = bx - ax, by - ay
        lo, hi = 0.0, 1.0
        for pk, qk in ((-dx, ax - self.x0), (dx, self.x1 - ax), (-dy, ay - self.y0),
                       (dy, self.y1 - ay)):
            if pk == 0:
                if qk < 0:
                    return False
            else:
                t = qk / pk
                if pk < 0:
                    lo = max(lo, t)
                else:
                    hi = min(hi, t)
                if lo > hi:
                    return False
        return True

    def hits(self, other: _Quad) -> bool:
        """Separating axes: the two rectangles overlap unless an edge direction splits them."""
        mine, theirs = self.corners(), other.corners()
        for quad in (self, other):
            for ux, uy in ((quad.cos, quad.sin), (-quad.sin, quad.cos)):
                a = [x * ux + y * uy for x, y in mine]
                b = [x * ux + y * uy for x, y in theirs]
                if max(a) <= min(b) or max(b) <= min(a):
                    return False
        return True


@dataclass(frozen=True)
class _Placed:
    arrow: Arrow
    x1: float
    y1: float
    x2: float                      # where the shaft ends (a lost one: at its cross)
    y2: float
    head: tuple[float, float]      # where the arrow would arrive
    lines: tuple[tuple[str | Blank, ...], ...]
    t: float                       # the label's centre, as a share of the arrow
    above: bool
    box: _Quad
    number: _Quad


def _candidates():
    for lines in (1, 2, 3):
        for t in (0.5, 0.36, 0.64, 0.26, 0.74, 0.18, 0.82):
            for above in (True, False):
                yield lines, t, above


def _shaft(ladder: Ladder, a: Arrow) -> tuple[float, float, float, float, float, float]:
    x1, x2 = _x(a.src), _x(a.dst)
    y1, y2 = _y(ladder.pos(a.start)), _y(ladder.pos(a.end))
    if a.old:         # held up in the network: it enters the diagram between the two lines
        x1 = x1 + _OLD_FROM * (x2 - x1)
    if a.lost:
        return x1, y1, x1 + _LOST_AT * (x2 - x1), y1 + _LOST_AT * (y2 - y1), x2, y2
    return x1, y1, x2, y2, x2, y2


def _label_quad(x1, y1, hx, hy, lines, t, above) -> _Quad:
    """Where a label goes: along the arrow, its centre at ``t`` of the way, above or below."""
    length = math.hypot(hx - x1, hy - y1)
    ux, uy = (hx - x1) / length, (hy - y1) / length
    if ux < 0:                                      # read left to right
        ux, uy = -ux, -uy
    cx, cy = x1 + t * (hx - x1), y1 + t * (hy - y1)
    width = max(_run_width(list(items)) for items in lines)
    n = len(lines)
    if above:
        y0, y1_ = -6.0 - _LINE_H * (n - 1) - 12.5, -2.0
    else:
        y0, y1_ = 2.0, 14.0 + _LINE_H * (n - 1) + 4.0
    return _Quad(cx, cy, ux, uy, -width / 2 - 1.5, width / 2 + 1.5, y0, y1_)


def _number_quad(x1, y1, hx, hy) -> _Quad:
    length = math.hypot(hx - x1, hy - y1)
    ux, uy = (hx - x1) / length, (hy - y1) / length
    sx, sy = x1 + 20 * ux, y1 + 20 * uy + 11
    return _Quad(sx, sy - 3, 1.0, 0.0, -11, 11, -5, 4)


def _inside(quad: _Quad) -> bool:
    xs = [x for x, _ in quad.corners()]
    return min(xs) >= _XA + 3 and max(xs) <= _XB - 3


def _place(ladder: Ladder) -> list[_Placed]:
    """Each arrow's label where it touches no other arrow, label or segment number, inside
    the two timelines; when an arrow has no such place, the rows around it are opened up
    and the whole is placed again (at most a few times: then the least crowded place)."""
    for _ in range(8):
        placed, crowded = _try_place(ladder)
        if not crowded:
            return placed
        for a in crowded:
            for i in range(max(1, a.start), min(len(ladder.gaps), a.end + 1)):
                ladder.gaps[i] += 0.35
    return _try_place(ladder, give_up=True)[0]


def _try_place(ladder: Ladder, give_up: bool = False) -> tuple[list[_Placed], list[Arrow]]:
    shafts = {a.n: _shaft(ladder, a) for a in ladder.arrows}
    numbers = {a.n: _number_quad(s[0], s[1], s[4], s[5]) for a, s in
               ((a, shafts[a.n]) for a in ladder.arrows)}
    crosses = [_Quad(s[2], s[3], 1.0, 0.0, -6.5, 6.5, -6.5, 6.5)
               for a, s in ((a, shafts[a.n]) for a in ladder.arrows) if a.lost]
    placed: list[_Placed] = []
    crowded: list[Arrow] = []
    for a in sorted(ladder.arrows, key=lambda a: (ladder.pos(a.start), a.row)):
        x1, y1, x2, y2, hx, hy = shafts[a.n]
        best: tuple[int, _Placed] | None = None
        for lines_n, t, above in _candidates():
            lines = tuple(tuple(items) for items in _label_lines(a.fields, lines_n))
            # along the shaft as drawn: a lost segment's label stays short of its cross
            quad = _label_quad(x1, y1, x2, y2, lines, t, above)
            hits = 0 if _inside(quad) else 10
            hits += sum(1 for c in crosses if quad.hits(c))
            for b in ladder.arrows:
                bx1, by1, bx2, by2, _, _ = shafts[b.n]
                if b.n != a.n and quad.hits_segment((bx1, by1), (bx2, by2)):
                    hits += 1
                if quad.hits(numbers[b.n]):
                    hits += 1
            hits += sum(1 for p in placed if quad.hits(p.box))
            cand = _Placed(a, x1, y1, x2, y2, (hx, hy), lines, t, above, quad, numbers[a.n])
            if hits == 0:
                best = (0, cand)
                break
            if best is None or hits < best[0]:
                best = (hits, cand)
        assert best is not None
        if best[0]:
            crowded.append(a)
            if not give_up:
                continue
        placed.append(best[1])
    return placed, crowded


def _svg_arrow(p: _Placed) -> str:
    a, (x1, y1, x2, y2), (hx, hy) = p.arrow, (p.x1, p.y1, p.x2, p.y2), p.head
    length = math.hypot(hx - x1, hy - y1)
    ux, uy = (hx - x1) / length, (hy - y1) / length
    lost = ' data-lost="true"' if a.lost else ""
    lost += ' data-old="true"' if a.old else ""
    dash = ' stroke-dasharray="5,3"' if a.old else ""
    out = [f'<g class="qg-ladder-seg" data-n="{a.n}" data-from="{a.src}" '
           f'data-to="{a.dst}"{lost}>']
    if a.lost:
        out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                   f'stroke="{_INK}" stroke-width="1"/>')
        c = 5.0
        out.append(f'<path d="M{_num(x2 - c)},{_num(y2 - c)} L{_num(x2 + c)},{_num(y2 + c)} '
                   f'M{_num(x2 - c)},{_num(y2 + c)} L{_num(x2 + c)},{_num(y2 - c)}" '
                   f'stroke="{_INK}" stroke-width="1.6" fill="none" class="qg-ladder-lost"/>')
    else:
        out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2 - 6 * ux)}" '
                   f'y2="{_num(y2 - 6 * uy)}" stroke="{_INK}" stroke-width="1"{dash}/>')
        out.append(_arrowhead(x2, y2, ux, uy))
    # the label, along the arrow, reading left to right, where _place found it room
    angle = math.degrees(math.atan2(p.box.sin, p.box.cos))
    out.append(f'<g class="qg-ladder-label" transform="translate({_num(p.box.cx)},'
               f'{_num(p.box.cy)}) rotate({_num(angle)})">')
    n = len(p.lines)
    for k, items in enumerate(p.lines):
        baseline = (-6.0 - _LINE_H * (n - 1 - k)) if p.above else (14.0 + _LINE_H * k)
        out.append(_svg_run(list(items), baseline, 0.0))
    out.append("</g>")
    # the segment's number, small, below the arrow where it leaves
    out.append(f'<text class="qg-ladder-n" x="{_num(p.number.cx)}" '
               f'y="{_num(p.number.cy + 3)}" text-anchor="middle" '
               f'font-size="{_num(_SMALL)}" fill="{_GREY}">({a.n})</text>')
    out.append("</g>")
    return "".join(out)


def _svg_mark(m: StateMark, y: float) -> str:
    baseline = y + 4
    cls = f'class="qg-ladder-state" data-side="{m.side}"'
    if m.side == "A":
        x = _XA - 7
        inner = (_svg_run([m.blank], baseline, 0.0, anchor_end_at=x + _GAP) if m.blank else
                 f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="end">'
                 f"{html.escape(m.text)}</text>")
    else:
        x = _XB + 7
        inner = (_svg_box(x, baseline, m.blank)[0] if m.blank else
                 f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="start">'
                 f"{html.escape(m.text)}</text>")
    return f"<g {cls}>{inner}</g>"


def ladder_svg(source: Mapping[str, Any], request: Mapping[str, Any] | None = None, *,
               reveal: bool = False, lang: str | None = None) -> str:
    """The ladder diagram as an inline SVG element (pure vector; text in the page's fonts).

    ``source`` is a Question (its ``trace`` and ``diagram`` are drawn, blanks filled with
    its parts' answers) or a trace, with ``request`` the diagram request."""
    ladder = layout(source, request, reveal=reveal, lang=lang)
    words = strings(ladder.lang)
    placed = _place(ladder)
    bottom = max([_y(ladder.last_pos)] + [p.box.corners()[k][1] for p in placed
                                          for k in range(4)])
    height = bottom + 34
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="qg-ladder" '
           f'viewBox="0 0 {_num(_W)} {_num(height)}" width="{_num(_W)}" '
           f'height="{_num(height)}" font-family="{html.escape(FONT_STACK, quote=True)}" '
           f'font-size="{_num(_SIZE)}" fill="{_INK}" role="img">']
    for side in SIDES:
        x = _x(side)
        out.append(f'<text class="qg-ladder-host" x="{_num(x)}" y="{_num(_TOP - 12)}" '
                   f'text-anchor="middle" font-weight="bold" font-size="13">'
                   f'{html.escape(words["host_" + side])}</text>')
        out.append(f'<line x1="{_num(x)}" y1="{_num(_TOP)}" x2="{_num(x)}" '
                   f'y2="{_num(height - 12)}" stroke="{_INK}" stroke-width="1.4"/>')
        out.append(_arrowhead(x, height - 6, 0.0, 1.0))
    out.append(f'<text x="{_num(_XB + 10)}" y="{_num(height - 8)}" font-size="{_num(_SMALL)}" '
               f'fill="{_GREY}">{html.escape(words["time"])}</text>')
    out.extend(_svg_arrow(p) for p in sorted(placed, key=lambda p: p.arrow.row))
    placed_y: dict[str, float] = {}
    for m in sorted(ladder.marks, key=lambda m: (m.at, SIDES.index(m.side))):
        y = max(_y(ladder.pos(m.at)), placed_y.get(m.side, -1e9) + 15)  # one state a line
        placed_y[m.side] = y
        out.append(_svg_mark(m, y))
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------------- text
def _text_blank(blank: Blank) -> str:
    width = max(10, len(blank.answer or ""))
    return f"[{(blank.answer or '').center(width, ' ') if blank.answer else '_' * width}]"


def _text_label(fields: tuple[Field, ...]) -> str:
    return "".join(i if isinstance(i, str) else _text_blank(i) for i in _label_items(fields))


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


TEXT_WIDTH = 79           # columns of the text ladder: an 80-column terminal, less one


def ladder_text(source: Mapping[str, Any], request: Mapping[str, Any] | None = None, *,
                reveal: bool = False, lang: str | None = None) -> str:
    """The same diagram as plain text for a terminal: one line per segment, the states of
    A on the left and of B on the right; ``×`` ends a lost segment, and a segment of an
    earlier connection comes out of the network, starting between the lines, drawn ``~~>``."""
    ladder = layout(source, request, reveal=reveal, lang=lang)
    words = strings(ladder.lang)
    labels = {a.row: f" ({a.n}) {_text_label(a.fields)} " for a in ladder.arrows}

    def state_text(m: StateMark) -> str:
        return _text_blank(m.blank) if m.blank else m.text

    left = max([display_width(words["host_A"])] +
               [display_width(state_text(m)) for m in ladder.marks if m.side == "A"]) + 1
    right = max([display_width(words["host_B"])] +
                [display_width(state_text(m)) for m in ladder.marks if m.side == "B"])
    # the whole fits TEXT_WIDTH columns (a terminal wraps a longer line mid-word): an arrow
    # whose label does not fit on it gets the label on a line of its own above it
    room = max(24, TEXT_WIDTH - left - right - 4)
    inner = min(room, max([44] + [display_width(t) + 8 for t in labels.values()]))
    above = {n: label for n, label in labels.items() if display_width(label) + 8 > inner}
    for n in above:
        labels[n] = ""
    lines_state: dict[int, dict[str, list[str]]] = {}
    for m in ladder.marks:
        lines_state.setdefault(m.line, {"A": [], "B": []})[m.side].append(state_text(m))

    def row(a_text: str, middle: str, b_text: str, bar: str = "|") -> str:
        return (_pad(a_text, left, True) + " " + bar + middle + bar + " " + b_text).rstrip()

    out = [row(words["host_A"], " " * inner, words["host_B"], bar=" ")]
    for line in range(-1, ladder.last_line + 1):
        states = lines_state.get(line, {"A": [], "B": []})
        arrow = next((a for a in ladder.arrows if a.row == line), None)
        a_states, b_states = list(states["A"]), list(states["B"])
        if line in above:
            for text in _wrap_label(above[line].strip(), inner):
                pad = max(inner - display_width(text), 0)
                out.append(row("", " " * (pad // 2) + text + " " * (pad - pad // 2), ""))
        middle = " " * inner if arrow is None else _text_arrow(arrow, labels[line], inner)
        out.append(row(a_states.pop(0) if a_states else "", middle,
                       b_states.pop(0) if b_states else ""))
        for other in _crossed(ladder, arrow) if arrow else ():   # one line can't cross
            note = words["in_flight"].format(a=other.n, b=arrow.n)
            pad = max(inner - display_width(note), 0)
            out.append(row(a_states.pop(0) if a_states else "",
                           " " * (pad // 2) + note + " " * (pad - pad // 2),
                           b_states.pop(0) if b_states else ""))
        while a_states or b_states:  # a second change on one line
            out.append(row(a_states.pop(0) if a_states else "", " " * inner,
                           b_states.pop(0) if b_states else ""))
    out.append(row("", " " * inner, "", bar="v"))
    return "\n".join(out) + "\n"


def _crossed(ladder: Ladder, arrow: Arrow) -> list[Arrow]:
    """The arrows drawn above ``arrow`` in the text that are in flight with it the other
    way: in the picture they cross."""
    return [a for a in ladder.arrows if a.row < arrow.row and a.src != arrow.src
            and a.start < arrow.end and arrow.start < a.end]


def _wrap_label(text: str, width: int) -> list[str]:
    """A segment's label in lines of at most ``width`` columns, broken after its commas."""
    lines: list[str] = []
    for piece in text.split(", "):
        if lines and display_width(lines[-1]) + 2 + display_width(piece) <= width:
            lines[-1] += ", " + piece
        else:
            if lines:
                lines[-1] += ","
            lines.append(piece)
    return lines


def _text_arrow(a: Arrow, label: str, inner: int) -> str:
    width = display_width(label)
    if a.lost:  # the shaft stops at a × short of the receiver
        shaft = max(width + 4, int(inner * 0.7))
        dashes, gap = "-" * (shaft - width - 2), " " * (inner - shaft - 1)
        return ("--" + label + dashes + "×" + gap if a.src == "A"
                else gap + "×" + dashes + label + "--")
    if a.old:   # out of the network: it starts between the lines, drawn with ~
        lead = " " * int(inner * _OLD_FROM)
        tail = "~" * max(inner - len(lead) - width - 3, 1)
        return (lead + "~~" + label + tail + ">" if a.src == "A"
                else "<" + tail + label + "~~" + lead)[:inner] if width + 3 <= inner else \
            "~~" + label + ">"
    dashes = "-" * (inner - width - 3)
    return "--" + label + dashes + ">" if a.src == "A" else "<" + dashes + label + "--"
