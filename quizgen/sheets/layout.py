"""The answer sheet (答题卡) of a paper, as data: where every marker, bubble and box is, in
millimetres from the page's top left corner.

The layout depends only on the Paper (its parts, via ``quizgen.grading.marks.response_keys``)
and the spec's ``answer_sheet`` options: the renderer (``quizgen.sheets.render``) draws it and
the scanner (``quizgen.scan``) regenerates it from the paper code it reads in the QR code and
looks where it says. Nothing on the sheet is found by guessing; the student's name, which
varies in length, never moves anything.

What a sheet holds, page by page:

* four solid square corner markers (:data:`MARKER` mm) for registration;
* a QR code (top right) with :func:`qr_payload`: the paper code, the page and the page count,
  the exam's fingerprint (so a sheet of another exam is told apart) and, for a roster paper,
  the student id; the code printed beneath it;
* on every page (pages are scanned in any order), the student: the printed name and id for
  a roster paper, else a write-in name line and an id bubble grid (:data:`ID_DIGITS`
  columns of 0-9), whose reading ties the pages of one student together;
* a field per gradable part, in paper order, flowing down two columns and onto further pages:
  a bubble row for a choice (its printed letters), a true/false part, a flag (bit) and a
  part that asks for a TCP state (the eleven RFC states); a grid (position x letter) for an
  order; a digit grid (:data:`NUMBER_DIGITS` columns) for a number when the spec asks for
  ``numeric: digits``; otherwise (a number written by hand, other text) a box the student
  writes in and a row of score bubbles the teacher fills;
* the page number ("1/2").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from quizgen import seeds
from quizgen.errors import QuizgenError

#: Page sizes in millimetres (portrait).
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
NUMERIC_STYLES = ("write", "digits")
MARKER = 10.0                 # side of a corner marker
MARKER_INSET = 7.0            # from the page edge to the marker's outer edge
QR_SIZE = 24.0                # the QR code's side, quiet zone included
BUBBLE_R = 2.0                # bubble radius
ID_DIGITS = 10                # columns of an anonymous sheet's id grid
NUMBER_DIGITS = 10            # a 32-bit number has up to 10 decimal digits
MAX_PAGES = 20
MARGIN_X = 20.0
COLUMN_GAP = 6.0
PAYLOAD_TAG = "QG1"
STATES = ("CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
          "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT")
_ROW = 7.0                    # height of one bubble row
_PITCH = 5.4                  # grid pitch (digits, id, order)


@dataclass(frozen=True)
class Bubble:
    x: float                  # centre
    y: float
    value: str                # what filling it means: "B", "7", "t", "SYN-SENT", "2.5"
    label: str = ""           # printed beside it ("" for a grid's bubbles: the grid is labelled)


@dataclass(frozen=True)
class Field:
    """Bubbles read together: ``groups`` are read one by one, each a single answer (a row,
    a digit column, an order position), except a multiple choice's one group."""
    key: str                  # the response key ("3", "3.2"), "id", or "3.2#score"
    kind: str                 # choice | truefalse | bit | state | order | digits | id | score
    page: int                 # 1-based
    box: tuple[float, float, float, float]   # x, y, w, h: the region shown for review
    groups: tuple[tuple[Bubble, ...], ...]
    multiple: bool = False
    points: float = 0.0       # score: the part's full points


@dataclass(frozen=True)
class Text:
    x: float
    y: float                  # baseline
    text: str
    size: float = 3.0         # mm
    anchor: str = "start"     # start | middle | end
    bold: bool = False
    mono: bool = False


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: bool = False
    stroke: float = 0.3


@dataclass
class Page:
    number: int
    markers: tuple[tuple[float, float], ...]     # centres: top left, top right, bottom right,
    qr: tuple[float, float, float]               #   bottom left; QR: x, y, side
    payload: str = ""
    texts: list[Text] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)


@dataclass
class SheetLayout:
    code: str
    paper_size: str
    width: float
    height: float
    lang: str
    pages: list[Page]
    student_id: str = ""

    def fields(self) -> list[Field]:
        return [f for page in self.pages for f in page.fields]


@dataclass(frozen=True)
class SheetOptions:
    paper: str = "A4"
    numeric: str = "write"


def fingerprint(spec: Any) -> str:
    """Four characters naming the exam (its seed and title): a sheet whose QR code carries
    another fingerprint was printed for another exam."""
    digest = seeds.digest("quizgen-sheet", spec.seed, spec.title)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    n = int.from_bytes(digest[:4], "big")
    return "".join(alphabet[(n >> (5 * k)) & 31] for k in range(4))


def qr_payload(code: str, page: int, pages: int, exam: str, student_id: str = "") -> str:
    """``QG1/CODE/PAGE/PAGES/EXAM[/STUDENT]``, the student id percent-encoded."""
    from urllib.parse import quote

    text = f"{PAYLOAD_TAG}/{code}/{page}/{pages}/{exam}"
    return text + (f"/{quote(student_id, safe='')}" if student_id else "")


@dataclass(frozen=True)
class Payload:
    code: str
    page: int
    pages: int
    exam: str
    student_id: str


def parse_payload(text: str) -> Payload | None:
    """The fields of a sheet's QR code, or None if it is not one."""
    from urllib.parse import unquote

    from quizgen.paper.codes import normalize_code

    bits = text.strip().split("/")
    if len(bits) not in (5, 6) or bits[0] != PAYLOAD_TAG:
        return None
    try:
        code = normalize_code(bits[1])
        page, pages = int(bits[2]), int(bits[3])
    except (QuizgenError, ValueError):
        return None
    if not 1 <= page <= pages <= MAX_PAGES:
        return None
    return Payload(code, page, pages, bits[4], unquote(bits[5]) if len(bits) == 6 else "")


def options_of(spec: Any) -> SheetOptions:
    """The spec's ``answer_sheet`` options (its paper size by default)."""
    sheet = getattr(spec, "answer_sheet", None)
    if sheet is None:
        return SheetOptions(paper=getattr(spec, "paper_size", "A4"))
    return SheetOptions(paper=sheet.paper or spec.paper_size, numeric=sheet.numeric)


# ------------------------------------------------------------------------ the layout
def _words(lang: str) -> dict[str, str]:
    zh = lang == "zh"
    return {
        "sheet": "答题卡" if zh else "Answer sheet",
        "name": "姓名" if zh else "Name",
        "id": "学号" if zh else "Student ID",
        "how": ("用深色笔或 2B 铅笔将圆圈涂满 ●；改答请擦净。不要打勾，不要在四角的方块和二维码上"
                "书写。" if zh else "Fill the circles completely ● with a dark pen or a "
                "pencil; erase cleanly to change. No ticks; keep the corner squares and the QR "
                "code clean."),
        "id_help": "填写学号并涂对应数字" if zh else "Write your id and fill its digits",
        "true": "对" if zh else "T",
        "false": "错" if zh else "F",
        "write": "作答" if zh else "Answer",
        "score": "评分（教师填）" if zh else "Score (teacher)",
        "digits": "写数并涂对应数字" if zh else "Write the number, fill its digits",
        "page": "第 {0} / {1} 页" if zh else "page {0} / {1}",
        "order": "位" if zh else "",
    }


def _score_values(points: float) -> list[str]:
    """The score bubbles of a hand-marked part: 0 to its points in halves (up to 3 points)
    or whole points, and the full points if they fall between."""
    step = 0.5 if points <= 3 else 1.0
    values: list[float] = []
    v = 0.0
    while v <= points + 1e-9:
        values.append(round(v, 6))
        v += step
    if abs(values[-1] - points) > 1e-6:
        values.append(round(points, 6))
    return [f"{x:g}" for x in values]


def _score_label(value: str) -> str:
    """A score as printed beside its bubble: at most two decimals (1.33 for 4/3)."""
    return f"{float(value):.3g}" if len(value) > 4 else value


def _is_state(part: Mapping[str, Any]) -> bool:
    from quizgen.drill.check import state_answer

    return part["kind"] == "text" and state_answer(part) is not None


@dataclass
class _Block:
    """A field's drawing before it is placed: its height, and a function placing it at
    (x, y) on a page."""
    height: float
    place: Any


def sheet_layout(paper: Mapping[str, Any], options: SheetOptions, exam: str) -> SheetLayout:
    """The answer sheet of ``paper`` (a Paper dict) for the exam with fingerprint ``exam``."""
    from quizgen.grading.marks import response_keys

    if options.paper not in PAGE_SIZES:
        raise QuizgenError(f"no paper size {options.paper!r} for answer sheets")
    width, height = PAGE_SIZES[options.paper]
    lang = str(paper.get("lang", "zh"))
    words = _words(lang)
    parts = {(str(q["qid"]), str(p["id"])): p for s in paper["sections"]
             for q in s["questions"] for p in q["parts"]}
    blocks: list[_Block] = []
    col_w = (width - 2 * MARGIN_X - COLUMN_GAP) / 2
    for rk in response_keys(paper):
        part = parts[(rk.qid, rk.part_id)]
        blocks.append(_block(rk, part, options, words, col_w))

    student = paper.get("student") or None
    pages: list[Page] = []
    top_first = 52.0 if student else 112.0
    top_other = 44.0 if student else top_first   # an anonymous sheet's id grid on every page
    bottom = height - 22.0
    page = _new_page(1, width, height)
    pages.append(page)
    y, column, top = top_first, 0, top_first
    for block in blocks:
        if block.height > bottom - top_other:
            raise QuizgenError("a question's answer field is taller than a page")
        if y + block.height > bottom:
            column += 1
            if column > 1:
                page = _new_page(len(pages) + 1, width, height)
                pages.append(page)
                column, top = 0, top_other
                if len(pages) > MAX_PAGES:
                    raise QuizgenError(f"the answer sheet would need more than {MAX_PAGES} "
                                       "pages")
            y = top
        x = MARGIN_X + column * (col_w + COLUMN_GAP)
        block.place(page, x, y)
        y += block.height
    sid = str(student["id"]) if student else ""
    for p in pages:
        p.payload = qr_payload(str(paper["code"]), p.number, len(pages), exam, sid)
        _furniture(p, paper, words, width, height, len(pages))
    for p in pages:          # every page says whose it is: pages are scanned in any order
        _student_block(p, student, words)
    return SheetLayout(code=str(paper["code"]), paper_size=options.paper, width=width,
                       height=height, lang=lang, pages=pages, student_id=sid)


def marker_centres(width: float, height: float) -> tuple[tuple[float, float], ...]:
    """The corner markers' centres: top left, top right, bottom right, bottom left (the same
    on every page of every sheet of a paper size)."""
    c = MARKER_INSET + MARKER / 2
    return ((c, c), (width - c, c), (width - c, height - c), (c, height - c))


def qr_box(width: float) -> tuple[float, float, float]:
    """The QR code's place: x, y of its top left corner, and its side."""
    return (width - 28.0 - QR_SIZE, 6.0, QR_SIZE)


def _new_page(number: int, width: float, height: float) -> Page:
    markers = marker_centres(width, height)
    page = Page(number=number, markers=markers, qr=qr_box(width))
    for mx, my in markers:
        page.rects.append(Rect(mx - MARKER / 2, my - MARKER / 2, MARKER, MARKER, fill=True))
    return page


def _furniture(page: Page, paper: Mapping[str, Any], words: dict[str, str], width: float,
               height: float, pages: int) -> None:
    qx, qy, qs = page.qr
    page.texts.append(Text(qx + qs / 2, qy + qs + 5.0, str(paper["code"]), 5.0, "middle",
                           bold=True, mono=True))
    title = str(paper.get("title", ""))
    if len(title) > 40:
        title = title[:39] + "…"
    page.texts.append(Text(MARGIN_X + 2, 13.0, title, 4.2, bold=True))
    course = str(paper.get("course") or "")
    page.texts.append(Text(MARGIN_X + 2, 20.0, (f"{words['sheet']}  ·  {course}" if course
                                                else words["sheet"])[:60], 3.2))
    if page.number == 1:
        page.texts.append(Text(MARGIN_X + 2, 26.0, words["how"][:95], 2.4))
        if len(words["how"]) > 95:
            page.texts.append(Text(MARGIN_X + 2, 29.5, words["how"][95:190], 2.4))
    page.texts.append(Text(width / 2, height - 9.0, words["page"].format(page.number, pages),
                           3.0, "middle"))


def _student_block(page: Page, student: Mapping[str, Any] | None, words: dict[str, str]
                   ) -> None:
    x0, y0 = MARGIN_X + 2, 40.0
    if student:
        page.texts.append(Text(x0, y0, f"{words['name']}：{student.get('name', '')}", 4.0,
                               bold=True))
        page.texts.append(Text(x0 + 80, y0, f"{words['id']}：{student.get('id', '')}", 4.0,
                               bold=True, mono=True))
        return
    page.texts.append(Text(x0, y0, f"{words['name']}：", 4.0, bold=True))
    page.rects.append(Rect(x0 + 16, y0 - 6, 60, 8))
    gx, gy = x0 + 100, 46.0
    page.texts.append(Text(gx - 6, gy - 1, f"{words['id']}（{words['id_help']}）", 2.8))
    columns, heads = _digit_grid(gx, gy, ID_DIGITS, page)
    page.fields.append(Field("id", "id", page.number, (gx - 8, gy, ID_DIGITS * _PITCH + 10,
                                                       heads + 10 * _PITCH + 1),
                             tuple(columns)))


def _digit_grid(gx: float, gy: float, n: int, page: Page) -> tuple[list[tuple[Bubble, ...]],
                                                                     float]:
    """``n`` columns of digit bubbles 0-9 under write-in boxes, from (gx, gy); returns the
    columns and the boxes' height."""
    boxes = 5.5
    columns = []
    for c in range(n):
        cx = gx + c * _PITCH + _PITCH / 2
        page.rects.append(Rect(gx + c * _PITCH, gy, _PITCH, boxes, stroke=0.2))
        columns.append(tuple(Bubble(cx, gy + boxes + (d + 0.5) * _PITCH + 0.5, str(d))
                             for d in range(10)))
    for d in range(10):
        page.texts.append(Text(gx - 2.0, gy + boxes + (d + 0.5) * _PITCH + 1.5, str(d), 2.4,
                               "end"))
    return columns, boxes


def _label(page: Page, x: float, y: float, key: str, label: str) -> None:
    """The response key in bold, and the part's label small beside it (``5.2 seq``)."""
    page.texts.append(Text(x, y, key, 3.4, bold=True))
    if label:
        page.texts.append(Text(x + 1.9 * len(key) + 1.2, y, label[:6], 2.0))


def _block(rk: Any, part: Mapping[str, Any], options: SheetOptions, words: dict[str, str],
           col_w: float) -> _Block:
    kind = rk.kind
    label = rk.label if len(rk.label) <= 8 else rk.label[:7] + "…"
    if kind in ("choice", "truefalse", "bit"):
        if kind == "choice":
            values = [(letter, letter) for letter in rk.letters]
        elif kind == "truefalse":
            values = [("t", words["true"]), ("f", words["false"])]
        else:
            values = [("0", "0"), ("1", "1")]
        per_row = 7
        rows = [values[i:i + per_row] for i in range(0, len(values), per_row)]

        def place_row(page: Page, x: float, y: float) -> None:
            _label(page, x, y + 4.4, rk.key, label)
            bubbles = []
            for r, row in enumerate(rows):
                for k, (value, text) in enumerate(row):
                    bx = x + 18.0 + k * 9.0
                    by = y + 3.2 + r * _ROW
                    bubbles.append(Bubble(bx, by, value, text))
                    page.texts.append(Text(bx - BUBBLE_R - 0.8, by + 1.0, text, 2.8, "end"))
            w = 18.0 + 9.0 * max(len(r) for r in rows)
            page.fields.append(Field(rk.key, kind, page.number, (x - 1, y, w, len(rows) * _ROW),
                                     (tuple(bubbles),), multiple=rk.multiple))
        return _Block(len(rows) * _ROW, place_row)
    if kind == "text" and _is_state(part):
        per_row = 3

        def place_state(page: Page, x: float, y: float) -> None:
            _label(page, x, y + 4.4, rk.key, label)
            bubbles = []
            for k, state in enumerate(STATES):
                bx = x + 13.0 + (k % per_row) * 24.0
                by = y + 3.2 + (k // per_row) * 6.0
                bubbles.append(Bubble(bx, by, state, state))
                page.texts.append(Text(bx + BUBBLE_R + 0.8, by + 0.8, state, 2.0))
            rows = -(-len(STATES) // per_row)
            page.fields.append(Field(rk.key, "state", page.number,
                                     (x - 1, y, col_w + 1, rows * 6.0 + 1), (tuple(bubbles),)))
        return _Block(-(-len(STATES) // per_row) * 6.0 + 2.0, place_state)
    if kind == "order":
        n = len(rk.letters)

        def place_order(page: Page, x: float, y: float) -> None:
            _label(page, x, y + 4.4, rk.key, label)
            gx = x + 22.0
            for k, letter in enumerate(rk.letters):
                page.texts.append(Text(gx + k * _PITCH + _PITCH / 2, y + 3.0, letter, 2.6,
                                       "middle"))
            groups = []
            for r in range(n):
                by = y + 4.5 + (r + 0.5) * _PITCH
                page.texts.append(Text(gx - 2.0, by + 0.9, f"{r + 1}{words['order']}", 2.4,
                                       "end"))
                groups.append(tuple(Bubble(gx + k * _PITCH + _PITCH / 2, by, letter)
                                    for k, letter in enumerate(rk.letters)))
            page.fields.append(Field(rk.key, "order", page.number,
                                     (x - 1, y, 24 + n * _PITCH, 5.5 + n * _PITCH),
                                     tuple(groups)))
        return _Block(6.5 + n * _PITCH, place_order)
    if kind == "number" and options.numeric == "digits":
        def place_digits(page: Page, x: float, y: float) -> None:
            _label(page, x, y + 4.4, rk.key, label)
            page.texts.append(Text(x + 18.0, y + 3.0, words["digits"], 2.3))
            columns, boxes = _digit_grid(x + 18.0, y + 4.2, NUMBER_DIGITS, page)
            page.fields.append(Field(rk.key, "digits", page.number,
                                     (x - 1, y, 20 + NUMBER_DIGITS * _PITCH,
                                      5 + boxes + 10 * _PITCH + 1), tuple(columns)))
        return _Block(4.2 + 5.5 + 10 * _PITCH + 3.5, place_digits)
    # written by hand (a number, other text): a box, and the teacher's score bubbles
    values = _score_values(rk.points)
    pitch = 10.0 if any(len(_score_label(v)) > 3 for v in values) else 8.0
    per_row = max(1, int((col_w - 22.0) // pitch))
    rows = [values[i:i + per_row] for i in range(0, len(values), per_row)]

    def place_hand(page: Page, x: float, y: float) -> None:
        _label(page, x, y + 4.4, rk.key, label)
        page.texts.append(Text(x + 14.0, y + 2.6, words["write"], 2.2))
        page.rects.append(Rect(x + 14.0, y + 3.5, col_w - 15.0, 11.0))
        sy = y + 16.5
        page.texts.append(Text(x + 14.0, sy + 1.0, words["score"], 2.2))
        bubbles = []
        for r, row in enumerate(rows):
            for k, value in enumerate(row):
                bx = x + 14.0 + 18.0 + k * pitch
                by = sy + r * 6.0
                bubbles.append(Bubble(bx, by, value, _score_label(value)))
                page.texts.append(Text(bx - BUBBLE_R - 0.6, by + 0.9, _score_label(value), 2.3,
                                       "end"))
        page.fields.append(Field(f"{rk.key}#score", "score", page.number,
                                 (x - 1, y, col_w + 1, 16.5 + len(rows) * 6.0),
                                 (tuple(bubbles),), points=rk.points))
    return _Block(14.5 + len(rows) * 6.0 + 3.0, place_hand)
