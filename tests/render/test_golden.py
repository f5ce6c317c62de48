"""Every rendered output of quizgen's own, pinned byte for byte (tests/golden.py says how to
update them): the sample paper and its key as HTML, ladder diagrams as SVG (blank and
revealed), and terminal text, from the built-in banks, in both languages. The LMS formats
have theirs in tests/export/."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.paper import BankSource, class_set, load_spec
from quizgen.questions import find_entry, generate_question
from quizgen.commands.papers import sample_spec
from quizgen.render.ladder import ladder_svg
from quizgen.render.paper_html import render_html
from quizgen.render.text import as_text
from tests.golden import assert_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
#: One entry of each type, and the diagram-heavy ones.
ENTRIES = ("hs-2-fill", "hs-state-b-syn", "hs-state-a-syn", "td-choice-fin2", "tf-syn-consumes",
           "order-b-states", "var-wrap-compute", "ladder-all", "ladder-simclose")


def test_sample_paper_and_key_html():
    paper = next(iter(class_set(load_spec(sample_spec()), BankSource())))
    assert_golden(GOLDEN / "sample-paper.html", render_html(paper))
    assert_golden(GOLDEN / "sample-key.html", render_html(paper, key=True))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ladder_svg(lang):
    q = generate_question(find_entry("ladder-all"), 5, lang)
    assert_golden(GOLDEN / f"ladder-all-{lang}-blank.svg", ladder_svg(q, reveal=False))
    assert_golden(GOLDEN / f"ladder-all-{lang}-key.svg", ladder_svg(q, reveal=True, lang=lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_text(lang):
    text = "\n\n----\n\n".join(as_text(generate_question(find_entry(e), 3, lang))
                               for e in ENTRIES)
    assert_golden(GOLDEN / f"questions-{lang}.txt", text + "\n")
