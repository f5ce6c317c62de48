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


# ------------------------------------------------------------------ sealed and A3 (HTML)
def _layout_paper(zh, layout, **extra):
    return make_paper(zh, layout=layout, full_marks=None, exam_time="120 分钟",
                      version_label="A卷", **extra)


@pytest.mark.parametrize("layout", ["sealed", "a3"])
def test_sealed_layouts_strip_marker_rows_and_part_boxes(zh, layout):
    paper = _layout_paper(zh, layout)
    doc, key = paper_html(paper), key_html(paper)
    seal = doc.split('<div class="qg-seal">', 1)[1].split("</div></div>", 1)[0]
    strip = text_of("<body>" + seal)
    for word in ("学院：", "班级：", "姓名： 张三", "学号： 2023001", "密 封 线", "密封线内不要答题"):
        assert word in strip, (word, strip)
    assert doc.count('class="qg-partbox"') == len(paper["sections"])     # one a part
    assert "<tr><th>评卷人</th>" in doc                                   # the score table's row
    assert 'class="qg-student"' not in doc          # name and student id are in the strip
    assert '<div class="qg-seal">' not in key and '<table class="qg-partbox">' not in key
    assert "@left-middle { content: element(seal)" in doc


def test_layout_pages_and_margins(zh):
    css = {layout: render_html(_layout_paper(zh, layout)).split("/* quizgen:", 1)[0]
           for layout in ("plain", "sealed", "a3")}
    assert "size: A4;\n  margin: 22mm 18mm 20mm 18mm;" in css["plain"]
    assert "size: A4;\n  margin: 20mm 18mm 20mm 32mm;" in css["sealed"]
    assert "size: A3 landscape;\n  margin: 18mm 18mm 18mm 36mm;" in css["a3"]
    assert 'class="qg-layout-a3 qg-sealed qg-columns"' in render_html(_layout_paper(zh, "a3"))
    own = render_html(_layout_paper(zh, "sealed", margins={"left": 40.0, "top": 25.0}))
    assert "margin: 25mm 18mm 20mm 40mm;" in own


def test_the_stylesheet_after_the_marker_is_the_same_in_every_layout(zh, questions):
    """The PDF renderer parses it once for the batch (quizgen/render/pdf.py, FIXED_CSS)."""
    from quizgen.render.pdf import split_fixed_css

    fixed = {split_fixed_css(render_html(p, key=k))[1] for k in (False, True) for p in
             (_layout_paper(zh, "plain"), _layout_paper(zh, "sealed"), _layout_paper(zh, "a3"),
              make_paper(questions, lang="en"))}
    assert len(fixed) == 1


@pytest.mark.parametrize("layout", ["plain", "sealed", "a3"])
def test_golden_layouts(zh, layout):
    from pathlib import Path

    from tests.golden import assert_golden

    golden = Path(__file__).resolve().parent / "golden"
    paper = _layout_paper(zh, layout)
    assert_golden(golden / f"layout-{layout}-paper.html", paper_html(paper))
    assert_golden(golden / f"layout-{layout}-key.html", key_html(paper))


# ------------------------------------------------------------------ the PDFs (poppler)
def _poppler(*args: str) -> str:
    import subprocess

    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """Three renders: the sealed paper, the A3 paper and the A3 key (one batch)."""
    from quizgen.render.pdf import render_pdfs
    from tests.render.support import zh_questions

    zh = zh_questions()
    docs = {"sealed-paper": paper_html(_layout_paper(zh, "sealed")),
            "a3-paper": paper_html(_layout_paper(zh, "a3")),
            "a3-key": key_html(_layout_paper(zh, "a3"))}
    folder = tmp_path_factory.mktemp("layouts")
    names = list(docs)
    out = {}
    for index, data, _ in render_pdfs([docs[n] for n in names]):
        path = folder / f"{names[index]}.pdf"
        path.write_bytes(data)
        out[names[index]] = path
    return out


def _words(pdf, page=1) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, word) of each word on a page (pdftotext -bbox)."""
    xml = _poppler("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [(float(a), float(b), float(c), float(d), htmllib.unescape(w)) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">([^<]*)</word>', xml)]


def _not_blank(pdf, tmp_path) -> float:
    """The share of the first page's pixels that are not white."""
    from PIL import Image

    _poppler("pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf),
             str(tmp_path / "p"))
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = image.point(lambda v: 255 if v < 200 else 0).histogram()[255]
    return dark / (image.width * image.height)


@pytest.mark.parametrize("name", ["sealed-paper", "a3-paper"])
def test_pdf_strip_head_and_first_page(pdfs, name, tmp_path):
    pdf = pdfs[name]
    text = "".join(_poppler("pdftotext", str(pdf), "-").split())
    for word in ("学院：", "班级：", "姓名：张三", "学号：2023001", "密封线", "密封线内不要答题",
                 "满分：", "考试时间：120分钟", "期末考试（A卷）", "A卷·试卷代码K7Q2XY", "评卷人"):
        assert word in text, word
    strip = [w for w in _words(pdf) if "密封线内不要答题" in w[4] or w[4].startswith("学院")]
    assert strip and all(w[2] < 36 / 25.4 * 72 for w in strip)   # in the left margin
    assert all(w[3] - w[1] > w[2] - w[0] for w in strip)          # running up the page
    assert any(w[3] - w[1] > 5 * (w[2] - w[0]) for w in strip)
    assert _not_blank(pdf, tmp_path) > 0.01


def test_pdf_sealed_is_a4_and_a3_is_landscape_in_two_columns(pdfs):
    assert "595.276 x 841.89 pts (A4)" in _poppler("pdfinfo", str(pdfs["sealed-paper"]))
    for name in ("a3-paper", "a3-key"):
        info = _poppler("pdfinfo", str(pdfs[name]))
        assert "1190.55 x 841.89 pts (A3)" in info, info
        words = [w for w in _words(pdfs[name]) if 60 < w[1] < 780]   # not header, footer
        left = [w for w in words if 110 < w[0] and w[2] < 590]
        right = [w for w in words if w[0] > 610]
        assert len(left) > 40 and len(right) > 40, (len(left), len(right))
        # no line runs across the fold: the columns' texts stay on their side
        assert not [w for w in words if w[0] < 590 < w[2]], "a word across the middle"
