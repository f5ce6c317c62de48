"""Refuse question data a writer could only export wrongly (called by ``quizgen.export.render``).

One function, :func:`check_questions`, so it can be replaced by the question-data validation
of ``quizgen.questions`` with a one-line import.
"""

from __future__ import annotations

import re

from quizgen.errors import QuizgenError
from quizgen.export.parts import PART_KINDS, accepted, where
from quizgen.export.xmlzip import safe_id

#: any blank marker, whatever its part id: looser than quizgen.questions.markup.BLANK_RE (which
#: the writers replace) on purpose, so a marker naming no valid part is refused rather than
#: left unreplaced in the output
_ANY_BLANK = re.compile(r'<span class="qg-blank" data-part="([^"]*)"></span>')


def check_questions(questions: list[dict]) -> None:
    """Reject data a writer could only export wrongly. Raises QuizgenError naming the question."""
    if not questions:
        raise QuizgenError("no questions to export")
    seen: dict[str, str] = {}
    for q in questions:
        for key in ("qid", "id", "title", "prompt", "parts"):
            if key not in q:
                raise QuizgenError(f"{where(q)} has no {key!r}")
        sid = safe_id(q["qid"])
        if sid in seen:
            raise QuizgenError(f"{where(q)} clashes with {seen[sid]!r} (same id {sid!r} once "
                               "made XML-safe)")
        seen[sid] = q["qid"]
        if not q["parts"]:
            raise QuizgenError(f"{where(q)} has no parts")
        ids = [p.get("id") for p in q["parts"]]
        if len(set(ids)) != len(ids):
            raise QuizgenError(f"{where(q)} has duplicate part ids")
        for p in q["parts"]:
            _check_part(q, p)
        for pid in _ANY_BLANK.findall(q["prompt"]):
            if pid not in ids:
                raise QuizgenError(f"{where(q)}: blank marker for unknown part {pid!r}")


def _check_part(q: dict, p: dict) -> None:
    kind = p.get("kind")
    here = f"{where(q)} part {p.get('id')!r}"
    if kind not in PART_KINDS:
        raise QuizgenError(f"{here}: unknown kind {kind!r}")
    if not re.fullmatch(r"[a-z0-9_]+", str(p.get("id", ""))):
        raise QuizgenError(f"{here}: part id must match [a-z0-9_]+")
    if kind == "number":
        a = p.get("answer")
        if not isinstance(a, int) or isinstance(a, bool) or not 0 <= a < 2**32:
            raise QuizgenError(f"{here}: answer must be an integer in [0, 2^32)")
    elif kind == "bit":
        if p.get("answer") not in (0, 1) or isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be 0 or 1")
    elif kind == "text":
        if not accepted(p):
            raise QuizgenError(f"{here}: no accepted answer")
    elif kind == "choice":
        choices = p.get("choices") or []
        right = sum(1 for c in choices if c.get("correct"))
        if len(choices) < 2 or right < 1 or (not p.get("multiple") and right != 1):
            raise QuizgenError(f"{here}: a {'multiple' if p.get('multiple') else 'single'} "
                               "choice needs two or more choices and "
                               f"{'one or more' if p.get('multiple') else 'exactly one'} correct")
    elif kind == "truefalse":
        if not isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be true or false")
    elif kind == "order":
        items = [i["id"] for i in p.get("items") or []]
        if len(items) < 2 or sorted(items) != sorted(p.get("answer") or []) or \
                len(set(items)) != len(items):
            raise QuizgenError(f"{here}: answer must order all of its (two or more) items")
