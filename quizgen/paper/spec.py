"""Paper specs (YAML) and rosters (CSV): what a teacher asks for, read and checked.

Every problem is one line naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from quizgen.errors import QuizgenError
from quizgen.i18n import LANGS

PAPER_SIZES = ("A4", "Letter")


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


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Typed reads of a composed YAML document, with errors naming file, line and field."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path, self.loader = path, loader

    def fail(self, node: yaml.Node, field: str, message: str) -> QuizgenError:
        return QuizgenError(message, file=self.path, line=_line(node), field=field)

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, field: str, allowed: Sequence[str],
                required: Sequence[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, field, "expected a mapping (key: value lines)")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
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
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
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
              "versions", "shuffle_questions", "shuffle_choices", "seed", "key_appended")
_SECTION_KEYS = ("title", "bank", "topic", "ids", "count", "points")


def load_spec(path: str | Path) -> PaperSpec:
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuizgenError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizgenError(f"cannot read the spec: {exc}", file=path) from None
    return parse_spec(text, path)


def parse_spec(text: str, path: str = "<spec>") -> PaperSpec:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise QuizgenError("the spec is empty", file=path, line=1)
        r = _Reader(path, loader)
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
        if "versions" in top:
            kw["versions"] = r.integer(top["versions"], "versions", minimum=1)
        if "seed" in top:
            kw["seed"] = r.integer(top["seed"], "seed")
        for key in ("shuffle_questions", "shuffle_choices", "key_appended"):
            if key in top:
                kw[key] = r.flag(top[key], key)
        return PaperSpec(**kw)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise QuizgenError(f"not valid YAML: {exc.problem or exc.context}", file=path,
                           line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise QuizgenError(f"not valid YAML: {exc}", file=path) from None
    finally:
        loader.dispose()


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


def load_roster(path: str | Path) -> list[Student]:
    """``student_id,name`` CSV (a header line first; UTF-8, a BOM is fine)."""
    path = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise QuizgenError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise QuizgenError(f"cannot read the roster: {exc}", file=path) from None
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "student_id" not in header or "name" not in header:
        raise QuizgenError("the first line must name the columns student_id and name",
                           file=path, line=1)
    id_col, name_col = header.index("student_id"), header.index("name")
    students, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(id_col, name_col) or not row[id_col].strip():
            raise QuizgenError("expected a student id and a name", file=path, line=line)
        sid = row[id_col].strip()
        if sid in seen:
            raise QuizgenError(f"student id {sid!r} appears twice", file=path, line=line)
        seen.add(sid)
        students.append(Student(sid, row[name_col].strip()))
    if not students:
        raise QuizgenError("the roster lists no students", file=path)
    return students
