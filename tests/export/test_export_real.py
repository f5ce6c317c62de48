"""The same checks on questions from the real generator (quizgen.questions), every built-in
bank entry in both languages, with the real ladder renderer when it is there."""

from __future__ import annotations

import json
from functools import partial

import pytest

from quizgen.commands.export import variant_seeds
from quizgen.export import render

from .test_export_gift import _check as check_gift
from .test_export_moodle import _check_answers, _check_rules
from .test_export_qti import _check_qti12, _check_qti21


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    from quizgen import questions
    out = []
    for lang in ("zh", "en"):
        for entry in questions.load_banks():
            for seed in variant_seeds(3, entry.id, 2):
                out.append(questions.generate_question(entry, seed, lang))
    # qids repeat across languages: keep them distinct
    for q in out:
        q["qid"] = f"{q['qid']}-{q['lang']}"
    return out


@pytest.fixture(scope="module")
def ladder():
    try:
        from quizgen.render.ladder import ladder_svg
    except ImportError:
        return None
    return partial(ladder_svg, reveal=False)


def test_generated_questions_are_plain_json(generated):
    """What the export tests' JSON fixture stands for: no tuples, sets, non-string keys or
    NaN in real question data, so a strict JSON round trip gives it back unchanged."""
    assert json.loads(json.dumps(generated, allow_nan=False)) == generated


def test_moodle(generated, ladder):
    data = render(generated, "moodle", diagram_svg=ladder)
    _check_rules(data, generated)
    _check_answers(data, generated)


def test_gift(generated, ladder):
    check_gift(render(generated, "gift", diagram_svg=ladder), generated, escape_aware=True)


def test_qti21(generated, ladder, tmp_path, qti21_schema, cp_schema):
    _check_qti21(render(generated, "qti21", diagram_svg=ladder), generated, tmp_path,
                 qti21_schema, cp_schema)


def test_qti12(generated, ladder, tmp_path, qti12_dtd):
    _check_qti12(render(generated, "qti12", diagram_svg=ladder), generated, tmp_path, qti12_dtd)
