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

_DROP = 0.65          # how far (in rows) a segment falls while it crosses
_TRAIL_STEP = 0.8     # rows between state changes after the last segment


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
    row: int
    fields: tuple[Field, ...]


@dataclass
class StateMark:
    side: str
    pos: float                # in rows: 0 is the send of the first shown segment
    line: int                 # text line: -1 top, k the k-th arrow, then trailing lines
    text: str
    blank: Blank | None = None


@dataclass
class Ladder:
    lang: str
    arrows: list[Arrow]
    marks: list[StateMark] = field(default_factory=list)

    @property
    def last_line(self) -> int:
        return max([len(self.arrows) - 1] + [m.line for m in self.marks])

    @property
    def last_pos(self) -> float:
        return max([len(self.arrows) - 1 + _DROP] + [m.pos for m in self.marks])


# ----------------------------------------------------------------------------- layout
def layout(source: Mapping[str, Any], request: Mapping[str, Any] | None = None, *,
           reveal: bool = False, lang: str | None = None) -> Ladder:
    """The diagram of a Question (``source`` has ``trace`` and ``diagram``) or of a trace
    and a diagram request. A question's blanks show its parts' answers when revealed."""
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
    shown = [by_n[n] for n in request["segments"]]
    blanks: dict[tuple[int, str], str | None] = {
        (b["segment"], b["field"]): b.get("part") for b in request.get("blanks", ())}

    def blank_for(n: int, name: str, value: str) -> Blank | None:
        if (n, name) not in blanks:
            return None
        part = blanks[(n, name)]
        answer = (answers.get(part) or value) if reveal else None
        return Blank(part, answer, _BOX_SAMPLE[name])

    arrows = [Arrow(n=s["n"], src=s["from"], dst=s["to"], lost=bool(s.get("lost")), row=k,
                    fields=tuple(Field(name, prefix, value, blank_for(s["n"], name, value))
                                 for name, prefix, value in _fields(s)))
              for k, s in enumerate(shown)]
    ladder = Ladder(lang=lang, arrows=arrows)
    if request.get("show_states", True):
        ladder.marks = _state_marks(trace["events"], shown)
    for (n, name), part in blanks.items():
        if name in STATE_FIELDS:
            _blank_state(ladder, shown, n, STATE_FIELDS[name],
                         lambda state, name=name: blank_for(n, name, state))
    return ladder


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


def _state_marks(events: list[Mapping[str, Any]], shown: list[Mapping[str, Any]]
                 ) -> list[StateMark]:
    index = {s["n"]: k for k, s in enumerate(shown)}
    anchored = [i for i, e in enumerate(events) if e.get("segment") in index]
    state = {"A": "CLOSED", "B": "CLOSED"}
    if not anchored:
        return [StateMark(side, -0.55, -1, state[side]) for side in SIDES]
    first, end = anchored[0], anchored[-1] + 1
    while end < len(events) and events[end].get("segment") is None:
        end += 1  # timers that follow the last segment (TIME-WAIT -> CLOSED)
    for e in events[:first]:
        state[e["who"]] = e["to"]
    marks = [StateMark(side, -0.55, -1, state[side]) for side in SIDES]
    last = {side: (-0.55, -1) for side in SIDES}
    trailing_pos, trailing_line, prev_trailing = len(shown) - 1 + _DROP, len(shown) - 1, None
    for i, e in enumerate(events[first:end], start=first):
        who, n = e["who"], e.get("segment")
        if n in index:
            k = index[n]
            pos, line = (float(k) if shown[k]["from"] == who else k + _DROP), k
        elif i > anchored[-1]:
            if prev_trailing is None or prev_trailing["who"] == who or (
                    prev_trailing["time"] != e["time"]):
                trailing_pos, trailing_line = trailing_pos + _TRAIL_STEP, trailing_line + 1
            pos, line, prev_trailing = trailing_pos, trailing_line, e
        else:  # between shown segments, tied to none of them
            pos, line = last[who][0] + 0.35, last[who][1]
        marks.append(StateMark(who, pos, line, e["to"]))
        last[who] = (pos, line)
    return marks


def _blank_state(ladder: Ladder, shown: list[Mapping[str, Any]], n: int, side: str,
                 make_blank) -> None:
    """Blank the state ``side`` enters at segment ``n`` (or is in, when it does not change);
    ``make_blank(state)`` makes the blank given the state the trace shows there."""
    k = next(k for k, s in enumerate(shown) if s["n"] == n)
    pos = float(k) if shown[k]["from"] == side else k + _DROP
    mine = [m for m in ladder.marks if m.side == side]
    at = [m for m in mine if m.line == k and abs(m.pos - pos) < 1e-9]
    if at:
        at[0].blank = make_blank(at[0].text)
        return
    before = [m for m in mine if m.pos <= pos]
    current = before[-1].text if before else "CLOSED"
    ladder.marks.append(StateMark(side, pos, k, current, make_blank(current)))
    ladder.marks.sort(key=lambda m: (m.pos, SIDES.index(m.side)))


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


def _arrowhead(x: float, y: float, ux: float, uy: float) -> str:
    bx, by, nx, ny = x - 9 * ux, y - 9 * uy, -uy * 3.4, ux * 3.4
    pts = " ".join(f"{_num(px)},{_num(py)}" for px, py in
                   ((x, y), (bx + nx, by + ny), (bx - nx, by - ny)))
    return f'<polygon points="{pts}" fill="{_INK}"/>'


def _svg_arrow(a: Arrow) -> str:
    x1, x2 = _x(a.src), _x(a.dst)
    y1, y2 = _y(a.row), _y(a.row + _DROP)
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    lost = ' data-lost="true"' if a.lost else ""
    out = [f'<g class="qg-ladder-seg" data-n="{a.n}" data-from="{a.src}" '
           f'data-to="{a.dst}"{lost}>']
    if a.lost:
        ex, ey = x1 + 0.62 * (x2 - x1), y1 + 0.62 * (y2 - y1)
        out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(ex)}" y2="{_num(ey)}" '
                   f'stroke="{_INK}" stroke-width="1"/>')
        c = 5.0
        out.append(f'<path d="M{_num(ex - c)},{_num(ey - c)} L{_num(ex + c)},{_num(ey + c)} '
                   f'M{_num(ex - c)},{_num(ey + c)} L{_num(ex + c)},{_num(ey - c)}" '
                   f'stroke="{_INK}" stroke-width="1.6" fill="none" class="qg-ladder-lost"/>')
    else:
        out.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2 - 6 * ux)}" '
                   f'y2="{_num(y2 - 6 * uy)}" stroke="{_INK}" stroke-width="1"/>')
        out.append(_arrowhead(x2, y2, ux, uy))
    # the label, along the arrow and above it, reading left to right
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1) if x2 > x1 else
                         math.atan2(y1 - y2, x1 - x2))
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    out.append(f'<g class="qg-ladder-label" transform="translate({_num(mx)},{_num(my)}) '
               f'rotate({_num(angle)})">')
    out.append(_svg_run(_label_items(a.fields), -6.0, 0.0))
    out.append("</g>")
    # the segment's number, small, below the arrow where it leaves
    sx, sy = x1 + 20 * ux, y1 + 20 * uy + 11
    out.append(f'<text class="qg-ladder-n" x="{_num(sx)}" y="{_num(sy)}" text-anchor="middle" '
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
    height = _y(ladder.last_pos) + 34
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
    out.extend(_svg_arrow(a) for a in ladder.arrows)
    placed: dict[str, float] = {}
    for m in sorted(ladder.marks, key=lambda m: (m.pos, SIDES.index(m.side))):
        y = max(_y(m.pos), placed.get(m.side, -1e9) + 15)  # no two states on one line
        placed[m.side] = y
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
    A on the left and of B on the right; ``×`` ends a lost segment."""
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
        while a_states or b_states:  # a second change on one line
            out.append(row(a_states.pop(0) if a_states else "", " " * inner,
                           b_states.pop(0) if b_states else ""))
    out.append(row("", " " * inner, "", bar="v"))
    return "\n".join(out) + "\n"


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
    dashes = "-" * (inner - width - 3)
    return "--" + label + dashes + ">" if a.src == "A" else "<" + dashes + label + "--"
