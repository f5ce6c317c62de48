"""Which problems a drill draws, and the solution diagram the drills share (plain text:
``quizgen.questions.text``).

All randomness comes from one ``random.Random(seed)``: the same seed, filters and banks give
the same problems in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from quizgen.errors import QuizgenError
from quizgen.questions.bank import BankEntry, generate_question

SEED_RANGE = 2**31


def select_entries(entries: Sequence[BankEntry], topics: Iterable[str] = (),
                   difficulty: int | None = None) -> list[BankEntry]:
    """The entries of the given topics (all when none) and difficulty (any when None)."""
    topics = [t.strip().lower() for t in topics if t.strip()]
    known = sorted({e.topic for e in entries})
    unknown = [t for t in topics if t not in known]
    if unknown:
        raise QuizgenError(f"unknown topic {unknown[0]!r} (known: {', '.join(known)})",
                           field="--topic")
    chosen = [e for e in entries if (not topics or e.topic in topics)
              and (difficulty is None or e.difficulty == difficulty)]
    if not chosen:
        raise QuizgenError("no question matches these topics and difficulty", field="--difficulty")
    return chosen


def problems(entries: Sequence[BankEntry], seed: int, lang: str) -> Iterator[dict[str, Any]]:
    """An endless stream of questions drawn from ``entries``."""
    rng = random.Random(seed)
    while True:
        entry = rng.choice(entries)
        yield generate_question(entry, rng.randrange(SEED_RANGE), lang)


def solution_ladder(q: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    """(source, request) for the filled ladder diagram shown with a solution: the question's
    own diagram, or else the whole trace it was read from."""
    if q.get("diagram"):
        return q, None
    trace = q["trace"]
    return trace, {"segments": [s["n"] for s in trace["segments"]], "show_states": True}
