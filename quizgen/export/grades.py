"""Points and grades: how a question's points split over its parts, and Moodle's grade list.

Moodle's fixed grade list and the fractions on it are used by the Moodle XML and GIFT writers
(both imported by Moodle); part points and the short decimals are used by every writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from math import gcd

from quizgen.errors import QuizgenError

#: Moodle's fixed grade list (question_bank::fraction_options_full), in percent; negative
#: values are the same list with a minus sign.
MOODLE_GRADES = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333,
                 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0, 0.0)


def part_points(q: dict) -> list[Fraction]:
    """Points of each part: a part's own ``points``, the rest of the question's points split
    evenly over the parts without any."""
    total = Fraction(str(q.get("points", 1)))
    fixed = [Fraction(str(p["points"])) if p.get("points") is not None else None
             for p in q["parts"]]
    free = sum(1 for f in fixed if f is None)
    rest = total - sum(f for f in fixed if f is not None)
    share = rest / free if free else Fraction(0)
    return [f if f is not None else share for f in fixed]


def integer_weights(values: Iterable[Fraction]) -> list[int]:
    """The smallest positive integers in the same proportion as ``values`` (Moodle cloze
    weights must be integers)."""
    values = [Fraction(v) for v in values]
    if not values or any(v <= 0 for v in values):
        return [1 for _ in values]
    den = 1
    for v in values:
        den = den * v.denominator // gcd(den, v.denominator)
    ints = [int(v * den) for v in values]
    g = 0
    for i in ints:
        g = gcd(g, i)
    return [i // g for i in ints]


def number_text(x: Fraction | float) -> str:
    """A short decimal for points (4, 1.5, 1.3333333)."""
    x = Fraction(x) if not isinstance(x, Fraction) else x
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.7f}".rstrip("0").rstrip(".")


def choice_fractions(part: dict) -> list[float]:
    """Moodle fractions (percent) of a choice part's choices, all on Moodle's grade list.

    Single: the correct choice 100, the others 0. Multiple: the correct ones share +100, the
    wrong ones share -100 (each at least as negative as its share), so ticking everything
    scores 0."""
    choices = part["choices"]
    if not part.get("multiple"):
        return [100.0 if c.get("correct") else 0.0 for c in choices]
    right = sum(1 for c in choices if c.get("correct"))
    wrong = len(choices) - right
    plus = moodle_share(right, exact=True)
    minus = -moodle_share(wrong, exact=False) if wrong else 0.0
    return [plus if c.get("correct") else minus for c in choices]


def moodle_share(n: int, *, exact: bool) -> float:
    """The grade-list value for 100/n; ``exact=False`` allows the next larger grade when
    100/n is not on the list."""
    target = 100.0 / n
    for g in sorted(MOODLE_GRADES):
        if abs(g - target) * n < 0.001:
            return g
    if not exact:
        return min(g for g in MOODLE_GRADES if g >= target)
    raise QuizgenError(f"{n} correct choices cannot share 100% on Moodle's grade list")


def fraction_text(f: float) -> str:
    """33.33333, 100, -50."""
    text = f"{f:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
