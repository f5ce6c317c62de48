"""Answers files: students' answers typed in, or exported from an LMS quiz, one row a student.

The format (docs/grading.md): CSV (UTF-8 with or without a BOM, or GB18030/GBK as Chinese
Excel saves it) or an Excel .xlsx workbook (its first sheet). The first row names the columns:

* ``student_id`` (or ``学号``, ``id``: the roster's names for it), ``name`` (or ``姓名``;
  optional), ``paper_code`` (or ``试卷代码``, ``code``: the code printed on the paper);
* one column per response key, named as the paper prints it: ``1``, ``2``, ``3.1``, ``3.2``
  (``Q3.1`` and ``第3.1题`` are read as ``3.1``), holding what the student wrote; a student
  whose paper lacks that key leaves the cell empty or writes ``-`` (as ``quizgen grade
  --template`` does).

A paper's code names the student's paper; with a roster, a row may give only the student id
(the code is the roster's) or only the code (the student is the roster's). Every problem is one
:class:`QuizgenError` naming the file, the line and the column; nothing is graded from a file
with a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from quizgen.errors import QuizgenError
from quizgen.grading.marks import PaperMarks, grade_paper, response_keys
from quizgen.paper.codes import normalize_code, student_code
from quizgen.paper.spec import ID_HEADERS, NAME_HEADERS, PaperSpec, Student
from quizgen.tables import data_rows, read_table

CODE_HEADERS = ("paper_code", "paper code", "code", "试卷代码", "试卷编号", "代码")
#: A response column: ``3``, ``3.2``, ``Q3.2``, ``第3.2题``.
_KEY_HEADER = re.compile(r"(?:q|第)?\s*(\d+(?:\.\d+)?)\s*(?:题)?", re.IGNORECASE)
#: What a cell holds for a response key the student's paper lacks (``quizgen grade
#: --template`` writes it); in a column the paper has, it is an answer (an unreadable one).
NOT_ON_PAPER = "-"


@dataclass(frozen=True)
class AnswerRow:
    line: int                         # the row's line in the file (1 is the header)
    student_id: str
    name: str
    code: str                         # as written ("" if the row gives none)
    responses: dict[str, str]         # response key -> the cell's text (blank cells left out)
    columns: dict[str, str]           # response key -> the column's header as written
    id_column: str = "student_id"     # the headers of the id and code columns, as written
    code_column: str = "paper_code"


def read_rows(path: str) -> list[list[str]]:
    """The rows of a CSV or .xlsx file, as text cells (quizgen.tables, as rosters are read)."""
    return read_table(path, "the answers file", "answers")


def _header_name(cell: str) -> str:
    return " ".join(str(cell).split()).lower()


def parse_answers(path: str, rows: Sequence[Sequence[str]], questions: int) -> list[AnswerRow]:
    """The rows of an answers file (``questions``: how many questions the spec's papers have,
    so that a column for question 99 is refused at once)."""
    if not rows or not any(str(c).strip() for c in rows[0]):
        raise QuizgenError("the first line must name the columns: student_id (or 学号), "
                           "paper_code (or 试卷代码), then one a question (1, 2, 3.1, ...)",
                           file=path, line=1)
    header = [str(c) for c in rows[0]]
    id_col = name_col = code_col = None
    keys: dict[int, str] = {}
    for col, raw in enumerate(header):
        name = _header_name(raw)
        if not name:
            if any(len(r) > col and str(r[col]).strip() for r in rows[1:]):
                raise QuizgenError(f"column {col + 1} has answers but no name", file=path,
                                   line=1, field=f"column {col + 1}")
            continue
        role = ("id" if name in ID_HEADERS else "name" if name in NAME_HEADERS else
                "code" if name in CODE_HEADERS else None)
        if role is not None:
            taken = {"id": id_col, "name": name_col, "code": code_col}[role]
            if taken is not None:
                raise QuizgenError(f"two columns name the {role.replace('id', 'student id')}"
                                   f" ({header[taken]!r} and {raw!r})", file=path, line=1,
                                   field=raw)
            if role == "id":
                id_col = col
            elif role == "name":
                name_col = col
            else:
                code_col = col
            continue
        match = _KEY_HEADER.fullmatch(name)
        if not match:
            raise QuizgenError("unknown column: expected student_id, name, paper_code or a "
                               "question's number as printed (1, 2, 3.1, ...)", file=path,
                               line=1, field=raw)
        key = match.group(1)
        number = int(key.split(".")[0])
        if not 1 <= number <= questions or key.startswith("0") or ".0" in key:
            raise QuizgenError(f"no question {key} on this spec's papers (they have "
                               f"{questions} questions)", file=path, line=1, field=raw)
        if key in keys.values():
            raise QuizgenError(f"two columns are question {key}", file=path, line=1, field=raw)
        keys[col] = key
    if id_col is None and code_col is None:
        raise QuizgenError("the first line must name a student_id (or 学号) or a paper_code "
                           "(or 试卷代码) column", file=path, line=1)
    if not keys:
        raise QuizgenError("no answer columns: name one a question (1, 2, 3.1, ...)",
                           file=path, line=1)
    out = []
    for line, cells in data_rows(rows, len(header), path,
                                 " (a comma inside an answer? put the answer in quotes)"):
        def at(col: int | None) -> str:
            return cells[col].strip() if col is not None and col < len(cells) else ""

        responses = {key: cells[col] for col, key in keys.items()
                     if col < len(cells) and cells[col].strip()}
        out.append(AnswerRow(line=line, student_id=at(id_col), name=at(name_col),
                             code=at(code_col), responses=responses,
                             columns={key: header[col] for col, key in keys.items()},
                             id_column=header[id_col] if id_col is not None else "student_id",
                             code_column=(header[code_col] if code_col is not None
                                          else "paper_code")))
    if not out:
        raise QuizgenError("the answers file lists no students", file=path)
    return out


# ------------------------------------------------------------------------------- grading
def grade_answers(path: str, rows: Sequence[AnswerRow], spec: PaperSpec,
                  paper_of: Callable[[str], dict],
                  roster: Sequence[Student] | None = None,
                  roster_path: str | None = None) -> list[PaperMarks]:
    """Each row's marks, in the file's order. ``paper_of(code)`` builds the Paper
    with that code (cached by the caller). Which code is whose:

    * with a roster, the code the roster gives the student (``quizgen paper --roster``);
    * without, a version's code (``versions``, or the one paper of a spec without a roster),
      or the code ``student_code(seed, student_id)`` gives the row's student.
    A code the spec did not make for that student (a paper of another exam, another spec or
    another student, or a mistyped code) is refused, naming the line."""
    from quizgen.paper.assemble import plan_codes

    versions = {code for code, _, _ in plan_codes(spec)}
    planned: dict[str, tuple[str, Student, int | None]] = {}
    by_code: dict[str, list[Student]] = {}
    if roster is not None:
        for code, student, v in plan_codes(spec, roster):
            assert student is not None
            planned[student.id] = (code, student, v)
            by_code.setdefault(code, []).append(student)
    seen: dict[str, int] = {}
    out: list[PaperMarks] = []
    for row in rows:
        code = ""
        if row.code:
            try:
                code = normalize_code(row.code)
            except QuizgenError as exc:
                raise QuizgenError(exc.message, file=path, line=row.line,
                                   field=row.code_column) from None
        sid, name = row.student_id, row.name
        if roster is not None:
            if sid:
                if sid not in planned:
                    raise QuizgenError(f"student {sid!r} is not on the roster "
                                       f"{roster_path or ''}".rstrip(), file=path,
                                       line=row.line, field=row.id_column)
                expected, student, _ = planned[sid]
                if code and code != expected:
                    owners = [s.id for s in by_code.get(code, [])]
                    whose = (f"it is {', '.join(owners[:3])}'s paper" if owners else
                             "a paper of another exam, or a mistyped code")
                    raise QuizgenError(f"paper code {code} is not {sid}'s (the roster gives "
                                       f"them {expected}): {whose}", file=path,
                                       line=row.line, field=row.code_column)
                code = expected
            else:
                if not code:
                    raise QuizgenError("the row gives neither a student id nor a paper code",
                                       file=path, line=row.line, field=row.id_column)
                owners = by_code.get(code, [])
                if not owners:
                    raise QuizgenError(f"paper code {code} is no paper of this roster and "
                                       "spec (another exam's, or mistyped)", file=path,
                                       line=row.line, field=row.code_column)
                if len(owners) > 1:
                    raise QuizgenError(f"paper code {code} is a version {len(owners)} "
                                       "students sat: give the student id", file=path,
                                       line=row.line, field=row.id_column)
                student = owners[0]
                sid = student.id
            name = student.name
        else:
            if not sid:
                raise QuizgenError("no student id (without --roster, every row needs its "
                                   "student_id)", file=path, line=row.line, field=row.id_column)
            if not code:
                raise QuizgenError("no paper code (without --roster, every row needs the "
                                   "code printed on the student's paper)", file=path,
                                   line=row.line, field=row.code_column)
            if code not in versions and (spec.versions or
                                         code != student_code(spec.seed, sid)):
                raise QuizgenError(f"paper code {code} was not made from this spec for student "
                                   f"{sid!r} (a paper of another exam or spec, or a mistyped "
                                   "code or id)", file=path, line=row.line, field=row.code_column)
        if sid in seen:
            raise QuizgenError(f"student {sid!r} appears twice (first on line {seen[sid]})",
                               file=path, line=row.line, field=row.id_column)
        seen[sid] = row.line
        paper = paper_of(code)
        known = {k.key for k in response_keys(paper)}
        responses = {k: v for k, v in row.responses.items()
                     if k in known or v.strip() != NOT_ON_PAPER}
        for key in responses:
            if key not in known:
                parts = sorted(k for k in known if k.split(".")[0] == key.split(".")[0])
                raise QuizgenError(f"paper {code} has no question {key} (its question "
                                   f"{key.split('.')[0]} is {', '.join(parts)})", file=path,
                                   line=row.line, field=row.columns[key])
        marks = grade_paper(paper, responses)
        marks.student_id, marks.student_name = sid, name
        out.append(marks)
    return out

