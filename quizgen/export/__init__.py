"""LMS exports of generated questions: Moodle XML, GIFT, Canvas QTI 1.2 and QTI 2.1.

Each writer is a module with ``write(questions, diagram_svg) -> bytes`` reading only question
dicts (docs/question-data.md) and ``count(questions) -> int``, the number of questions an LMS
gets from it (GIFT and Canvas write a question with several parts they cannot hold as one
question per part); ``FORMATS`` maps a format's name to its module. :func:`export` writes the
result atomically. Output is deterministic: the same questions give byte-identical
files.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from quizgen.errors import QuizgenError
from quizgen.export.parts import DiagramFn
from quizgen.export.validate import check_questions
from quizgen.files import write_new
from quizgen.safehtml import clean_question

FORMATS: dict[str, str] = {
    "moodle": "quizgen.export.moodle",
    "gift": "quizgen.export.gift",
    "qti12": "quizgen.export.qti12",
    "qti21": "quizgen.export.qti21",
}

__all__ = ["FORMATS", "DiagramFn", "count", "export", "render"]


def _module(fmt: str):
    if fmt not in FORMATS:
        raise QuizgenError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    return importlib.import_module(FORMATS[fmt])


def render(questions: list[dict], fmt: str, *, diagram_svg: DiagramFn | None = None) -> bytes:
    """The bytes of ``questions`` in format ``fmt`` (no file is written)."""
    module = _module(fmt)
    check_questions(questions)
    questions = [clean_question(q) for q in questions]     # bank HTML, on every export path
    return module.write(questions, diagram_svg)


def count(questions: list[dict], fmt: str) -> int:
    """How many questions ``render(questions, fmt)`` gives an LMS (more than
    ``len(questions)`` where a format writes one question per part)."""
    return int(_module(fmt).count(questions))


def export(questions: list[dict], fmt: str, out: Path, *, diagram_svg: DiagramFn | None = None,
           force: bool = False) -> Path:
    """Write ``questions`` as ``fmt`` to ``out`` and return ``out``.

    The file appears whole or not at all (a temporary file in the same folder, then a rename);
    an existing ``out`` is kept unless ``force``. ``diagram_svg(question)`` gives the SVG of a
    question's ladder diagram (called only for questions with a ``diagram``)."""
    out = Path(out)
    if out.exists() and not force:            # before the work of rendering
        raise QuizgenError(f"{out} already exists (use --force to overwrite it)")
    return write_new(out, render(questions, fmt, diagram_svg=diagram_svg), force=force)
