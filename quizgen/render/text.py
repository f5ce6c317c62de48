"""Plain-text views of question data, for the terminal (``quizgen question``, ``quizgen drill``).

Prompts and explanations are HTML fragments (docs/question-data.md). As text, a blank becomes
``[part_id]``, a table becomes aligned columns between blank lines, paragraphs and rows become
lines, ``2<sup>32</sup>`` becomes ``2^32``; a question's ladder diagram is drawn as text (blank
in the question, filled in the key).
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from quizgen.i18n import word
from quizgen.questions.data import key_text, letters
from quizgen.questions.markup import BLANK_RE as _BLANK
from quizgen.render.ladder import display_width, ladder_text

_TABLE = re.compile(r"<table\b[^>]*>(.*?)</table>", re.S | re.I)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.S | re.I)
_BREAK = re.compile(r"</tr>|<br\s*/?>|</p>|</li>", re.I)
_SUP = re.compile(r"<sup\b[^>]*>(.*?)</sup>", re.S | re.I)     # 2<sup>32</sup> -> 2^32
_SUB = re.compile(r"<sub\b[^>]*>(.*?)</sub>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _table(match: re.Match) -> str:
    rows = [[" ".join(unescape(_TAG.sub("", cell)).split()) for cell in _CELL.findall(row)]
            for row in _ROW.findall(match.group(1))]
    rows = [r for r in rows if r]
    if not rows:
        return ""
    widths = [max(display_width(r[i]) for r in rows if i < len(r))
              for i in range(max(map(len, rows)))]
    lines = ["  ".join(cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(r))
             .rstrip() for r in rows]
    # escaped again: the fragment around it is unescaped once at the end
    return "\n\n" + escape("\n".join(lines), quote=False) + "\n\n"


def plain_text(html: str) -> str:
    """An HTML fragment as plain text."""
    text = _BLANK.sub(r"[\1]", html)
    text = _SUB.sub(r"_\1", _SUP.sub(r"^\1", text))
    text = _TABLE.sub(_table, text)
    text = _BREAK.sub("\n", text)
    text = unescape(_TAG.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def as_text(q: dict[str, Any]) -> str:
    """A question and its key as plain text, its parts one blank line apart."""
    asked = [f"{q['title']}  ({q['qid']}, {q['points']} pt)", plain_text(q["prompt"])]
    if q.get("diagram"):
        asked.append(ladder_text(q, reveal=False).rstrip("\n"))
    options = []
    for p in q["parts"]:
        shown = letters(p)
        close = "" if p["kind"] == "order" else ")"      # A) for a choice, ① for an item
        options += [f"  {shown[c['id']]}{close} {plain_text(c['text'])}"
                    for c in p.get("choices") or p.get("items") or ()]
    key = [word("key_heading", q.get("lang", "en"))]
    for p in q["parts"]:
        key.append(f"  {p['label'] or p['id']}: {key_text(p, q.get('lang', 'en'))}")
    solved = [plain_text(q["explanation"])]
    if q.get("diagram"):
        solved.append(ladder_text(q, reveal=True, lang=q["lang"]).rstrip("\n"))
    blocks = [*asked, "\n".join(options), "\n".join(key), *solved]
    return "\n\n".join(b for b in blocks if b)
