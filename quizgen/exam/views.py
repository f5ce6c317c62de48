"""The exam pages' templates (``templates/exam``, with the drill's question macros from
``templates/drill``) and their inlined assets: the drill's stylesheet, the exam's additions
and its autosave script, each allowed by its hash in the Content-Security-Policy."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizgen.drill.views import safe_html
from quizgen.resources import templates_dir

_HTML_LANG = {"zh": "zh-CN", "en": "en"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    root = templates_dir()
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(root / "exam")),
                                           FileSystemLoader(str(root / "drill"))]),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      undefined=StrictUndefined)
    env.filters["clean"] = safe_html
    return env


@cache
def asset(name: str) -> str:
    """exam.css (the drill's stylesheet and the exam's rules) or exam.js, to be inlined."""
    root = templates_dir()
    text = (root / "exam" / name).read_text(encoding="utf-8")
    if name == "exam.css":
        text = (root / "drill" / "drill.css").read_text(encoding="utf-8") + "\n" + text
    return text


def render(template: str, lang: str, **context: Any) -> str:
    return environment().get_template(template).render(
        lang=lang, html_lang=_HTML_LANG.get(lang, "en"), css=Markup(asset("exam.css")),
        **context)
