"""What makes a class set's PDFs faster changes none of their bytes: the stylesheet's fixed part
parsed once, the diagrams handed to WeasyPrint as images, the page headers' widths."""

from __future__ import annotations

import re

import pytest

from quizgen.paper import build_paper, parse_spec
from quizgen.render.fonts import font_face_css
from quizgen.render.paper_html import render_html
from quizgen.render.pdf import (FIXED_CSS, PdfRenderer, diagrams_as_images, render_pdfs,
                                split_fixed_css)
from tests.render.support import FixtureSource, fixture_questions, zh_questions

SPEC = """\
title: {title}
course: 计算机网络
lang: {lang}
paper_size: {size}
layout: {layout}
seed: 3
sections:
  - title: 题
    ids: [s-fill, s-compute, s-state, s-order]
    points: 5
"""
WIDTH = re.compile(r" width: [0-9.]+(?:mm|%);")


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")


def _documents(lang="zh", title="单元测验", size="A4", layout="plain") -> list[str]:
    questions = zh_questions() if lang == "zh" else fixture_questions()
    spec = parse_spec(SPEC.format(title=title, lang=lang, size=size, layout=layout), "t.yaml")
    paper = build_paper(spec, "K7Q2ZD", FixtureSource(questions))
    return [render_html(paper), render_html(paper, key=True)]


@pytest.mark.parametrize("lang, size, layout", [("zh", "A4", "plain"), ("en", "Letter", "plain"),
                                               ("zh", "A4", "sealed")])
def test_the_shortcuts_change_no_byte(lang, size, layout):
    htmls = _documents(lang, size=size, layout=layout)
    for html in htmls:   # the test means something: there is a marker and there are diagrams
        assert FIXED_CSS in html and 'class="qg-ladder"' in html
        rest, fixed = split_fixed_css(diagrams_as_images(html))
        assert fixed and "<svg" not in rest and "data:image/svg+xml;base64," in rest
    css = font_face_css(htmls)
    renderer = PdfRenderer(css, shortcuts=False)
    plain = [renderer.render(html)[0] for html in htmls]
    # the batch path: shortcuts, and the collector paused between documents
    assert [data for _, data, _ in sorted(render_pdfs(htmls, font_css=css))] == plain


def test_the_page_header_widths_change_no_byte():
    htmls = _documents()
    css = font_face_css(htmls)
    plain = PdfRenderer(css, shortcuts=False)
    for html in htmls:
        cut = html.index(FIXED_CSS)
        page_css = html[:cut]
        assert len(WIDTH.findall(page_css)) == 6      # 3 top, 2 bottom, the key's top-centre
        assert plain.render(html) == plain.render(WIDTH.sub("", page_css) + html[cut:])


def test_a_header_too_long_is_cut_to_fit_its_line():
    """A title too long for the running header is cut with an ellipsis (it wrapped over three
    lines), so the estimate can promise it fits and the widths are given."""
    html = _documents(title="计算机网络 · 传输层 · TCP 连接的建立与释放 期中考试 第二部分 综合题")[0]
    page_css = html[:html.index(FIXED_CSS)]
    top = re.findall(r"@top-\w+ \{[^}]*\}", page_css)
    assert len(top) == 4 and all(WIDTH.search(rule) for rule in top)
    assert all("white-space: nowrap" in rule for rule in top)
    assert any("…" in rule for rule in top)
