"""Papers and keys as HTML: blanks, answers, explanations, escaping, page furniture."""

from __future__ import annotations

import copy
import re

import pytest

from quizgen.render.paper_html import key_html, paper_html, render_html


def make_paper(questions, lang="zh", **extra):
    paper = {"title": "期中考试 <TCP>", "course": "计算机网络", "date": "2026-12-01",
             "instructions": "<p>答案写在框内。</p>", "lang": lang, "paper_size": "A4",
             "code": "K7Q2XY", "version": 1, "student": {"id": "2023001", "name": "张三"},
             "sections": [{"title": "填空题", "questions": questions[:1]},
                          {"title": "选择与判断", "questions": questions[1:]}]}
    paper.update(extra)
    return paper


def test_blanks_are_boxes_in_the_paper_and_answers_in_the_key(zh):
    paper = make_paper(zh)
    html, key = paper_html(paper), key_html(paper)
    assert 'class="qg-blank"' not in html and 'class="qg-blank"' not in key
    boxes = re.findall(r'<span class="qg-box qg-box-(\w+)" data-part="(\w+)"></span>', html)
    assert ("num", "ack") in boxes and ("bit", "syn") in boxes and ("num", "u") in boxes
    assert re.search(r'qg-filled" data-part="ack">4294967291</span>', key)
    assert re.search(r'qg-filled" data-part="u">95</span>', key)
    assert 'qg-filled"' not in html and 'class="qg-key-answer"' not in html  # no answers
    assert "<span class=\"qg-tag\">解析</span>" not in html


def test_key_has_each_answer_and_the_explanation(zh):
    key = key_html(make_paper(zh))
    for q in zh:
        assert q["explanation"] in key  # trusted HTML, not escaped
    assert "解析" in key and "答案" in key
    assert "qg-correct" in key  # the right choice is marked
    assert "② → ④ → ⑤ → ① → ③" in key  # ordering: the items' numbers in the right order
    assert "正确（√）" in key  # true/false in the paper's language


def test_css_box_sized_for_ten_digits(zh):
    html = paper_html(make_paper(zh))
    width = float(re.search(r"\.qg-box-num \{ min-width: ([\d.]+)ch", html).group(1))
    assert width >= 10


def test_page_furniture_and_ui_strings(zh, questions):
    html = paper_html(make_paper(zh))
    assert "@top-center" in html and "@bottom-right" in html and "counter(page)" in html
    assert '"\\e8bd5卷代码 K7Q2XY"' not in html  # css strings are quoted text
    assert "试卷代码 K7Q2XY" in html  # paper code in the running header (every page)
    assert "break-inside: avoid" in html
    for word in ("姓名", "学号", "第 ", " 页"):
        assert word in html
    assert 'lang="zh-CN"' in html and "size: A4" in html
    en = paper_html(make_paper(questions, lang="en", paper_size="Letter"))
    for word in ("Name", "Student ID", '"Page " counter(page)', "Paper code K7Q2XY"):
        assert word in en
    assert "size: Letter" in en and "姓名" not in en


def test_text_is_escaped_and_fragments_are_not(zh):
    paper = make_paper(zh)
    html = paper_html(paper)
    assert "期中考试 &lt;TCP&gt;" in html and "<TCP>" not in html
    assert "<p>答案写在框内。</p>" in html
    hostile = copy.deepcopy(paper)
    hostile["student"]["name"] = '"; } body { display: none } </style><script>'
    out = paper_html(hostile)
    assert "<script>" not in out and "</style><script>" not in out


def test_key_appended(zh):
    paper = make_paper(zh)
    alone, both = paper_html(paper), paper_html(paper, key_appended=True)
    assert 'class="qg-doc qg-doc-key"' not in alone
    assert both.index("qg-doc-paper") < both.index('class="qg-doc qg-doc-key"')
    assert "4294967291</span>" in both and "@page key" in both


def test_same_paper_same_bytes(zh):
    paper = make_paper(zh)
    assert paper_html(paper) == paper_html(copy.deepcopy(paper))
    assert key_html(paper) == render_html(copy.deepcopy(paper), key=True)


def test_diagrams_blank_in_paper_filled_in_key(zh):
    paper = make_paper(zh)
    html, key = paper_html(paper), key_html(paper)
    assert html.count("<svg") == 2 and key.count("<svg") == 2
    assert "ack=</text>" in html and ">4294967291</text>" in key


@pytest.mark.parametrize("kind", ["number", "text", "bit"])
def test_parts_asked_after_the_prompt(zh, kind):
    q = copy.deepcopy(zh[6])  # part u has no marker: asked after the prompt with its label
    q["parts"][0]["kind"] = kind
    q["parts"][0]["answer"] = {"number": 1101, "text": "FIN-WAIT-1", "bit": 1}[kind]
    q["parts"][0].pop("answer_text", None)
    html = paper_html(make_paper([q]))
    assert re.search(r'<span class="qg-label">u</span>\s*<span class="qg-box', html)


def test_english_papers_use_english_punctuation_and_spaces(questions):
    """quizgen's own words on an English paper: 'Name: ', '(5 pts)', 'Part A. Title (...)';
    full-width ：（） belong to Chinese papers."""
    import html as htmllib

    paper = make_paper(questions, lang="en", title="Midterm", course="Networks",
                       instructions="", student={"id": "7", "name": "Ann"})
    paper["sections"][0]["title"] = "Handshake"
    for doc in (paper_html(paper), key_html(paper)):
        body = doc.split("<body", 1)[1]
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", body))
        assert not re.search("(Name|Student ID|Total|Correct order|Answer key)：|（[0-9]|pts）",
                             text), re.findall(".{12}[：（）].{12}", text)
        flat = " ".join(text.split())
        assert "Name: Ann" in flat and "Part A. Handshake (" in flat and "pts)" in flat


def test_a_long_running_header_is_cut_to_one_line(questions):
    """A long course name or title wrapped the page header over three lines: it is cut with
    an ellipsis and kept on one line."""
    paper = make_paper(questions, lang="en", title="Computer Networks Midterm Examination on "
                       "TCP Connection Management and Teardown",
                       course="CS 3310 Computer Networks and Distributed Systems, Fall 2026")
    doc = paper_html(paper)
    style = doc.split("<style>", 1)[1].split("</style>", 1)[0]
    top = [line for line in style.splitlines() if "@top-" in line]
    assert any("CS 3310 Computer Networks a" in t and "…" in t for t in top), top
    assert "Computer Networks Midterm Examination on TCP Connection Management" in doc  # the h1
    assert style.count("white-space: nowrap") >= 3
