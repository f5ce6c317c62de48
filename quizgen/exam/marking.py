"""A student's paper in the exam, and its grading.

The paper is rebuilt from its code exactly as ``quizgen key CODE --spec`` rebuilds it
(``paper_for_code``): the same questions and key as the printed paper. Each app process keeps
the papers it built (a cache of a pure function, not state). Answers are read and graded with
the drills' ``check.parse`` / ``check.grade``; a part's points are ``export.grades.part_points``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from quizgen.drill import check
from quizgen.drill.views import ProblemView, problem_view
from quizgen.export.grades import part_points
from quizgen.paper import BankSource, paper_for_code
from quizgen.paper.spec import PaperSpec, parse_spec

MAX_ANSWER = 200               # characters in one field
PAPERS_KEPT = 2048             # papers an app process keeps built


def field_name(number: int, part_id: str) -> str:
    """The form field of a part: ``q3.ack`` (part ids repeat between questions)."""
    return f"q{number}.{part_id}"


@dataclass
class Built:
    """A paper, its questions in order (1-based ``number``) and their views."""
    paper: dict
    questions: list[dict]
    views: list[ProblemView]
    parts: dict[str, tuple[int, dict]]        # field name -> (question number, part)

    def max_score(self) -> float:
        return float(sum(q["points"] for q in self.questions))


class Papers:
    """The papers of one exam, built on demand from the spec stored with it."""

    def __init__(self, spec_text: str, spec_path: str, banks: tuple[str, ...] = ()) -> None:
        self.spec: PaperSpec = parse_spec(spec_text, spec_path)
        self.source = BankSource(list(banks) or None)   # as --bank gave them
        self._built: OrderedDict[str, Built] = OrderedDict()
        self._lock = Lock()

    def get(self, code: str) -> Built:
        with self._lock:
            if code in self._built:
                self._built.move_to_end(code)
                return self._built[code]
        built = build(paper_for_code(self.spec, code, self.source))
        with self._lock:
            self._built[code] = built
            while len(self._built) > PAPERS_KEPT:
                self._built.popitem(last=False)
        return built


def build(paper: dict) -> Built:
    questions = [q for s in paper["sections"] for q in s["questions"]]
    views, parts = [], {}
    for n, q in enumerate(questions, start=1):
        view = problem_view(q, number=n)
        for f in view.fields:
            f.name = field_name(n, f.id)
        views.append(view)
        for part in q["parts"]:
            parts[field_name(n, part["id"])] = (n, part)
    return Built(paper=paper, questions=questions, views=views, parts=parts)


class BadAnswer(ValueError):
    """A posted answer that no field of the paper can hold (a 400)."""


def read_value(built: Built, name: str, typed: Any) -> tuple[tuple[int, str], list[str]]:
    """A posted field (name, list of strings) checked against the paper's fields:
    ((question, part id), the strings)."""
    if name not in built.parts:
        raise BadAnswer(f"no field {name!r} on this paper")
    if isinstance(typed, str):
        typed = [typed]
    if not isinstance(typed, list) or not all(isinstance(v, str) for v in typed):
        raise BadAnswer(f"the value of {name!r} must be a list of strings")
    number, part = built.parts[name]
    many = part["kind"] == "order" or (part["kind"] == "choice" and part.get("multiple"))
    limit = len(part.get("items") or part.get("choices") or ()) if many else 1
    if len(typed) > max(limit, 1):
        raise BadAnswer(f"too many values for {name!r}")
    if any(len(v) > MAX_ANSWER for v in typed):
        raise BadAnswer(f"the answer {name!r} is too long (at most {MAX_ANSWER} characters)")
    return (number, part["id"]), typed


def values_of(answers: dict[tuple[int, str], list[str]]) -> dict[str, list[str]]:
    """Stored answers as the form's values (field name -> typed strings)."""
    return {field_name(q, p): v for (q, p), v in answers.items()}


def grade(built: Built, answers: dict[tuple[int, str], list[str]]
          ) -> tuple[list[dict[str, Any]], float, float]:
    """(a result row per part, score, possible) with the drills' reading of answers."""
    rows: list[dict[str, Any]] = []
    lang = built.paper["lang"]
    for n, q in enumerate(built.questions, start=1):
        for part, points in zip(q["parts"], part_points(q)):
            typed = answers.get((n, part["id"]), [])
            text = " ".join(t for t in typed if t.strip())
            correct, response, status = False, "", "blank"
            if text.strip():
                try:
                    value = check.parse(part, text, lang)
                except check.AnswerError:
                    response, status = text, "unreadable"
                else:
                    correct = check.grade(part, value, lang).correct
                    response = json.dumps(value, ensure_ascii=False)
                    status = "right" if correct else "wrong"
            rows.append({"question": n, "part": part["id"], "entry": str(q["id"]),
                         "response": response, "status": status, "correct": correct,
                         "points": float(points) if correct else 0.0,
                         "possible": float(points)})
    score = sum(r["points"] for r in rows)
    return rows, round(score, 6), round(sum(r["possible"] for r in rows), 6)


def verdicts(built: Built, answers: dict[tuple[int, str], list[str]]
             ) -> list[dict[str, check.Verdict]]:
    """Per question: part id -> Verdict (for the reviewed paper, after release)."""
    lang = built.paper["lang"]
    out = []
    for n, q in enumerate(built.questions, start=1):
        marks = {}
        for part in q["parts"]:
            text = " ".join(answers.get((n, part["id"]), []))
            try:
                marks[part["id"]] = check.check(part, text, lang)
            except check.AnswerError:
                marks[part["id"]] = check.Verdict(False, check.expected(part, lang))
        out.append(marks)
    return out
