"""Reading and grading a student's typed answer to one part (docs/question-data.md).

Shared by the terminal drill and the web app (the HTML pack's script mirrors it: see
``templates/drill/pack.js``). Forgiving about spelling, strict about the value:

* number: decimal or ``0x`` hex, full-width digits too; must be a whole number in [0, 2^32)
* bit: 0 or 1
* text: a state in any spelling ``normalise_state`` knows (FIN-WAIT-2, fin_wait_2, FIN_WAIT2,
  终止等待2); other text parts compare case-insensitively with their ``accept`` list
* choice: letters in any case (``b``, ``B``, ``(b)``); several for a multiple choice
  (``a,c``, ``AC``, ``a c``)
* truefalse: y/n, t/f, yes/no, true/false, 对/错, 是/否, 正确/错误, √/×
* order: every item's letter once, in order (``CAB``, ``c a b``, ``C, A, B``)

Choices and order items are named by their display letter (A, B, ... in the order the
question lists them), never by their ids: an order item's id can give its position away.

``parse`` raises :class:`AnswerError` (with a hint in the question's language) for input that
is no answer at all; the caller asks again. ``grade`` says whether a read answer is right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizgen.drill.words import word
from quizgen.questions.data import LETTERS, ORDER_MARKS, key_text, labels
from quizgen.questions.names import normalise_state, spellings

MAX_NUMBER = 2**32 - 1

_TRUE = {"y", "yes", "t", "true", "对", "是", "正确", "√", "✓", "✔"}
_FALSE = {"n", "no", "f", "false", "错", "否", "错误", "不对", "×", "✗", "✘", "x"}
_HEX = re.compile(r"0x([0-9a-f]+)")
_DEC = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s,;、，；]+")
_ORDER_SEPARATORS = re.compile(r"(?:\s|,|;|、|，|；|→|->|>)+")
_BRACKETS = "()（）.)"                       # around a letter: (a) a) a.


class AnswerError(ValueError):
    """Typed text that is no answer to the part; ``hint`` says what is wanted."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: str            # the right answer, plain text (letters for choices and order)
    feedback: str = ""       # HTML from the question: the chosen choice's, or true/false's


def _clean(raw: str) -> str:
    """NFKC (full-width letters, digits and brackets become ASCII) and trimmed."""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def letters(part: Mapping[str, Any]) -> dict[str, str]:
    """Display label (A, B, ... or ①, ②, ...) -> choice or item id."""
    options = part.get("choices") or part.get("items") or ()
    return {label: o["id"] for label, o in zip(labels(part), options)}


def letter_of(part: Mapping[str, Any], ident: str) -> str:
    return next(letter for letter, i in letters(part).items() if i == ident)


def state_answer(part: Mapping[str, Any]) -> str | None:
    """The RFC state a text part's answer names, or None for other text."""
    return normalise_state(str(part.get("answer", ""))) if part["kind"] == "text" else None


def accepted_text(part: Mapping[str, Any]) -> list[str]:
    """What a text part accepts: every spelling of its state, or its ``accept`` list."""
    state = state_answer(part)
    if state:
        return spellings(state)
    forms = [str(part["answer"])] + [str(a) for a in part.get("accept") or ()]
    return list(dict.fromkeys(f.strip() for f in forms if f.strip()))


# ----------------------------------------------------------------------------- parsing
def parse(part: Mapping[str, Any], raw: str, lang: str) -> Any:
    """The answer ``raw`` gives: int (number, bit), str (text: the RFC state name or the
    trimmed text), list of ids (choice, order) or bool (truefalse)."""
    text = _clean(raw)
    kind = part["kind"]
    if kind == "number":
        return _number(text, lang)
    if kind == "bit":
        if text in ("0", "1"):
            return int(text)
        raise AnswerError(word("hint_bit", lang))
    if kind == "text":
        if state_answer(part):
            state = normalise_state(text) if text else None
            if state is None:
                raise AnswerError(word("hint_state", lang))
            return state
        if not text:
            raise AnswerError(word("hint_text", lang))
        return text
    if kind == "truefalse":
        key = text.casefold().rstrip(".!。！")
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise AnswerError(word("hint_truefalse", lang))
    if kind == "choice":
        return _choice(part, text, lang)
    if kind == "order":      # ⑩ is one number: spread the marks before NFKC makes it "10"
        spread = "".join(f" {ORDER_MARKS.index(ch) + 1} " if ch in ORDER_MARKS else ch
                         for ch in str(raw))
        return _order(part, _clean(spread), lang)
    raise ValueError(f"unknown part kind {kind!r}")


def _number(text: str, lang: str) -> int:
    low = text.lower()
    match = _HEX.fullmatch(low)
    if match:
        value = int(match.group(1), 16)
    elif _DEC.fullmatch(low):
        value = int(low)
    else:
        raise AnswerError(word("hint_number", lang))
    if value > MAX_NUMBER:
        raise AnswerError(word("hint_number_range", lang))
    return value


def _letters_in(text: str) -> list[str]:
    """``a,c`` / ``AC`` / ``a c`` / ``(a)`` -> ["A", "C"]; [] if anything else is there."""
    words = [w.strip(_BRACKETS) for w in _SEPARATORS.split(text) if w.strip(_BRACKETS)]
    if not words or not all(w.isascii() and w.isalpha() for w in words):
        return []
    if len(words) == 1:
        return list(words[0].upper())
    return [w.upper() for w in words] if all(len(w) == 1 for w in words) else []


def _range(n: int, order: bool = False) -> str:
    return f"①–{ORDER_MARKS[n - 1]}" if order else f"A–{LETTERS[n - 1]}"


def _marks_in(text: str, n: int) -> list[str]:
    """``3 1 2`` / ``312`` / ``③①②`` / ``3→1→2`` / ``(3)(1)(2)`` -> ["③", "①", "②"]; [] if
    anything else is there (``312`` is three numbers only when there are fewer than 10)."""
    words = [w.strip(_BRACKETS) for w in _ORDER_SEPARATORS.split(re.sub(r"\)\s*\(", ") (", text))
             if w.strip(_BRACKETS)]
    if not words or not all(w.isascii() and w.isdigit() for w in words):
        return []
    if len(words) == 1 and n < 10 and len(words[0]) > 1:
        words = list(words[0])
    numbers = [int(w) for w in words]
    if any(not 1 <= k <= len(ORDER_MARKS) for k in numbers):
        return []
    return [ORDER_MARKS[k - 1] for k in numbers]


def _choice(part: Mapping[str, Any], text: str, lang: str) -> list[str]:
    ids = letters(part)
    picked = _letters_in(text)
    if not picked or any(p not in ids for p in picked):
        key = "hint_choices" if part.get("multiple") else "hint_choice"
        raise AnswerError(word(key, lang).format(range=_range(len(ids))))
    picked = list(dict.fromkeys(picked))
    if not part.get("multiple") and len(picked) != 1:
        raise AnswerError(word("hint_choice", lang).format(range=_range(len(ids))))
    return [ids[p] for p in picked]


def _order(part: Mapping[str, Any], text: str, lang: str) -> list[str]:
    ids = letters(part)
    picked = _marks_in(text, len(ids))
    if sorted(picked) != sorted(ids):
        raise AnswerError(word("hint_order", lang).format(n=len(ids),
                                                          range=_range(len(ids), order=True)))
    return [ids[p] for p in picked]


# ----------------------------------------------------------------------------- grading
def expected(part: Mapping[str, Any], lang: str) -> str:
    """The right answer as the key writes it (letters for choices and order)."""
    return key_text(part, lang)


def grade(part: Mapping[str, Any], value: Any, lang: str) -> Verdict:
    """Whether ``value`` (as :func:`parse` returns it) is the part's answer."""
    kind = part["kind"]
    feedback = ""
    if kind in ("number", "bit"):
        correct = value == part["answer"]
    elif kind == "text":
        state = state_answer(part)
        correct = (value == state if state else
                   value.casefold() in {a.casefold() for a in accepted_text(part)})
    elif kind == "truefalse":
        correct = value is part["answer"]
        feedback = part.get("feedback_true" if value else "feedback_false", "")
    elif kind == "choice":
        right = {c["id"] for c in part["choices"] if c.get("correct")}
        correct = set(value) == right
        feedback = " ".join(c.get("feedback", "") for c in part["choices"]
                            if c["id"] in value and c.get("feedback"))
    elif kind == "order":
        correct = list(value) == list(part["answer"])
    else:
        raise ValueError(f"unknown part kind {kind!r}")
    return Verdict(correct=correct, expected=expected(part, lang), feedback=feedback)


def check(part: Mapping[str, Any], raw: str, lang: str) -> Verdict:
    """Parse and grade in one go (raises :class:`AnswerError` for no answer at all)."""
    return grade(part, parse(part, raw, lang), lang)
