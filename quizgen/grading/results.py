"""Reading a results file (``quizgen.grading.outputs.RESULT_COLUMNS``) back into marks.

The file is untrusted like any input: each student's paper is rebuilt from its code and the
spec, every response is graded again with the paper's key, and the points the file gives
must be the points the key gives; a file of another spec (or edited by hand) is refused with
one line naming the file, the line and the column.
"""

from __future__ import annotations

from typing import Callable, Sequence

from quizgen.errors import QuizgenError
from quizgen.grading.marks import PaperMarks, grade_paper
from quizgen.paper.codes import normalize_code, student_code
from quizgen.paper.spec import PaperSpec
from quizgen.tables import data_rows

#: The columns a results file must have (the others of RESULT_COLUMNS are optional).
REQUIRED = ("student_id", "paper_code", "key", "response")


def is_results(header: Sequence[str]) -> bool:
    names = {" ".join(h.split()).lower() for h in header}
    return "key" in names and "response" in names


def read_results(path: str, rows: Sequence[Sequence[str]], spec: PaperSpec,
                 paper_of: Callable[[str], dict]) -> list[PaperMarks]:
    """The marks of each student of a results file, in the file's order."""
    from quizgen.grading.outputs import RESULT_COLUMNS
    from quizgen.paper.assemble import plan_codes

    header = [" ".join(str(h).split()).lower() for h in rows[0]]
    for name in header:
        if name and name not in RESULT_COLUMNS:
            raise QuizgenError(f"unknown column (a results file has {', '.join(RESULT_COLUMNS)})",
                               file=path, line=1, field=name)
    for name in REQUIRED:
        if name not in header:
            raise QuizgenError(f"no {name} column", file=path, line=1, field=name)
    if len(set(h for h in header if h)) != len([h for h in header if h]):
        raise QuizgenError("a column is named twice", file=path, line=1)
    col = {name: header.index(name) for name in header if name}
    versions = {code for code, _, _ in plan_codes(spec)}
    students: dict[str, dict] = {}
    for line, cells in data_rows(rows, len(header), path):
        def at(name: str) -> str:
            k = col.get(name)
            return cells[k] if k is not None and k < len(cells) else ""

        sid = at("student_id").strip()
        if not sid:
            raise QuizgenError("no student id", file=path, line=line, field="student_id")
        try:
            code = normalize_code(at("paper_code"))
        except QuizgenError as exc:
            raise QuizgenError(exc.message, file=path, line=line, field="paper_code") from None
        s = students.setdefault(sid, {"code": code, "name": at("name").strip(), "line": line,
                                      "responses": {}, "points": {}})
        if s["code"] != code:
            raise QuizgenError(f"student {sid!r} has paper {s['code']} on line {s['line']} and "
                               f"{code} here", file=path, line=line, field="paper_code")
        if code not in versions and (spec.versions or code != student_code(spec.seed, sid)):
            raise QuizgenError(f"paper code {code} was not made from this spec for student "
                               f"{sid!r} (results of another exam or spec?)", file=path,
                               line=line, field="paper_code")
        key = at("key").strip()
        if key in s["responses"]:
            raise QuizgenError(f"student {sid!r} has question {key} twice", file=path,
                               line=line, field="key")
        response = at("response")
        s["responses"][key] = response if response.strip() else None
        if "points" in col:
            try:
                s["points"][key] = (float(at("points")), line)
            except ValueError:
                raise QuizgenError(f"points {at('points')!r} is not a number", file=path,
                                   line=line, field="points") from None
        s.setdefault("lines", {})[key] = line
    if not students:
        raise QuizgenError("the results file lists no answers", file=path)
    out = []
    for sid, s in students.items():
        paper = paper_of(s["code"])
        try:
            marks = grade_paper(paper, s["responses"])
        except QuizgenError as exc:
            key = exc.field or ""
            raise QuizgenError(exc.message, file=path, line=s["lines"].get(key, s["line"]),
                               field="key") from None
        for pm in marks.parts:
            given = s["points"].get(pm.key.key)
            if given is not None and abs(given[0] - pm.points) > 1e-6:
                raise QuizgenError(f"{given[0]:g} points, but paper {s['code']}'s key gives "
                                   f"{pm.points:g} for this answer (results of another spec, "
                                   "or edited?)", file=path, line=given[1], field="points")
        marks.student_id, marks.student_name = sid, s["name"]
        out.append(marks)
    return out
