"""quizgen.grading.analysis against independent computations: a published KR-20 example,
numpy for correlations, variances and alpha, and hand-worked small cases."""

from __future__ import annotations

import copy
import random
from collections import Counter

import numpy as np
import pytest

from quizgen.grading import analysis as an
from quizgen.grading.marks import grade_paper
from tests.grading.support import class_answers, papers

#: K. Wuensch, "The Kuder-Richardson 20" (KR20.txt, East Carolina University): ten students,
#: ten items. His table gives p*q per item (sum 2.18) and the variance of the totals, 5.84
#: (population variance), so KR-20 = 10/9 * (1 - 2.18/5.84) = 0.69635...
WUENSCH = ["1111110110", "1011011101", "1111011001", "0010001000", "0000010010",
           "1110111111", "1101110111", "1111111101", "0101111101", "1101101110"]


def test_kr20_of_the_published_example():
    matrix = [[int(c) for c in row] for row in WUENSCH]
    assert [sum(r) for r in matrix] == [8, 7, 7, 2, 2, 9, 8, 9, 7, 7]     # his totals
    assert an.variance([sum(r) for r in matrix]) == pytest.approx(5.84)
    assert an.kr20(matrix) == pytest.approx(10 / 9 * (1 - 2.18 / 5.84))
    assert an.kr20(matrix) == pytest.approx(0.69635, abs=1e-5)
    assert an.cronbach_alpha(matrix) == pytest.approx(an.kr20(matrix))  # KR-20 is alpha on 0/1


def test_alpha_against_numpy():
    rng = random.Random(7)
    ability = [rng.random() for _ in range(30)]
    matrix = [[round(min(5.0, max(0.0, 5 * a + rng.gauss(0, 1.5))), 1) for _ in range(6)]
              for a in ability]
    m = np.array(matrix)
    k = m.shape[1]
    want = k / (k - 1) * (1 - m.var(axis=0).sum() / m.sum(axis=1).var())
    assert an.cronbach_alpha(matrix) == pytest.approx(float(want))


def _attempts(scores: list[list[float]], tops: list[float]) -> list[dict]:
    return [{"student": f"s{i:02d}", "responses": [
        {"item": f"i{j}", "slot": j + 1, "score": x, "max_score": tops[j],
         "status": "right" if x == tops[j] else "wrong" if x == 0 else "wrong",
         "chosen": [], "offered": []} for j, x in enumerate(row)]}
        for i, row in enumerate(scores)]


def _class(n: int = 40, k: int = 8, seed: int = 3) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    tops = [float(rng.choice([1, 2, 5])) for _ in range(k)]
    scores = []
    for _ in range(n):
        a = rng.random()
        scores.append([t if rng.random() < a else (t / 2 if rng.random() < 0.2 else 0.0)
                       for t in tops])
    return scores, tops


def test_discrimination_index_is_moodles_against_numpy():
    scores, tops = _class()
    result = an.analyse(_attempts(scores, tops))
    m = np.array(scores)
    totals = m.sum(axis=1)
    for j, it in enumerate(sorted(result.items, key=lambda i: int(i.item[1:]))):
        item, rest = m[:, j], totals - m[:, j]
        assert it.discrimination == pytest.approx(100 * np.corrcoef(item, rest)[0, 1])
        cov = np.cov(item, rest)[0, 1]
        best = np.cov(np.sort(item), np.sort(rest))[0, 1]
        assert it.efficiency == pytest.approx(100 * cov / best)
        assert it.facility == pytest.approx(item.mean() / tops[j])
        assert it.sd == pytest.approx(item.std(ddof=1))
        assert it.share_right == pytest.approx((item == tops[j]).mean())


def test_reliability_is_alpha_on_points_or_kr20_on_right_wrong():
    scores, tops = _class()
    rel = an.analyse(_attempts(scores, tops)).reliability
    assert rel.method == "Cronbach's alpha" and rel.slots == 8 and rel.students == 40
    assert rel.value == pytest.approx(an.cronbach_alpha(scores))
    binary = [[t if x == t else 0.0 for x, t in zip(row, tops)] for row in scores]
    rel = an.analyse(_attempts(binary, tops)).reliability
    assert rel.method == "KR-20"
    assert rel.value == pytest.approx(an.kr20([[int(x > 0) for x in row] for row in binary]))


def test_upper_lower_27_by_hand():
    # 10 students, totals 10..1; groups of round(2.7) = 3: the top three have shares 1, 1, 0
    # (mean 2/3), the bottom three 0, 0, 1 (mean 1/3): D = 1/3
    shares = [1, 1, 0, 1, 0, 1, 0, 0, 0, 1]
    scores = [(10 - i, f"s{i}", float(shares[i])) for i in range(10)]
    d, up, low = an.upper_lower(scores)
    assert (up, low) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert d == pytest.approx(1 / 3)
    # ties at the edge of a group go by student id: s0 and s1 tie, s0 is in the top group
    d, up, low = an.upper_lower([(5, "s1", 0.0), (5, "s0", 1.0), (1, "s2", 0.0),
                                 (0, "s3", 0.0)])
    assert (up, low) == (1.0, 0.0)
    assert an.upper_lower([(1, "a", 1.0)]) == (None, None, None)


def test_facility_with_partial_credit_and_missing_students():
    attempts = [
        {"student": "a", "responses": [{"item": "x", "slot": 1, "score": 2, "max_score": 2,
                                        "status": "right"}]},
        {"student": "b", "responses": [{"item": "x", "slot": 1, "score": 1, "max_score": 2,
                                        "status": "wrong"},
                                       {"item": "y", "slot": 2, "score": 0, "max_score": 1,
                                        "status": "blank"}]},
        {"student": "c", "responses": [{"item": "x", "slot": 1, "score": 0, "max_score": 2,
                                        "status": "blank"}]},
    ]
    result = an.analyse(attempts)
    x, y = result.items
    assert (x.n, x.facility, x.share_right, x.blank) == (3, pytest.approx(0.5),
                                                          pytest.approx(1 / 3), 1)
    assert (y.n, y.facility, y.blank) == (1, 0.0, 1)       # only b had y: a and c left out
    assert result.reliability is None                        # only b has both slots


def test_histogram_edges():
    bins = an.histogram([0, 9.99, 10, 89.99, 90, 99.5, 100])
    assert [c for _, _, c in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 1, 3]
    assert bins[-1][:2] == (90.0, 100.0)


def test_analysis_is_pure():
    scores, tops = _class(12, 4)
    attempts = _attempts(scores, tops)
    before = copy.deepcopy(attempts)
    assert an.analyse(attempts) == an.analyse(attempts)
    assert attempts == before


# --------------------------------------------------------------- the class's papers
@pytest.fixture(scope="module")
def class_marks():
    ps = papers()
    header, rows = class_answers(ps)
    marks = []
    for p, row in zip(ps, rows):
        m = grade_paper(p, {k: v for k, v in zip(header[3:], row[3:]) if v})
        m.student_id = p["student"]["id"]
        marks.append(m)
    return ps, header, rows, marks


def test_options_are_counted_by_misconception(class_marks):
    ps, header, rows, marks = class_marks
    attempts, info = an.attempts_from_marks(marks, {p["code"]: p for p in ps})
    result = an.analyse(attempts, info)
    offered, chosen = Counter(), Counter()
    for p, row in zip(ps, rows):               # counted again from the answers file itself
        answers = dict(zip(header[3:], row[3:]))
        number = 0
        for s in p["sections"]:
            for q in s["questions"]:
                number += 1
                for k, part in enumerate(q["parts"]):
                    if part["kind"] != "choice":
                        continue
                    key = str(number) if len(q["parts"]) == 1 else f"{number}.{k + 1}"
                    item = f"{q['id']}/{part['id']}"
                    for c in part["choices"]:
                        offered[item, an.option_of(c)] += 1
                    letter = answers.get(key, "").strip("() ").upper()
                    if len(letter) == 1 and letter.isalpha():
                        chosen[item, an.option_of(part["choices"][ord(letter) - 65])] += 1
    choices = [it for it in result.items if it.kind == "choice"]
    got_offered = Counter({(it.item, o.option): o.offered for it in choices
                           for o in it.options if o.offered})
    got_chosen = Counter({(it.item, o.option): o.chosen for it in choices
                          for o in it.options if o.chosen})
    assert got_offered == offered and got_chosen == chosen
    assert sum(chosen.values()) > 20 and any(o != "key" for _, o in chosen)
    labels = {o.option: o.label for it in result.items for o in it.options}
    assert all(labels[o].startswith(o + ": ") for _, o in chosen if o != "key")


def test_slots_pool_every_student(class_marks):
    ps, _, _, marks = class_marks
    attempts, _ = an.attempts_from_marks(marks, {p["code"]: p for p in ps})
    result = an.analyse(an.by_slot(attempts))
    assert [it.item for it in result.items] == [f"Q{n}" for n in range(1, 9)]
    assert all(it.n == 40 for it in result.items)
    totals = [m.total for m in marks]
    assert result.mean == pytest.approx(np.mean(totals))
    assert result.sd == pytest.approx(np.std(totals, ddof=1))
    assert result.reliability.students == 40


def test_true_false_options_are_the_key_and_the_misconception(class_marks):
    ps, _, _, marks = class_marks
    attempts, info = an.attempts_from_marks(marks, {p["code"]: p for p in ps})
    tfs = [it for it in an.analyse(attempts, info).items if it.kind == "truefalse"]
    assert tfs
    for it in tfs:
        key, wrong = it.options              # the key first, then the misconception
        assert key.option == "key" and key.correct and not wrong.correct
        assert wrong.misconception and wrong.label.startswith(wrong.misconception)
        assert key.offered == wrong.offered == it.n
        assert key.chosen == round(it.share_right * it.n)
        assert key.chosen + wrong.chosen == it.n - it.blank - it.unreadable
