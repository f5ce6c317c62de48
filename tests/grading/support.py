"""Shared by the grading tests: a spec, a 40-student roster, their papers, and answers made
from each paper's own key (right ones in the drills' other spellings, wrong ones made from
the key: a wrong letter, the number plus one, the other truth value, another state)."""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from quizgen.drill.check import letter_of
from quizgen.grading.marks import response_keys
from quizgen.paper import BankSource, class_set, load_roster, load_spec
from quizgen.questions.names import normalise_state, spellings

SPEC = """\
title: TCP connection management quiz
course: Computer networks
lang: en
seed: 424242
shuffle_questions: true
shuffle_choices: true
sections:
  - title: Handshake
    topic: handshake
    count: 4
    points: 5
  - title: Teardown
    topic: teardown
    count: 4
    points: 5
"""

STUDENTS = 40
SOURCE = BankSource()


def write_inputs(folder: Path, spec: str = SPEC) -> tuple[Path, Path]:
    spec_path = folder / "exam.yaml"
    spec_path.write_text(spec, encoding="utf-8")
    roster = folder / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(
        f"2026{k:03d},Student {k}\n" for k in range(STUDENTS)), encoding="utf-8")
    return spec_path, roster


@lru_cache(maxsize=4)
def _papers(spec_text: str) -> tuple[dict, ...]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        spec_path, roster = write_inputs(Path(tmp), spec_text)
        spec = load_spec(spec_path)
        return tuple(class_set(spec, SOURCE, load_roster(roster)))


def papers(spec_text: str = SPEC) -> list[dict]:
    return list(_papers(spec_text))


def parts_by_key(paper: Mapping[str, Any]) -> dict[str, tuple[dict, dict]]:
    """response key -> (question, part), found through the question data (qid, part id)."""
    by_qid = {q["qid"]: q for s in paper["sections"] for q in s["questions"]}
    out = {}
    for k in response_keys(paper):
        q = by_qid[k.qid]
        out[k.key] = (q, next(p for p in q["parts"] if p["id"] == k.part_id))
    return out


def right_answer(part: Mapping[str, Any], variant: int = 0) -> str:
    """The key's answer as a student might write it (``variant`` picks a spelling)."""
    kind = part["kind"]
    if kind == "number":
        return hex(part["answer"]) if variant % 2 else str(part["answer"])
    if kind == "bit":
        return "１" if part["answer"] and variant % 2 else str(part["answer"])
    if kind == "text":
        state = normalise_state(str(part["answer"]))
        if state:
            forms = spellings(state)
            return forms[variant % len(forms)]
        return str(part["answer"]).upper() if variant % 2 else str(part["answer"])
    if kind == "truefalse":
        return (["y", "对", "True", "√"] if part["answer"] else ["n", "错", "false", "×"]
                )[variant % 4]
    if kind == "choice":
        letters = [letter_of(part, c["id"]) for c in part["choices"] if c.get("correct")]
        return f"({letters[0].lower()})" if variant % 2 and len(letters) == 1 else \
            ",".join(letters)
    if kind == "order":
        letters = [letter_of(part, i) for i in part["answer"]]
        return " ".join(letters).lower() if variant % 2 else "".join(letters)
    raise AssertionError(kind)


def wrong_choice(part: Mapping[str, Any], variant: int = 0) -> dict:
    """A wrong choice of a choice part (``variant`` picks which)."""
    wrong = [c for c in part["choices"] if not c.get("correct")]
    return wrong[variant % len(wrong)]


def wrong_answer(part: Mapping[str, Any], variant: int = 0) -> str:
    kind = part["kind"]
    if kind == "number":
        return str((part["answer"] + 1) % 2**32)
    if kind == "bit":
        return str(1 - part["answer"])
    if kind == "text":
        state = normalise_state(str(part["answer"]))
        return "LISTEN" if state != "LISTEN" else "CLOSED"
    if kind == "truefalse":
        return "n" if part["answer"] else "y"
    if kind == "choice":
        return letter_of(part, wrong_choice(part, variant)["id"])
    if kind == "order":
        return "".join(reversed([letter_of(part, i) for i in part["answer"]]))
    raise AssertionError(kind)


def all_keys(ps: list[dict]) -> list[str]:
    keys = {k.key for p in ps for k in response_keys(p)}
    return sorted(keys, key=lambda k: [int(x) for x in k.split(".")])


def answers_csv(rows: list[list[str]], header: list[str], *, encoding: str = "utf-8",
                bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)




def plan(i: int, number: int) -> str:
    """What student ``i`` does on question ``number``: right, wrong, blank or unreadable."""
    if i == 36:
        return "right"
    if i == 37:
        return "wrong"
    if i == 38:
        return "blank"
    if i == 39:
        return "unreadable"
    if i % 5 == 0 and number == 1:
        return "blank"
    return "wrong" if (i + number) % 3 == 0 else "right"


def class_answers(ps: list[dict]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the class's answers file, following :func:`plan`."""
    keys = all_keys(ps)
    rows = []
    for i, p in enumerate(ps):
        cells = {}
        for key, (q, part) in parts_by_key(p).items():
            what = plan(i, int(key.split(".")[0]))
            cells[key] = {"right": lambda: right_answer(part, i),
                          "wrong": lambda: wrong_answer(part, i),
                          "blank": lambda: "",
                          "unreadable": lambda: "?"}[what]()
        rows.append([p["student"]["id"], p["student"]["name"], p["code"],
                     *(cells.get(k, "") for k in keys)])
    return ["student_id", "name", "paper_code", *keys], rows


def expected_marks_csv(ps: list[dict]) -> str:
    """The marks CSV the class's answers must give, from the questions' own points."""
    lines = ["\ufeffstudent_id,name,paper_code,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,total"]
    for i, p in enumerate(ps):
        qs = [q for s in p["sections"] for q in s["questions"]]
        points = [q["points"] if plan(i, n) == "right" else 0 for n, q in enumerate(qs, 1)]
        lines.append(",".join([p["student"]["id"], p["student"]["name"], p["code"],
                               *(f"{x:g}" for x in points), f"{sum(points):g}"]))
    return "\r\n".join(lines) + "\r\n"
