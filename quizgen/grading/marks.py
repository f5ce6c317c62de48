"""Marking a paper: its gradable parts (response keys) and a student's answers graded against
the key the paper's code regenerates. Shared by ``quizgen grade`` (typed or LMS answers),
``quizgen scan`` (answer sheets) and ``quizgen report`` (item analysis).

The API (stable: the scanner and the online exam build on it)
=============================================================

``response_keys(paper) -> list[ResponseKey]``
    Every gradable part of a Paper (``quizgen.paper.assemble.paper_for_code`` / ``class_set``),
    in paper order. ``ResponseKey.key`` is the part's name as the student finds it printed:

    * questions are numbered 1, 2, 3, ... through the whole paper, across sections (as the
      paper HTML, DOCX and key number them);
    * a question with one part is ``"3"``; a question with several is ``"3.1"``, ``"3.2"``,
      ... numbering its answer boxes in the order the student sees them: first the boxes in
      the prompt (blanks in a segment row, in reading order), then the parts asked after the
      prompt (each under its ``label``: ``#2 ack``, ``状态``), in the question's order.

    Each key also carries the part's ``kind`` (number, bit, text, choice, truefalse, order),
    its ``points`` (the part's own, else the question's split evenly: the split every writer
    uses, ``quizgen.export.grades.part_points``), its printed ``label``, ``letters`` (the
    printed letters A, B, ... of a choice's choices or an order's items; () for other kinds),
    ``multiple`` (a multiple choice), ``expected`` (the key's answer as printed: letters for
    choices and orders), and where it sits: ``section`` (0-based), ``position`` (1-based,
    within the section), ``entry`` (the bank entry id), ``qid`` and ``part_id``.

``grade_paper(paper, responses, lang=None, *, scores=None) -> PaperMarks``
    ``responses`` maps response keys to the raw text a student gave (as typed, or as the
    scanner reads a bubble row: ``"B"``, ``"AC"``, ``"1001"``, ``"y"``); a missing key, None
    or blank text is no answer. Each response is read exactly as the drills read typed
    answers (``quizgen.drill.check.parse`` then ``check.grade``: hex numbers, state names in
    any spelling, letters in any case, 对/错 ...). A part scores its points when right and 0
    otherwise (no partial credit within a part; a multiple choice is right only with exactly
    the right letters). A response that cannot be read as an answer scores 0 and keeps the
    reason (the drill's hint, in ``lang``). A key in ``responses`` the paper does not have is
    a :class:`QuizgenError` naming it (``field`` = the key).
    ``scores`` (a scanned sheet's score bubbles) maps response keys of parts marked by hand
    to the teacher's score: :func:`hand_mark`, in place of reading the response.

``PaperMarks``
    ``code``, ``student_id``, ``student_name`` (from the Paper's ``student``; the caller may
    set them), ``version``, ``parts`` (one :class:`PartMark` per response key, in paper order),
    ``total`` and ``max_total``; ``by_key()``, and ``question_points()`` (question number ->
    points scored, in paper order).

``PartMark``
    ``key`` (the :class:`ResponseKey`), ``response`` (the raw text, or None), ``status``
    (``"right"``, ``"wrong"``, ``"blank"`` or ``"unreadable"``), ``reason`` (why unreadable,
    else ""), ``points``, ``max_points``, ``correct``, ``chosen`` (the letters read, in the
    student's order, for choice and order parts; ``("T",)``/``("F",)`` for true/false; ()
    otherwise), ``chosen_ids`` (the choice or item ids behind them), ``misconceptions`` (the
    named misconceptions the chosen wrong options stand for: a wrong choice's
    ``misconception``, or a true/false part's when the student answered it wrongly).

Nothing here is random or reads the clock: the same paper and responses give the same marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from quizgen.drill import check
from quizgen.errors import QuizgenError
from quizgen.export.grades import part_points
from quizgen.questions.data import key_text, labels
from quizgen.questions.markup import BLANK_RE

STATUSES = ("right", "wrong", "blank", "unreadable")


@dataclass(frozen=True)
class ResponseKey:
    key: str                  # "3" or "3.2": as printed (question number, answer box)
    question: int             # the question's number on the paper (1-based, across sections)
    section: int              # 0-based section index
    position: int             # 1-based position of the question within its section
    entry: str                # the bank entry id ("hs-2-fill"): the same item on every paper
    qid: str                  # this variant's id ("hs-2-fill@123")
    part_id: str
    kind: str
    label: str
    points: float
    letters: tuple[str, ...] = ()   # choice / order: the printed letters, in display order
    multiple: bool = False
    expected: str = ""        # the key's answer as printed (letters for choice and order)


@dataclass(frozen=True)
class PartMark:
    key: ResponseKey
    response: str | None
    status: str               # right | wrong | blank | unreadable
    points: float
    reason: str = ""          # unreadable: what was wanted (the drill's hint)
    chosen: tuple[str, ...] = ()
    chosen_ids: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()

    @property
    def max_points(self) -> float:
        return self.key.points

    @property
    def correct(self) -> bool:
        return self.status == "right"


@dataclass
class PaperMarks:
    code: str
    student_id: str
    student_name: str
    version: int | None
    parts: list[PartMark] = field(default_factory=list)

    @property
    def total(self) -> float:
        return _round(sum(p.points for p in self.parts))

    @property
    def max_total(self) -> float:
        return _round(sum(p.max_points for p in self.parts))

    def by_key(self) -> dict[str, PartMark]:
        return {p.key.key: p for p in self.parts}

    def question_points(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for p in self.parts:
            out[p.key.question] = out.get(p.key.question, 0.0) + p.points
        return {q: _round(v) for q, v in out.items()}


def _round(x: float) -> float:
    """Points as sums of thirds and halves add up to 9.999999: keep 9 decimals."""
    return round(x + 0.0, 9)


def _display_order(question: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The parts in the order the student sees their boxes: the prompt's blanks in reading
    order, then the parts asked after the prompt."""
    parts = {p["id"]: p for p in question["parts"]}
    inline = [pid for pid in dict.fromkeys(BLANK_RE.findall(question["prompt"])) if pid in parts]
    rest = [p["id"] for p in question["parts"] if p["id"] not in inline]
    return [parts[pid] for pid in inline + rest]


def response_keys(paper: Mapping[str, Any]) -> list[ResponseKey]:
    """Every gradable part of ``paper``, in paper order (see the module's docstring)."""
    lang = paper.get("lang", "zh")
    keys: list[ResponseKey] = []
    number = 0
    for s, section in enumerate(paper["sections"]):
        for position, q in enumerate(section["questions"], start=1):
            number += 1
            points = dict(zip((p["id"] for p in q["parts"]), part_points(q)))
            shown = _display_order(q)
            for k, part in enumerate(shown, start=1):
                keys.append(ResponseKey(
                    key=str(number) if len(shown) == 1 else f"{number}.{k}",
                    question=number, section=s, position=position, entry=str(q["id"]),
                    qid=str(q["qid"]), part_id=str(part["id"]), kind=str(part["kind"]),
                    label=str(part.get("label") or ""), points=float(points[part["id"]]),
                    letters=tuple(labels(part)),
                    multiple=bool(part.get("multiple")),
                    expected=key_text(part, q.get("lang", lang))))
    return keys


def _parts_by_key(paper: Mapping[str, Any]) -> dict[str, tuple[ResponseKey, Mapping, Mapping]]:
    """key -> (ResponseKey, part, question)."""
    questions = {str(q["qid"]): q for s in paper["sections"] for q in s["questions"]}
    out = {}
    for rk in response_keys(paper):
        q = questions[rk.qid]
        part = next(p for p in q["parts"] if p["id"] == rk.part_id)
        out[rk.key] = (rk, part, q)
    return out


def grade_part(rk: ResponseKey, part: Mapping[str, Any], raw: str | None,
               lang: str) -> PartMark:
    """One part's mark for the raw response ``raw`` (None or blank: no answer)."""
    if raw is None or not str(raw).strip():
        return PartMark(rk, None if raw is None else str(raw), "blank", 0.0)
    raw = str(raw)
    try:
        value = check.parse(part, raw, lang)
    except check.AnswerError as exc:
        return PartMark(rk, raw, "unreadable", 0.0, reason=exc.hint)
    verdict = check.grade(part, value, lang)
    chosen: tuple[str, ...] = ()
    chosen_ids: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()
    if part["kind"] in ("choice", "order"):
        chosen_ids = tuple(value)
        chosen = tuple(check.letter_of(part, i) for i in value)
    if part["kind"] == "choice":
        by_id = {c["id"]: c for c in part["choices"]}
        misconceptions = tuple(by_id[i]["misconception"] for i in value
                               if not by_id[i].get("correct") and by_id[i].get("misconception"))
    elif part["kind"] == "truefalse":
        chosen = ("T",) if value else ("F",)
        if not verdict.correct and part.get("misconception"):
            misconceptions = (str(part["misconception"]),)
    return PartMark(rk, raw, "right" if verdict.correct else "wrong",
                    rk.points if verdict.correct else 0.0, chosen=chosen,
                    chosen_ids=chosen_ids, misconceptions=misconceptions)


def hand_mark(rk: ResponseKey, score: float) -> PartMark:
    """A part the teacher marked by hand (a sheet's score bubbles): the teacher's score, at
    most the part's points (a score printed short, "1.33" for 4/3, counts as full); right
    when full, wrong otherwise. The student's written answer is not read."""
    got = min(float(score), rk.points)
    if abs(got - rk.points) < 1e-3:
        got = rk.points
    return PartMark(rk, None, "right" if abs(got - rk.points) < 1e-9 else "wrong", got,
                    reason="marked by hand")


def grade_paper(paper: Mapping[str, Any], responses: Mapping[str, str | None],
                lang: str | None = None, *,
                scores: Mapping[str, float] | None = None) -> PaperMarks:
    """``paper`` graded with ``responses`` (response key -> raw text); see the docstring.
    ``scores``: the teacher's score of each part marked by hand (response key -> points),
    which takes the place of reading its response."""
    lang = lang or paper.get("lang", "zh")
    parts = _parts_by_key(paper)
    unknown = [k for k in responses if k not in parts]
    if unknown:
        raise QuizgenError(f"paper {paper.get('code')} has no question {unknown[0]!r} (its "
                           f"response keys are {', '.join(list(parts)[:3])}, ...)",
                           field=str(unknown[0]))
    student = paper.get("student") or {}
    marks = PaperMarks(code=str(paper.get("code", "")), student_id=str(student.get("id", "")),
                       student_name=str(student.get("name", "")),
                       version=paper.get("version"))
    scores = scores or {}
    for key, (rk, part, _) in parts.items():
        marks.parts.append(hand_mark(rk, scores[key]) if key in scores
                           else grade_part(rk, part, responses.get(key), lang))
    return marks


def key_responses(paper: Mapping[str, Any]) -> dict[str, str]:
    """The key's own answers as responses (what a student with every answer right writes):
    letters for choices and orders, the number, the state, ``y``/``n``. For tests and for a
    scanner's self-check; read off the Paper's key, never typed in."""
    out = {}
    for key, (rk, part, q) in _parts_by_key(paper).items():
        kind = part["kind"]
        if kind in ("choice", "order"):
            out[key] = key_text(part, q.get("lang", "en")).replace(" → ", "").replace(", ", "")
        elif kind == "truefalse":
            out[key] = "y" if part["answer"] else "n"
        else:
            out[key] = str(part["answer"])
    return out
