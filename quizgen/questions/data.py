"""The question data: the one contract between generation and every writer, in code.

``generate_question`` makes a :class:`Question`; papers, keys, diagrams, terminal text, the
drills, every LMS export (and the grader and the online exam to come) read only this. The
types below are what docs/question-data.md describes; :func:`check_question` holds a
question to them, on every path: at generation, and in each writer for questions that came
from elsewhere (a JSON file).

A part's ``answer_text`` is its answer as the key writes it, in the question's language, fixed
at generation (as PrairieLearn fixes values in ``generate()``): writers show it and never
re-derive it from ``kind``. Choices and order items are shown by letter; the letters depend
on where a writer puts them, so :func:`letters` and :func:`key_letters` are the one way to get
them.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping, TypedDict

from quizgen.errors import QuizgenError
from quizgen.i18n import LANGS, word

PartKind = Literal["number", "bit", "text", "choice", "truefalse", "order"]
PART_KINDS: tuple[str, ...] = ("number", "bit", "text", "choice", "truefalse", "order")
#: Parts a student types into a box: they can sit in a blank of the prompt.
BLANK_KINDS: tuple[str, ...] = ("number", "bit", "text")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: An order's items are numbered, not lettered: a key written "D → B → F → A" reads like a
#: path through hosts A and B (issue 13); "④ → ② → ⑥ → ①" does not.
ORDER_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PART_ID = re.compile(r"[a-z0-9_]+")
#: A blank marker with any part id (BLANK_RE takes valid ids only): for the check.
_ANY_BLANK = re.compile(r'<span class="qg-blank" data-part="([^"]*)"></span>')


class Source(TypedDict, total=False):
    """Where in the trace a part's answer was read (docs/question-data.md lists the forms)."""
    segment: int
    field: str
    who: str
    value: str
    time_in: str
    states_of: str
    segments: list[int]
    claim: str
    claimed: Any


class Choice(TypedDict, total=False):
    id: str
    text: str                # HTML
    correct: bool
    feedback: str            # HTML: the mistake a wrong choice makes


class Item(TypedDict):
    id: str
    text: str                # HTML


class Part(TypedDict, total=False):
    id: str
    kind: PartKind
    label: str
    answer: Any              # int (number, bit), str (text), bool (truefalse), [item ids] (order)
    answer_text: str         # the answer as the key writes it (plain text, question's language)
    accept: list[str]        # text: every accepted spelling
    multiple: bool           # choice
    choices: list[Choice]    # choice
    items: list[Item]        # order, in display order
    feedback: str
    feedback_true: str
    feedback_false: str
    points: float
    source: Source


class DiagramBlank(TypedDict):
    segment: int
    field: str
    part: str


class Diagram(TypedDict, total=False):
    segments: list[int]
    blanks: list[DiagramBlank]
    show_states: bool


class Question(TypedDict):
    qid: str
    id: str
    bank: str
    type: str
    lang: str
    title: str
    topic: str
    tags: list[str]
    difficulty: int
    points: float
    seed: int | None
    prompt: str              # HTML, may hold blank markers
    parts: list[Part]
    explanation: str         # HTML
    scenario: dict[str, Any]
    trace: dict[str, Any]
    diagram: Diagram | None


class Paper(TypedDict, total=False):
    title: str
    course: str
    date: str
    instructions: str        # HTML (ends with the model the paper follows)
    model: str               # "textbook" or "linux" (quizgen.paper.spec.MODELS)
    lang: str
    paper_size: str
    code: str
    version: int | None
    student: dict[str, str] | None
    sections: list[dict[str, Any]]   # {"title": str, "questions": [Question, ...]}


# ------------------------------------------------------------------------------ answer text
def _plain(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]*>", "", html))


def answer_text(part: Mapping[str, Any], lang: str) -> str:
    """A part's answer as the key writes it: the one place that turns an answer into text.
    A question type may set ``answer_text`` itself (a state's name in the question's
    language); generation fills in the others with this."""
    if part.get("answer_text") is not None:
        return str(part["answer_text"])
    kind = part["kind"]
    if kind in ("number", "bit", "text"):
        return str(part["answer"])
    if kind == "truefalse":
        return word("true_mark" if part["answer"] else "false_mark", lang)
    if kind == "choice":
        return "; ".join(_plain(c["text"]) for c in part["choices"] if c.get("correct"))
    if kind == "order":
        texts = {i["id"]: _plain(i["text"]) for i in part["items"]}
        return " → ".join(texts[i] for i in part["answer"])
    raise QuizgenError(f"unknown part kind {kind!r}")


def labels(part: Mapping[str, Any]) -> list[str]:
    """What each choice or item is shown under, in display order: A, B, ... for a choice,
    ①, ②, ... for an order's items."""
    if part.get("kind") == "order":
        return list(ORDER_MARKS[:len(part.get("items") or ())])
    return list(LETTERS[:len(part.get("choices") or ())])


def letters(part: Mapping[str, Any]) -> dict[str, str]:
    """Choice or item id -> the label it is shown under (see :func:`labels`)."""
    shown = part.get("choices") or part.get("items") or ()
    return {c["id"]: label for c, label in zip(shown, labels(part))}


def key_letters(part: Mapping[str, Any]) -> str:
    """A choice's right letters (``A, C``) or an order's labels in order (``③ → ① → ②``)."""
    by_id = letters(part)
    if part["kind"] == "choice":
        return ", ".join(by_id[c["id"]] for c in part["choices"] if c.get("correct"))
    return " → ".join(by_id[i] for i in part["answer"])


def key_text(part: Mapping[str, Any], lang: str) -> str:
    """What a key shows for a part: its letters for a choice or an order, else its
    ``answer_text`` (made from the answer for data older than ``answer_text``)."""
    if part["kind"] in ("choice", "order"):
        return key_letters(part)
    return answer_text(part, lang)


# ------------------------------------------------------------------------------ the check
def where(q: Mapping[str, Any]) -> str:
    return f"question {q.get('qid', '?')!r}"


def check_question(q: Mapping[str, Any]) -> None:
    """Hold ``q`` to the contract; a QuizgenError names the question and the part."""
    for key in ("qid", "id", "title", "prompt", "parts"):
        if key not in q:
            raise QuizgenError(f"{where(q)} has no {key!r}")
    if q.get("lang", "en") not in LANGS:
        raise QuizgenError(f"{where(q)}: unknown language {q.get('lang')!r}")
    if not isinstance(q["parts"], list) or not q["parts"]:
        raise QuizgenError(f"{where(q)} has no parts")
    ids = [p.get("id") if isinstance(p, Mapping) else None for p in q["parts"]]
    if len(set(ids)) != len(ids):
        raise QuizgenError(f"{where(q)} has duplicate part ids")
    for p in q["parts"]:
        if not isinstance(p, Mapping):
            raise QuizgenError(f"{where(q)}: a part is not a mapping")
        _check_part(q, p)
    for pid in _ANY_BLANK.findall(q["prompt"]):      # any id: a bad one would stay unreplaced
        if pid not in ids:
            raise QuizgenError(f"{where(q)}: blank marker for unknown part {pid!r}")


def _check_part(q: Mapping[str, Any], p: Mapping[str, Any]) -> None:
    kind = p.get("kind")
    here = f"{where(q)} part {p.get('id')!r}"
    if kind not in PART_KINDS:
        raise QuizgenError(f"{here}: unknown kind {kind!r}")
    if not PART_ID.fullmatch(str(p.get("id", ""))):
        raise QuizgenError(f"{here}: part id must match [a-z0-9_]+")
    if "answer_text" in p and not isinstance(p["answer_text"], str):
        raise QuizgenError(f"{here}: answer_text must be text")
    if kind == "number":
        a = p.get("answer")
        if not isinstance(a, int) or isinstance(a, bool) or not 0 <= a < 2**32:
            raise QuizgenError(f"{here}: answer must be an integer in [0, 2^32)")
    elif kind == "bit":
        if p.get("answer") not in (0, 1) or isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be 0 or 1")
    elif kind == "text":
        if not str(p.get("answer", "")).strip() and not any(
                str(a).strip() for a in p.get("accept") or ()):
            raise QuizgenError(f"{here}: no accepted answer")
    elif kind == "choice":
        choices = p.get("choices") or []
        right = sum(1 for c in choices if c.get("correct"))
        if len(choices) < 2 or right < 1 or (not p.get("multiple") and right != 1):
            raise QuizgenError(f"{here}: a {'multiple' if p.get('multiple') else 'single'} "
                               "choice needs two or more choices and "
                               f"{'one or more' if p.get('multiple') else 'exactly one'} correct")
        if len(choices) > len(LETTERS):
            raise QuizgenError(f"{here}: more than {len(LETTERS)} choices")
    elif kind == "truefalse":
        if not isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be true or false")
    elif kind == "order":
        items = [i["id"] for i in p.get("items") or []]
        if len(items) < 2 or sorted(items) != sorted(p.get("answer") or []) or \
                len(set(items)) != len(items) or len(items) > len(LETTERS):
            raise QuizgenError(f"{here}: answer must order all of its (two or more) items")


def check_questions(questions: list[Mapping[str, Any]]) -> None:
    """:func:`check_question` for each, and qids unique."""
    if not questions:
        raise QuizgenError("no questions")
    seen: set[str] = set()
    for q in questions:
        check_question(q)
        if q["qid"] in seen:
            raise QuizgenError(f"{where(q)} appears twice")
        seen.add(q["qid"])
