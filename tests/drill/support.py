"""Shared helpers of the drill tests: the bank they draw from, and answers typed the way
students type them (right ones in every forgiving spelling, wrong ones, garbage)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quizgen.drill import check
from quizgen.questions import load_banks
from quizgen.questions.names import CONFUSED, LINUX, ZH

ROOT = Path(__file__).resolve().parents[2]
# The committed seed-article bank: the drill tests do not depend on banks being edited.
BANK = ROOT / "question_banks" / "seed-article.yaml"


def entries():
    return load_banks([BANK])


def _letters(part: Mapping[str, Any], ids) -> list[str]:
    return [check.letter_of(part, i) for i in ids]


def right_typing(part: Mapping[str, Any], rng: random.Random) -> str:
    """The right answer, typed in one of the forgiving ways."""
    kind = part["kind"]
    if kind == "number":
        n = part["answer"]
        return rng.choice([str(n), f" {n} ", hex(n), f"0x{n:X}", str(n).translate(_FULL)])
    if kind == "bit":
        return str(part["answer"])
    if kind == "text":
        state = check.state_answer(part)
        if state is None:
            return rng.choice([part["answer"], part["answer"].upper()])
        return rng.choice([state, state.lower(), state.lower().replace("-", "_"), LINUX[state],
                           ZH[state], f" {state.title()} "])
    if kind == "truefalse":
        return rng.choice(["y", "T", "true", "对", "是", "Yes"] if part["answer"] else
                          ["n", "F", "false", "错", "否", "No"])
    if kind == "choice":
        right = _letters(part, [c["id"] for c in part["choices"] if c.get("correct")])
        text = rng.choice([",", "", " "]).join(right)
        return text.lower() if rng.random() < 0.5 else text
    if kind == "order":              # ③①② typed as 3 1 2, 312, 3, 1, 2, 3→1→2 or ③①②
        marks = _letters(part, part["answer"])
        digits = [str("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(m) + 1) for m in marks]
        how = rng.choice([" ", "", ", ", "→", "marks"])
        if how == "marks":
            return "".join(marks)
        if how == "" and len(marks) >= 10:
            how = " "
        return how.join(digits)
    raise ValueError(kind)


def wrong_typing(part: Mapping[str, Any]) -> str:
    """A readable answer that is wrong."""
    kind = part["kind"]
    if kind == "number":
        return str((part["answer"] + 1) % 2**32)
    if kind == "bit":
        return str(1 - part["answer"])
    if kind == "text":
        state = check.state_answer(part)
        return CONFUSED[state][0] if state else part["answer"] + "x"
    if kind == "truefalse":
        return "n" if part["answer"] else "y"
    if kind == "choice":
        wrong = [c["id"] for c in part["choices"] if not c.get("correct")]
        return _letters(part, wrong[:1])[0]
    if kind == "order":
        return " ".join(reversed(_letters(part, part["answer"])))
    raise ValueError(kind)


def typed(part: Mapping[str, Any], how: str, rng: random.Random) -> str:
    """What a student types for ``part``: a "right", "wrong" or "garbage" answer."""
    if how == "right":
        return right_typing(part, rng)
    if how == "wrong":
        return wrong_typing(part)
    return GARBAGE[part["kind"]]


GARBAGE = {"number": "lots", "bit": "2", "text": "blah", "truefalse": "maybe", "choice": "Z9",
           "order": "AA"}

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


HOSTILE_TITLE = '</title><script>document.title="pwned"</script>"\'&<b>'
_HOSTILE_PROMPT = r"""'<p>{{ "<img src=x onerror=document.title=1>" }} raw <img src=x onerror="document.title=2"><script>document.title=3</script><style>body{display:none}</style></div></section></form><a href="javascript:document.title=4">link</a><table><tr><td>open'"""
_HOSTILE_EXPLANATION = r"""'<p>{{ state(expected) }}<script>document.title=5</script><iframe src="https://example.invalid/"></iframe></p><svg onload="document.title=6"></svg>'"""
# written out in both languages: bank YAML allows no anchors or aliases
HOSTILE_BANK = f"""
bank: hostile
entries:
  - id: hostile-1
    type: state
    topic: teardown
    difficulty: 1
    scenario: {{preset: normal}}
    ask: {{segment: fin1, who: B, form: text}}
    title: {{zh: 'TITLE', en: 'TITLE'}}
    prompt:
      zh: {_HOSTILE_PROMPT}
      en: {_HOSTILE_PROMPT}
    explanation:
      zh: {_HOSTILE_EXPLANATION}
      en: {_HOSTILE_EXPLANATION}
"""


def hostile_bank(tmp_path) -> Path:
    """A bank whose title and templates try to inject markup and script."""
    path = tmp_path / "hostile.yaml"
    title = HOSTILE_TITLE.replace("'", "''")
    path.write_text(HOSTILE_BANK.replace("TITLE", title), encoding="utf-8")
    return path
