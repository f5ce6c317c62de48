"""Paper specs (YAML) and rosters (CSV): what a teacher asks for, read and checked.

Every problem is one line naming the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from quizgen import yamlutil
from quizgen.errors import QuizgenError
from quizgen.files import read_text_input
from quizgen.i18n import LANGS
from quizgen.tables import read_table

PAPER_SIZES = ("A4", "Letter")
#: School layouts: today's plain paper; ``sealed``: the binding strip (密封线) down the left
#: margin with the student's details, a score table with 评卷人 and a score box per part;
#: ``a3``: the same on A3 landscape in two columns, to be folded (docs/word-and-layouts.md).
LAYOUTS = ("plain", "sealed", "a3")
MARGIN_SIDES = ("top", "bottom", "left", "right")
DIFFICULTIES = (1, 2, 3)


def sample_spec_path() -> Path:
    """The sample spec (``quizgen paper`` with no spec writes its paper)."""
    from quizgen.resources import templates_dir

    return templates_dir() / "paper" / "sample-zh.yaml"


def sample_seed() -> int | None:
    """The sample spec's seed: a spec that uses it makes the public sample's papers."""
    import re

    found = re.search(r"(?m)^seed: *(\d+)", sample_spec_path().read_text(encoding="utf-8"))
    return int(found.group(1)) if found else None
MAX_VERSIONS = 100


# ------------------------------------------------------------------------------ spec
@dataclass(frozen=True)
class SectionSpec:
    title: str
    count: int
    bank: str | None = None
    topic: str | None = None
    ids: tuple[str, ...] = ()
    points: float | None = None
    line: int | None = None


@dataclass(frozen=True)
class ReviewSpec:
    """The exam-review rules (试卷审核) a spec asks to meet; every field is optional."""
    difficulty: tuple[float, float, float] | None = None   # easy:medium:hard, by points
    tolerance: float = 0.10        # each share within this of its target (0.10 = 10 points)
    min_types: int | None = None   # at least this many question types in each version
    topics: tuple[str, ...] = ()   # the chapter: every one asked in each version
    earlier: tuple[str, ...] = ()  # specs of earlier sittings (paths as written, resolved
                                   #   against the spec's folder)
    line: int | None = None


@dataclass(frozen=True)
class AnswerSheetSpec:
    """The answer sheets (答题卡) ``quizgen paper --sheets`` prints (quizgen.sheets)."""
    paper: str | None = None       # A4 | Letter; None: the spec's paper_size
    numeric: str = "write"         # write: a box the teacher marks; digits: a digit grid
    line: int | None = None


@dataclass(frozen=True)
class PaperSpec:
    path: str
    title: str
    sections: tuple[SectionSpec, ...]
    course: str = ""
    date: str = ""
    instructions: str = ""
    lang: str = "zh"
    paper_size: str = "A4"
    versions: int | None = None
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    seed: int = 0
    key_appended: bool = False
    layout: str = "plain"
    full_marks: float | None = None
    exam_time: str = ""             # as printed: "120 分钟" (a number is minutes)
    fonts: tuple[tuple[str, str], ...] = ()      # (("body", "宋体"), ("heading", "黑体"))
    margins: tuple[tuple[str, float], ...] = ()  # (("left", 30.0), ...) in millimetres
    distinct_versions: bool = False
    model: str = "textbook"         # where the textbook and RFC 9293 / Linux differ: MODELS
    review: ReviewSpec = ReviewSpec()
    answer_sheet: AnswerSheetSpec | None = None
    line_of: tuple[tuple[str, int], ...] = ()    # top-level key -> its line (for errors)

    def line(self, key: str) -> int | None:
        return dict(self.line_of).get(key)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Typed reads of a composed YAML document, with errors naming file, line and field."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: yaml.Node, field: str, message: str) -> QuizgenError:
        return QuizgenError(message, file=self.path, line=_line(node), field=field)

    def value(self, node: yaml.Node) -> Any:
        return yamlutil.construct(node)

    def mapping(self, node: yaml.Node, field: str, allowed: Sequence[str],
                required: Sequence[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, field, "expected a mapping (key: value lines)")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            raw = getattr(key_node, "value", "")
            try:
                key = yamlutil.key_of(key_node, out)
            except yamlutil.YamlSyntaxError as exc:
                raise self.fail(key_node, f"{field}.{raw}" if field else str(raw),
                                str(exc)) from None
            name = f"{field}.{key}" if field else str(key)
            if key not in allowed:
                raise self.fail(key_node, name, f"unknown key {key!r} (expected one of: "
                                f"{', '.join(allowed)})")
            if key in out:
                raise self.fail(key_node, name, f"duplicate key {key!r}")
            out[key] = value_node
        for key in required:
            if key not in out:
                raise self.fail(node, f"{field}.{key}" if field else key,
                                f"missing required key {key!r}")
        return out

    def text(self, node: yaml.Node, field: str) -> str:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(node, field, f"expected text, got {_show(value)}")
        return str(value)

    def choice(self, node: yaml.Node, field: str, choices: Sequence[str]) -> str:
        value = self.value(node)
        if value not in choices:
            raise self.fail(node, field, f"expected one of {', '.join(choices)}, got "
                            f"{_show(value)}")
        return value

    def integer(self, node: yaml.Node, field: str, minimum: int | None = None) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, field, f"expected a whole number, got {_show(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(node, field, f"must be at least {minimum}, got {value}")
        return value

    def number(self, node: yaml.Node, field: str) -> float:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(node, field, f"expected a positive number, got {_show(value)}")
        return value

    def flag(self, node: yaml.Node, field: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            raise self.fail(node, field, f"expected true or false, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    return "nothing" if value is None else repr(value)


_SPEC_KEYS = ("title", "course", "date", "instructions", "lang", "paper_size", "sections",
              "versions", "shuffle_questions", "shuffle_choices", "seed", "key_appended",
              "layout", "full_marks", "exam_time", "fonts", "margins", "distinct_versions",
              "model", "review", "answer_sheet")
#: The models a paper can follow where the textbook and RFC 9293 / Linux differ (the first
#: FIN with or without ACK, an abort's RST with or without ACK, a SYN with data): a bank entry
#: tagged with one of them follows it; an entry tagged with neither holds for both.
MODELS = ("textbook", "linux")
_FONT_KEYS = ("body", "heading")
_REVIEW_KEYS = ("difficulty", "tolerance", "min_types", "topics", "earlier")
_SHEET_KEYS = ("paper", "numeric")
NUMERIC_STYLES = ("write", "digits")
_SECTION_KEYS = ("title", "bank", "topic", "ids", "count", "points")


def load_spec(path: str | Path) -> PaperSpec:
    path = str(path)
    text = read_text_input(path, "paper spec")
    return parse_spec(text, path)


def parse_spec(text: str, path: str = "<spec>") -> PaperSpec:
    try:
        root = yamlutil.compose(text)
        if root is None:
            raise QuizgenError("the spec is empty", file=path, line=1)
        r = _Reader(path)
        top = r.mapping(root, "", _SPEC_KEYS, ("title", "sections"))
        sections_node = top["sections"]
        if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
            raise r.fail(sections_node, "sections", "expected a list of at least one section")
        sections = tuple(_section(r, node, f"sections[{k + 1}]")
                         for k, node in enumerate(sections_node.value))
        kw: dict[str, Any] = {"path": path, "sections": sections,
                              "title": r.text(top["title"], "title")}
        for key in ("course", "date", "instructions"):
            if key in top:
                kw[key] = r.text(top[key], key)
        if "lang" in top:
            kw["lang"] = r.choice(top["lang"], "lang", LANGS)
        if "paper_size" in top:
            kw["paper_size"] = r.choice(top["paper_size"], "paper_size", PAPER_SIZES)
        if "model" in top:
            kw["model"] = r.choice(top["model"], "model", MODELS)
        if "versions" in top:
            kw["versions"] = r.integer(top["versions"], "versions", minimum=1)
            if kw["versions"] > MAX_VERSIONS:
                raise r.fail(top["versions"], "versions", f"at most {MAX_VERSIONS} versions "
                             "(a roster gives each student a paper of their own)")
        if "seed" in top:
            kw["seed"] = r.integer(top["seed"], "seed")
        for key in ("shuffle_questions", "shuffle_choices", "key_appended",
                    "distinct_versions"):
            if key in top:
                kw[key] = r.flag(top[key], key)
        _layout_keys(r, top, kw)
        if "review" in top:
            kw["review"] = _review(r, top["review"])
        if "answer_sheet" in top:
            kw["answer_sheet"] = _answer_sheet(r, top["answer_sheet"])
        if kw.get("distinct_versions") and (kw.get("versions") or 1) < 2:
            raise r.fail(top["distinct_versions"], "distinct_versions",
                         "distinct versions need 'versions: 2' or more (A and B papers)")
        kw["line_of"] = tuple((k, _line(v)) for k, v in top.items())
        return PaperSpec(**kw)
    except yamlutil.YamlSyntaxError as exc:
        raise QuizgenError(str(exc), file=path, line=exc.line) from None


def _layout_keys(r: _Reader, top: dict[str, yaml.Node], kw: dict[str, Any]) -> None:
    if "layout" in top:
        value = r.value(top["layout"])
        if value not in LAYOUTS:
            raise r.fail(top["layout"], "layout", f"no layout {_show(value)}: the layouts are "
                         f"{', '.join(LAYOUTS)}")
        kw["layout"] = value
    if "full_marks" in top:
        kw["full_marks"] = r.number(top["full_marks"], "full_marks")
    if "exam_time" in top:
        value = r.value(top["exam_time"])
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise r.fail(top["exam_time"], "exam_time", "expected a positive number of "
                             f"minutes, got {value}")
            minutes = value
            kw["exam_time"] = (f"{minutes} 分钟" if kw.get("lang", "zh") == "zh"
                               else f"{minutes} minutes")
        else:
            kw["exam_time"] = r.text(top["exam_time"], "exam_time")
    if "fonts" in top:
        m = r.mapping(top["fonts"], "fonts", _FONT_KEYS, ())
        fonts = []
        for key, node in m.items():
            name = r.text(node, f"fonts.{key}").strip()
            if not name or len(name) > 64 or any(ch in name for ch in '<>&"'):
                raise r.fail(node, f"fonts.{key}", "expected a font name (as Word lists it, "
                             "e.g. 宋体 or 黑体)")
            fonts.append((key, name))
        kw["fonts"] = tuple(fonts)
    if "margins" in top:
        m = r.mapping(top["margins"], "margins", MARGIN_SIDES, ())
        margins = []
        for key, node in m.items():
            mm = r.number(node, f"margins.{key}")
            if not 5 <= mm <= 60:
                raise r.fail(node, f"margins.{key}", f"expected 5 to 60 millimetres, got {mm:g}")
            margins.append((key, float(mm)))
        kw["margins"] = tuple(margins)


def _review(r: _Reader, node: yaml.Node) -> ReviewSpec:
    m = r.mapping(node, "review", _REVIEW_KEYS, ())
    kw: dict[str, Any] = {"line": _line(node)}
    if "difficulty" in m:
        value = r.value(m["difficulty"])
        if (not isinstance(value, list) or len(value) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
                           for v in value) or not sum(value)):
            raise r.fail(m["difficulty"], "review.difficulty", "expected the easy:medium:hard "
                         "split as three numbers, e.g. [7, 2, 1]")
        total = float(sum(value))
        kw["difficulty"] = tuple(v / total for v in value)
    if "tolerance" in m:
        value = r.value(m["tolerance"])
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not 0 <= value <= 1):
            raise r.fail(m["tolerance"], "review.tolerance", "expected a share from 0 to 1 "
                         f"(0.1 = 10 points of percent), got {_show(value)}")
        kw["tolerance"] = float(value)
    if "min_types" in m:
        kw["min_types"] = r.integer(m["min_types"], "review.min_types", minimum=1)
    for key in ("topics", "earlier"):
        if key in m:
            value = r.value(m[key])
            if (not isinstance(value, list) or not value
                    or not all(isinstance(v, str) and v.strip() for v in value)):
                raise r.fail(m[key], f"review.{key}", "expected a list of "
                             f"{'topics' if key == 'topics' else 'spec files'}")
            kw[key] = tuple(v.strip() for v in value)
    return ReviewSpec(**kw)


def _answer_sheet(r: _Reader, node: yaml.Node) -> AnswerSheetSpec:
    m = r.mapping(node, "answer_sheet", _SHEET_KEYS, ())
    kw: dict[str, Any] = {"line": _line(node)}
    if "paper" in m:
        kw["paper"] = r.choice(m["paper"], "answer_sheet.paper", PAPER_SIZES)
    if "numeric" in m:
        kw["numeric"] = r.choice(m["numeric"], "answer_sheet.numeric", NUMERIC_STYLES)
    return AnswerSheetSpec(**kw)


def _section(r: _Reader, node: yaml.Node, field: str) -> SectionSpec:
    m = r.mapping(node, field, _SECTION_KEYS, ("title",))
    sources = [k for k in ("bank", "topic", "ids") if k in m]
    if len(sources) != 1:
        raise r.fail(node, field, "needs exactly one of bank, topic or ids to say where its "
                     f"questions come from{' (has ' + ', '.join(sources) + ')' if sources else ''}")
    kw: dict[str, Any] = {"title": r.text(m["title"], f"{field}.title"), "line": _line(node)}
    if "ids" in m:
        ids_node = m["ids"]
        ids = r.value(ids_node)
        if (not isinstance(ids, list) or not ids
                or not all(isinstance(i, str) and i for i in ids)):
            raise r.fail(ids_node, f"{field}.ids", "expected a list of question ids")
        if len(set(ids)) != len(ids):
            raise r.fail(ids_node, f"{field}.ids", "lists a question id twice")
        kw["ids"] = tuple(ids)
    else:
        key = sources[0]
        kw[key] = r.text(m[key], f"{field}.{key}")
        if "count" not in m:
            raise r.fail(node, f"{field}.count", "missing required key 'count'")
    if "count" in m:
        kw["count"] = r.integer(m["count"], f"{field}.count", minimum=1)
        if "ids" in kw and kw["count"] > len(kw["ids"]):
            raise r.fail(m["count"], f"{field}.count",
                         f"asks for {kw['count']} questions but ids lists {len(kw['ids'])}")
    else:
        kw["count"] = len(kw["ids"])
    if "points" in m:
        kw["points"] = r.number(m["points"], f"{field}.points")
    return SectionSpec(**kw)


# ---------------------------------------------------------------------------- roster
@dataclass(frozen=True)
class Student:
    id: str
    name: str


#: Header names a roster's two columns may have (case and spaces do not matter).
ID_HEADERS = ("student_id", "student id", "id", "学号", "学生编号", "编号")
NAME_HEADERS = ("name", "student name", "姓名", "名字", "学生姓名")


def load_roster(path: str | Path) -> list[Student]:
    """A roster: CSV (UTF-8, UTF-8 with a BOM, or GB18030/GBK as Chinese Excel saves it) or an
    Excel .xlsx workbook (its first sheet). The first row names the columns: ``student_id`` /
    ``学号`` and ``name`` / ``姓名`` (other columns are ignored)."""
    path = str(path)
    rows = read_table(path, "the roster", "rosters")
    header = [" ".join(str(h).split()).lower() for h in rows[0]] if rows else []
    id_col = next((header.index(h) for h in ID_HEADERS if h in header), None)
    name_col = next((header.index(h) for h in NAME_HEADERS if h in header), None)
    if id_col is None or name_col is None:
        raise QuizgenError("the first line must name the columns student_id (or 学号) and name "
                           "(or 姓名)", file=path, line=1)
    students, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(str(cell).strip() for cell in row):
            continue
        if len(row) <= max(id_col, name_col) or not str(row[id_col]).strip():
            raise QuizgenError("expected a student id and a name", file=path, line=line)
        sid, name = str(row[id_col]).strip(), str(row[name_col]).strip()
        if sid in seen:
            raise QuizgenError(f"student id {sid!r} appears twice", file=path, line=line)
        seen.add(sid)
        students.append(Student(sid, name))
    if not students:
        raise QuizgenError("the roster lists no students", file=path)
    return students
