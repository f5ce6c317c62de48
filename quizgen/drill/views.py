"""A question as the drill's web pages show it (HTML pack and web app), and its key.

Every HTML fragment of a question (prompt, choices, items, feedback, explanation) passes an
allow-list sanitiser (nh3) first: a bank template that slips raw markup in can neither run
script nor break the page's structure (fragments come back balanced). Plain-text values
(title, labels) are escaped by the templates. The ladder SVG is quizgen's own output.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizgen.drill import check
from quizgen.drill.problems import solution_ladder
from quizgen.render.text import plain_text
from quizgen.drill.words import word, words
from quizgen.questions.data import labels
from quizgen.render.ladder import ladder_svg
from quizgen.questions.markup import BLANK_RE as _BLANK
from quizgen.resources import templates_dir
from quizgen.safehtml import clean



def safe_html(fragment: str) -> Markup:
    """A question's HTML fragment, reduced to harmless, balanced markup (quizgen.safehtml)."""
    return Markup(clean(fragment))


@dataclass
class FieldView:
    """One part as a form field; ``name`` is the form field's name."""
    id: str
    name: str
    kind: str
    label: str
    inline: bool
    multiple: bool = False
    options: list[tuple[str, Markup, str]] = field(default_factory=list)  # letter, html, text


@dataclass
class ProblemView:
    number: int
    title: str
    lang: str
    points: str
    difficulty: int
    chunks: list[Markup | FieldView]     # the prompt; a blank is its part's field
    asked: list[FieldView]               # parts asked after the prompt
    diagram: Markup | None               # the student's ladder diagram (blanks empty)
    fields: list[FieldView]


def field_name(part_id: str) -> str:
    return f"a.{part_id}"


def problem_view(q: Mapping[str, Any], number: int = 1) -> ProblemView:
    prompt = str(safe_html(q["prompt"]))
    marked = set(_BLANK.findall(prompt))
    fields = []
    for part in q["parts"]:
        options = [(letter, safe_html(o["text"]), plain_text(o["text"]))
                   for letter, o in zip(labels(part), part.get("choices") or part.get("items") or ())]
        fields.append(FieldView(id=part["id"], name=field_name(part["id"]), kind=part["kind"],
                                label=str(part.get("label") or ""),
                                inline=part["id"] in marked,
                                multiple=bool(part.get("multiple")), options=options))
    by_id = {f.id: f for f in fields}
    chunks: list[Markup | FieldView] = []
    pos = 0
    for m in _BLANK.finditer(prompt):
        chunks.append(Markup(prompt[pos:m.start()]))
        if m.group(1) in by_id:
            chunks.append(by_id[m.group(1)])
        pos = m.end()
    chunks.append(Markup(prompt[pos:]))
    diagram = Markup(ladder_svg(q, reveal=False)) if q.get("diagram") else None
    return ProblemView(number=number, title=q["title"], lang=q["lang"],
                       points=word("points", q["lang"]).format(n=f"{q['points']:g}"),
                       difficulty=q["difficulty"], chunks=chunks,
                       asked=[f for f in fields if not f.inline], diagram=diagram, fields=fields)


def solution_view(q: Mapping[str, Any]) -> dict[str, Any]:
    """What a student sees after checking: the explanation (with each part's own feedback
    first) and the filled ladder diagram, as HTML."""
    feedback = "".join(f'<div class="qg-feedback">{safe_html(p["feedback"])}</div>'
                       for p in q["parts"] if p.get("feedback"))
    source, request = solution_ladder(q)
    return {"explanation": Markup(feedback) + safe_html(q.get("explanation", "")),
            "ladder": Markup(ladder_svg(source, request, reveal=True, lang=q["lang"]))}


# ------------------------------------------------------------------------------- pages
_HTML_LANG = {"zh": "zh-CN", "en": "en"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir() / "drill")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.filters["clean"] = safe_html
    return env


@cache
def asset(name: str) -> Markup:
    """A CSS or JS file of templates/drill, to be inlined."""
    return Markup((templates_dir() / "drill" / name).read_text(encoding="utf-8"))


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def render_page(template: str, lang: str, **context: Any) -> str:
    """A drill page: ``template`` with the shared stylesheet and the page's language."""
    return environment().get_template(template).render(
        lang=lang, html_lang=_HTML_LANG.get(lang, "en"), words=words(lang), css=asset("drill.css"),
        **context)
