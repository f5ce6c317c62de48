"""Exam papers and answer keys as HTML, from a Paper dict (docs/question-data.md).

The templates (``templates/paper/``) get view objects built here: the question HTML
fragments are trusted (``Markup``), everything else is escaped by Jinja. A blank marker in
a prompt becomes an empty answer box in the paper and the filled answer in the key. The
output depends only on the Paper: same Paper, same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from markupsafe import Markup, escape

from quizgen.i18n import format_points, section_number, words as strings
from quizgen.questions.data import LETTERS, check_question, key_text, labels, letters
from quizgen.questions.markup import BLANK_RE
from quizgen.render.fonts import FONT_STACK
from quizgen.render.ladder import ladder_svg
from quizgen.resources import templates_dir
from quizgen.safehtml import clean, clean_question
_HTML_LANG = {"zh": "zh-CN", "en": "en"}


@dataclass
class PartView:
    id: str
    kind: str
    label: str
    inline: bool                 # asked by a blank in the prompt
    answer: Markup               # for the key
    box: Markup                  # its answer box: empty in the paper, filled in the key
    choices: list[tuple[str, Markup, bool]] = field(default_factory=list)  # letter, html, right
    items: list[tuple[str, Markup]] = field(default_factory=list)     # (letter, html)
    slots: list[Markup] = field(default_factory=list)                 # order: one box a place


@dataclass
class QuestionView:
    number: int
    qid: str
    points: str
    prompt: Markup
    parts: list[PartView]
    asked: list[PartView]        # the parts not asked inside the prompt, in order
    diagram: Markup | None
    explanation: Markup


@dataclass
class SectionView:
    number: str
    title: str
    summary: str
    questions: list[QuestionView]


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(templates_dir() / "paper")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    return env


def _box(kind: str, part: str, answer: Markup | None) -> Markup:
    """An answer box; filled (key) when ``answer`` is given."""
    size = {"number": "num", "bit": "bit", "text": "text"}.get(kind, "letter")
    if answer is None:
        return Markup('<span class="qg-box qg-box-{}" data-part="{}"></span>').format(size, part)
    return Markup('<span class="qg-box qg-box-{} qg-filled" data-part="{}">{}</span>').format(
        size, part, answer)


def question_view(question: Mapping[str, Any], number: int, *, key: bool,
                  lang: str | None = None) -> QuestionView:
    """A question as the templates show it; ``lang`` is the paper's (its UI words)."""
    lang = lang or question["lang"]
    check_question(question)
    question = clean_question(question)          # bank HTML, whatever made this question
    inline_ids = set(BLANK_RE.findall(question["prompt"]))
    parts = []
    for part in question["parts"]:
        kind = part["kind"]
        choices = [(LETTERS[k], Markup(c["text"]), bool(c.get("correct")))
                   for k, c in enumerate(part.get("choices", ()))]
        items = [(mark, Markup(i["text"])) for mark, i in zip(labels(part), part.get("items", ()))]
        shown = letters(part)
        answer = escape(key_text(part, question.get("lang", lang)))
        slots = ([_box(kind, part["id"], Markup(shown[i]) if key else None)
                  for i in part["answer"]] if kind == "order" else [])
        parts.append(PartView(id=part["id"], kind=kind, label=part.get("label", ""),
                              inline=part["id"] in inline_ids, answer=answer,
                              box=_box(kind, part["id"], answer if key else None),
                              choices=choices, items=items, slots=slots))
    by_id = {p.id: p for p in parts}

    def fill(match: re.Match) -> str:
        part = by_id.get(match.group(1))
        return part.box if part else _box("number", match.group(1), None)

    prompt = Markup(BLANK_RE.sub(fill, question["prompt"]))
    diagram = (Markup(ladder_svg(question, reveal=key)) if question.get("diagram") else None)
    return QuestionView(number=number, qid=question["qid"],
                        points=format_points(lang, question["points"]), prompt=prompt,
                        parts=parts, asked=[p for p in parts if not p.inline], diagram=diagram,
                        explanation=Markup(question.get("explanation", "")))


def _sections(paper: Mapping[str, Any], key: bool) -> list[SectionView]:
    lang, words, number, out = paper["lang"], strings(paper["lang"]), 0, []
    for k, section in enumerate(paper["sections"]):
        questions = []
        for q in section["questions"]:
            number += 1
            questions.append(question_view(q, number, key=key, lang=lang))
        points = [q["points"] for q in section["questions"]]
        total = f"{sum(points):g}"
        if points and len(set(points)) == 1:
            summary = words["section_points"].format(each=f"{points[0]:g}", total=total)
        else:
            summary = words["section_points_mixed"].format(total=total)
        out.append(SectionView(number=section_number(lang, k), title=section["title"],
                               summary=summary, questions=questions))
    return out


def render_html(paper: Mapping[str, Any], *, key: bool = False,
                key_appended: bool = False) -> str:
    """The student's paper (``key=False``; with the key after it when ``key_appended``) or
    the answer key (``key=True``) as one self-contained HTML document."""
    lang = paper["lang"]
    paper = {**paper, "instructions": clean(paper.get("instructions") or "")}
    docs = [("key" if key else "paper", _sections(paper, key))]
    if key_appended and not key:
        docs.append(("key", _sections(paper, True)))
    total = sum(q["points"] for s in paper["sections"] for q in s["questions"])
    words = strings(lang)
    marks = paper.get("full_marks") or total
    return environment().get_template("paper.html.j2").render(
        paper=paper, docs=docs, words=words, html_lang=_HTML_LANG[lang],
        font_stack=Markup(FONT_STACK), page_counter=Markup(words["page_css"]),
        total=f"{total:g}", css_string=_css_string, header_text=_header_text, page=page_geometry(paper),
        full_marks=format_points(lang, marks), exam_time=paper.get("exam_time") or "",
        version_label=paper.get("version_label") or "",
        section_numbers=[section_number(lang, k).rstrip("、.") for k in
                         range(len(paper["sections"]))])


def page_geometry(paper: Mapping[str, Any]) -> dict[str, Any]:
    """The page of the paper's layout (docs/word-and-layouts.md), as the DOCX writer sets it
    (its margins, the spec's ``margins`` over them): the CSS page size, the margins and the
    widths the page headers are laid out in (mm)."""
    from quizgen.render.docx import LAYOUT_MARGINS, PAGE_SIZES

    layout = paper.get("layout") or "plain"
    if layout not in LAYOUT_MARGINS:
        layout = "plain"
    margins = {**LAYOUT_MARGINS[layout], **(paper.get("margins") or {})}
    if layout == "a3":
        size, (height, width) = "A3 landscape", PAGE_SIZES["A3"]
    else:
        size = paper.get("paper_size", "A4")
        width, height = PAGE_SIZES.get(size, PAGE_SIZES["A4"])
    return {"layout": layout, "sealed": layout in ("sealed", "a3"), "columns": layout == "a3",
            "size": size, "margin": "{top:g}mm {right:g}mm {bottom:g}mm {left:g}mm".format(
                **margins), "left": margins["left"],
            "inner": round(width - margins["left"] - margins["right"], 1),
            "content_height": round(height - margins["top"] - margins["bottom"], 1)}


def paper_html(paper: Mapping[str, Any], *, key_appended: bool = False) -> str:
    return render_html(paper, key=False, key_appended=key_appended)


def key_html(paper: Mapping[str, Any]) -> str:
    return render_html(paper, key=True)


def _header_text(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` (a Chinese character counts two) with an ellipsis: a page's
    running header holds one line (a long course name wrapped it over three)."""
    from quizgen.render.ladder import display_width

    text = " ".join(str(text).split())
    if display_width(text) <= columns:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > columns - 1:
            break
        out += ch
    return out.rstrip() + "…"


def _css_string(text: str) -> Markup:
    """A CSS string literal (for ``content:``), safe inside <style>."""
    quoted = '"' + "".join(ch if ch not in '"\\<>&\n' else f"\\{ord(ch):x} " for ch in
                           str(text)) + '"'
    return Markup(quoted)
