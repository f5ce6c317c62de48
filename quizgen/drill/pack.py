"""The HTML drill pack: one self-contained page of problems checked in the browser.

Inline CSS and script only (a Content-Security-Policy allows exactly those two by hash and
nothing from the network), so it works from file:// and offline. A page that checks answers
with no server must carry them: the answers, explanations and filled diagrams travel as one
base64 blob of JSON XOR'd with a key stored beside it. That only keeps them out of sight in
the page source and protects nothing: anyone can decode it (a few lines of script print
every answer). So the pack is a self-study page, not for exams, and says so at its top.
The page depends only on the questions and the seed: same input, same bytes.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Mapping, Sequence
from typing import Any

from quizgen.drill import check
from quizgen.drill.views import (
    asset,
    csp_hash,
    problem_view,
    render_page,
    safe_html,
    solution_view,
)
from quizgen.drill.words import word
from quizgen.questions.data import labels
from quizgen.errors import QuizgenError
from quizgen.questions.names import STATES, spellings

KEY_BYTES = 32


def _part_key(part: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """What the page's script needs to grade a part (see pack.js)."""
    kind = part["kind"]
    spec: dict[str, Any] = {"id": part["id"], "k": kind, "x": check.expected(part, lang)}
    options = part.get("choices") or part.get("items") or ()
    if kind in ("number", "bit"):
        spec["a"] = part["answer"]
    elif kind == "text":
        spec.update(a=check.accepted_text(part), state=check.state_answer(part) is not None)
    elif kind == "truefalse":
        spec.update(a=part["answer"], fb={"true": str(safe_html(part.get("feedback_true", ""))),
                                          "false": str(safe_html(part.get("feedback_false", "")))})
    elif kind == "choice":
        spec.update(a=[check.letter_of(part, c["id"]) for c in part["choices"] if c.get("correct")],
                    m=bool(part.get("multiple")), n=len(options),
                    fb={letter: str(safe_html(c.get("feedback", "")))
                        for letter, c in zip(labels(part), part["choices"])})
    elif kind == "order":
        marks = labels(part)
        spec.update(a=[check.letter_of(part, i) for i in part["answer"]], n=len(options),
                    r=f"{marks[0]}–{marks[-1]}")
    return spec


def _key(q: Mapping[str, Any]) -> dict[str, Any]:
    solution = solution_view(q)
    return {"parts": [_part_key(p, q["lang"]) for p in q["parts"]],
            "explanation": str(solution["explanation"]), "ladder": str(solution["ladder"])}


def _scramble(data: bytes, key: bytes) -> str:
    """``data`` XOR'd with ``key``, in base64: out of sight, not secret (see the docstring)."""
    return base64.b64encode(bytes(b ^ key[i % len(key)] for i, b in enumerate(data))).decode()


def pack_html(questions: Sequence[Mapping[str, Any]], *, lang: str, seed: int) -> str:
    """The pack's HTML for ``questions`` (in ``lang``'s words); ``seed`` picks the key."""
    if not questions:
        raise QuizgenError("no problems to put in the pack")
    key = random.Random(f"pack-key:{seed}").randbytes(KEY_BYTES)
    blob = json.dumps([_key(q) for q in questions], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    css, js = asset("drill.css"), asset("pack.js")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
           "img-src data:; form-action 'none'; base-uri 'none'")
    js_words: dict[str, Any] = {k: word(k, lang) for k in (
        "hint_number", "hint_number_range", "hint_bit", "hint_state", "hint_text",
        "hint_truefalse", "hint_choice", "hint_choices", "hint_order", "answer_is", "right",
        "wrong", "explanation", "diagram")}
    js_words["states"] = [s for state in STATES for s in spellings(state)]
    return render_page("pack.html.j2", lang, page_title=word("title", lang), csp=csp, js=js,
                       views=[problem_view(q, n) for n, q in enumerate(questions, start=1)],
                       part_count=sum(len(q["parts"]) for q in questions),
                       key=base64.b64encode(key).decode(), blob=_scramble(blob, key),
                       js_words=js_words)
