"""The school layouts in HTML and PDF (docs/word-and-layouts.md): every layout's head shows
满分 (the spec's full_marks, else the paper's total), 考试时间 and the version label, read off
the Paper's keys; the PDFs are checked with poppler (pdftotext, pdfinfo), a tool nobody here
wrote. The fixture questions keep these tests independent of the question banks."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from quizgen.render.paper_html import key_html, paper_html, render_html


def make_paper(questions, lang="zh", **extra):
    paper = {"title": "期末考试", "course": "计算机网络", "date": "2026-12-01",
             "instructions": "<p>答案写在框内。</p>", "lang": lang, "paper_size": "A4",
             "code": "K7Q2XY", "version": 1, "student": {"id": "2023001", "name": "张三"},
             "sections": [{"title": "填空题", "questions": questions[:2]},
                          {"title": "选择与判断", "questions": questions[2:]}],
             "layout": "plain", "full_marks": None, "exam_time": "", "version_label": "",
             "fonts": {}, "margins": {}}
    paper.update(extra)
    return paper


def text_of(document: str) -> str:
    body = document.split("<body", 1)[1].split(">", 1)[1]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def total(paper) -> float:
    return sum(q["points"] for s in paper["sections"] for q in s["questions"])


# ------------------------------------------------------------------------------ plain
def test_plain_head_shows_the_papers_total_as_full_marks(zh):
    paper = make_paper(zh)
    for doc in (paper_html(paper), key_html(paper)):
        assert f"满分：{total(paper):g} 分" in text_of(doc)
        assert "考试时间" not in text_of(doc)          # the spec gave none


def test_plain_head_full_marks_exam_time_and_version_label(zh):
    paper = make_paper(zh, full_marks=100, exam_time="120 分钟", version_label="B卷")
    paper_text, key_text = text_of(paper_html(paper)), text_of(key_html(paper))
    for text in (paper_text, key_text):
        assert "满分：100 分" in text and "考试时间：120 分钟" in text
    assert "期末考试（B卷）" in paper_text and "期末考试（B卷 参考答案）" in key_text
    css = paper_html(paper).split("</style>", 1)[0]
    assert '@top-right { content: "B卷 · 试卷代码 K7Q2XY"' in css     # on every page


def test_no_version_label_without_versions(zh):
    doc = paper_html(make_paper(zh))
    assert "卷" not in text_of(doc).replace("试卷代码", "")


def test_english_head_uses_english_words_and_punctuation(questions):
    paper = make_paper(questions, lang="en", title="Final exam", course="Networks",
                       full_marks=100, exam_time="120 minutes", version_label="Paper A",
                       student={"id": "7", "name": "Ann"})
    for doc in (paper_html(paper), key_html(paper)):
        head = text_of(doc).split("Part A.", 1)[0]      # quizgen's words, not the bank's
        assert "Full marks: 100 pts" in head and "Time allowed: 120 minutes" in head
        assert "Final exam (Paper A" in head
        assert not re.search("[：（）　]", head), head


def test_plain_layout_is_todays_paper_for_a_paper_without_layout_keys(zh):
    """A Paper made before the layouts (no layout keys) is read as plain."""
    paper = make_paper(zh)
    for name in ("layout", "full_marks", "exam_time", "version_label", "fonts", "margins"):
        paper.pop(name)
    assert render_html(paper) == render_html(make_paper(zh))
