"""Refuse question data a writer could only export wrongly (called by ``quizgen.export.render``):
the question-data contract (``quizgen.questions.data.check_questions``), and ids that stay
distinct once made XML-safe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizgen.errors import QuizgenError
from quizgen.export.xmlzip import safe_id
from quizgen.questions.data import check_questions as check_contract
from quizgen.questions.data import where


def check_questions(questions: list[dict]) -> None:
    """Reject data a writer could only export wrongly. Raises QuizgenError naming the question."""
    if not questions:
        raise QuizgenError("no questions to export")
    contract: list[Mapping[str, Any]] = list(questions)  # its parameter is list[Mapping]
    check_contract(contract)
    seen: dict[str, str] = {}
    for q in questions:
        sid = safe_id(q["qid"])
        if sid in seen:
            raise QuizgenError(f"{where(q)} clashes with {seen[sid]!r} (same id {sid!r} once "
                               "made XML-safe)")
        seen[sid] = q["qid"]
