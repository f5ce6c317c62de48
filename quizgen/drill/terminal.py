"""The terminal drill: problems one after another, each part asked and checked at once.

After a wrong answer the worked explanation and the filled ladder diagram are printed.
Input that is no answer is asked again with a hint. End of input (Ctrl-D) or an interrupt
(Ctrl-C) ends the drill with a summary. ``:s`` skips a problem (counted apart: neither right nor wrong) and
``:q`` quits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from quizgen.drill import check
from quizgen.drill.problems import solution_ladder
from quizgen.i18n import format_points
from quizgen.render.text import plain_text
from quizgen.drill.words import word
from quizgen.questions.data import labels
from quizgen.render.ladder import ladder_text

SKIP, QUIT = ":s", ":q"


class _Skip(Exception):
    pass


class _Quit(Exception):
    pass


@dataclass
class Score:
    """Points as a paper counts them (a problem's points when all its parts are right), the
    problems answered and right, and streaks. A skipped problem is neither right nor wrong:
    it is counted apart and breaks no streak."""

    answered: int = 0
    right: int = 0
    streak: int = 0
    best: int = 0
    skipped: int = 0
    points: float = 0
    possible: float = 0

    def add(self, correct: bool, points: float = 1) -> None:
        self.answered += 1
        self.possible += points
        if correct:
            self.right += 1
            self.points += points
            self.streak += 1
            self.best = max(self.best, self.streak)
        else:
            self.streak = 0

    def skip(self) -> None:
        self.skipped += 1

    def _words(self) -> dict:
        return {**vars(self), "points": f"{self.points:g}", "possible": f"{self.possible:g}"}

    def line(self, lang: str) -> str:
        return word("terminal_score", lang).format(**self._words())

    def summary(self, lang: str) -> str:
        if not self.answered:
            return word("summary_none", lang) + (
                " " + word("summary_skipped", lang).format(**self._words()) if self.skipped else "")
        text = word("summary", lang).format(**self._words())
        if self.skipped:
            text += " " + word("summary_skipped", lang).format(**self._words())
        return text


class Drill:
    """One drill session; ``ask(prompt)`` reads a line (EOFError at the end of input) and
    ``say(text)`` prints, so tests can drive it without a terminal."""

    def __init__(self, lang: str, ask: Callable[[str], str] = input,
                 say: Callable[[str], None] = click.echo) -> None:
        self.lang, self.ask, self.say = lang, ask, say
        self.score = Score()

    def run(self, questions: Iterable[Mapping[str, Any]]) -> Score:
        """Ask ``questions`` until they run out or the student stops; then the summary."""
        try:
            for n, q in enumerate(questions, start=1):
                self.problem(q, n)
        except (EOFError, KeyboardInterrupt, _Quit):
            self.say("")
        self.say(self.score.summary(self.lang))
        return self.score

    # ------------------------------------------------------------------ one problem
    def problem(self, q: Mapping[str, Any], n: int) -> bool:
        lang = self.lang
        self.say("")
        points = format_points(lang, q["points"])
        self.say(click.style(f"{word('problem', lang).format(n=n)} · {q['title']}", bold=True)
                 + f"  ({points}, d{q['difficulty']})")
        self.say(plain_text(q["prompt"]))
        if q.get("diagram"):
            self.say(ladder_text(q, reveal=False))
        correct = True
        try:
            for part in q["parts"]:
                correct = self.part(part) and correct
        except _Skip:
            self.say(word("skipped", lang))
            self.score.skip()
            self.solution(q)
            self.say(self.score.line(lang))
            return False
        self.score.add(correct, q["points"])
        if not correct:
            self.solution(q)
        self.say(self.score.line(lang))
        return correct

    def part(self, part: Mapping[str, Any]) -> bool:
        lang = self.lang
        options = part.get("choices") or part.get("items") or ()
        for letter, option in zip(labels(part), options):
            close = "" if part["kind"] == "order" else ")"   # A) for a choice, ① for an item
            self.say(f"  {letter}{close} {plain_text(option['text'])}")
        prompt = " — ".join(filter(None, (_name(part), _how(part, lang))))
        while True:
            raw = self.ask(f"{prompt} > ")
            if raw.strip() in (SKIP, QUIT):
                raise _Skip() if raw.strip() == SKIP else _Quit()
            try:
                verdict = check.check(part, raw, lang)
                break
            except check.AnswerError as exc:
                self.say(click.style(f"  ? {exc.hint}", fg="yellow"))
        if verdict.correct:
            self.say(click.style(f"  ✓ {word('right', lang)}", fg="green"))
        else:
            self.say(click.style(f"  ✗ {word('wrong', lang)}", fg="red") + " — "
                     + word("answer_is", lang).format(answer=verdict.expected))
        if verdict.feedback and not verdict.correct:
            self.say(f"    {plain_text(verdict.feedback)}")
        return verdict.correct

    def solution(self, q: Mapping[str, Any]) -> None:
        self.say("")
        self.say(click.style(word("explanation", self.lang), bold=True))
        feedback = [plain_text(p["feedback"]) for p in q["parts"] if p.get("feedback")]
        self.say("\n".join(feedback + [plain_text(q.get("explanation", ""))]).strip())
        self.say("")
        self.say(click.style(word("diagram", self.lang), bold=True))
        source, request = solution_ladder(q)
        self.say(ladder_text(source, request, reveal=True, lang=q["lang"]).rstrip("\n"))


def _name(part: Mapping[str, Any]) -> str:
    """A part's label; a blank also by its id, the way the prompt shows it: ``[seq]``."""
    label = str(part.get("label") or "")
    if part["kind"] not in ("number", "bit", "text"):
        return label
    return f"[{part['id']}]" + (f" {label}" if label and label != part["id"] else "")


def _how(part: Mapping[str, Any], lang: str) -> str:
    """How to answer a part, shown in its prompt."""
    kind = part["kind"]
    n = len(part.get("choices") or part.get("items") or ())
    marks = labels(part)
    span = f"{marks[0]}–{marks[-1]}" if n else ""
    if kind == "choice":
        return word("ask_choices" if part.get("multiple") else "ask_choice", lang).format(range=span)
    if kind == "order":
        return word("ask_order", lang).format(range=span)
    if kind == "truefalse":
        return word("ask_truefalse", lang)
    if kind == "bit":
        return word("ask_bit", lang)
    return ""
