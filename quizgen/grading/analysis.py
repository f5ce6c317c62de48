"""Item analysis of a class's results: pure functions, data in and data out.

``quizgen report`` calls them with the results ``quizgen grade`` or ``quizgen scan`` wrote;
the online exam (#15) calls them with results from its database. Nothing here reads a file,
the clock or a random source: the same input gives the same figures.

Input: a list of attempts, one a student (plain dicts, JSON-able)::

    Attempt = {"student": str,                  # any id, unique; ties are broken by it
               "responses": [Response, ...]}
    Response = {"item": str,                    # the pooling key: same string, same item
                "slot": int,                    # the question's number on the paper (1, 2, ...)
                "score": float, "max_score": float,   # points scored, points possible (> 0)
                "status": str,                  # "right" | "wrong" | "blank" | "unreadable"
                "chosen": [str, ...],           # the options chosen (pooled ids, see below)
                "offered": [str, ...]}          # the options the student was offered

and, optionally, what the ids name: ``info = {item: {"title": str, "kind": str,
"options": {option id: {"label": str, "misconception": str | None, "correct": bool,
"example": str (HTML, already clean)}}}}``.

How quizgen pools (``attempts_from_marks``): per-student papers ask different questions, so
an *item* is one part of one bank entry (``hs-2-fill/ack``): every student whose paper drew
that entry answered a variant of it (the same template, other numbers), wherever it sat on
the paper; students whose paper did not draw it are left out of that item's figures (not
counted as wrong). A choice's options are pooled by the named misconception each wrong one
stands for (choices differ in text and letter from variant to variant, their misconception
does not); the right option is ``"key"``. The reliability is computed over *slots*, the
question numbers 1..k every paper has, whatever entry each paper put there.

The figures (``analyse``):

* facility: the mean share of the item's points scored (Moodle's facility index), and the
  share of students right;
* discrimination index, as Moodle's quiz statistics define it: 100 x the Pearson correlation
  between the item's score and the score on the rest of the paper (total minus the item), over
  the students who had the item (Moodle: ``100 * cov / sqrt(var(item) * var(rest))``); None
  when either does not vary;
* discriminative efficiency (Moodle): that covariance over the largest the two score lists
  allow (both sorted);
* upper/lower 27 % index (Kelley): the students who had the item ranked by total score
  (ties by student id), the item's mean share of points in the top 27 % minus that in the
  bottom 27 % (each group ``max(1, round(0.27 n))`` students; None under 2 students);
* per option: how many were offered it, how many chose it, and their share;
* the histogram of total scores in percent (10 bins, the last one closed: 90-100);
* KR-20 when every slot is scored right or wrong (0 or full), else Cronbach's alpha on the
  slots' points, over the students with every slot: ``k/(k-1) (1 - sum var(slot)/var(total))``
  with population variances (KR-20's ``p q`` is the population variance of a 0/1 item).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

KEY_OPTION = "key"
GROUP_SHARE = 0.27


@dataclass(frozen=True)
class OptionStats:
    option: str
    label: str
    misconception: str | None
    correct: bool
    offered: int
    chosen: int
    example: str = ""

    @property
    def share(self) -> float | None:
        return self.chosen / self.offered if self.offered else None


@dataclass(frozen=True)
class ItemStats:
    item: str
    title: str
    kind: str
    n: int
    max_score: float
    mean: float
    facility: float | None         # mean share of points, 0..1
    share_right: float | None      # share of students right, 0..1
    sd: float | None               # of the item's score (sample, as Moodle's)
    discrimination: float | None   # Moodle's discrimination index, -100..100
    efficiency: float | None       # Moodle's discriminative efficiency, -100..100
    upper_lower: float | None      # 27 % upper minus lower, -1..1
    upper: float | None
    lower: float | None
    blank: int
    unreadable: int
    slots: tuple[int, ...]
    options: tuple[OptionStats, ...] = ()


@dataclass(frozen=True)
class Reliability:
    method: str                    # "KR-20" | "Cronbach's alpha"
    value: float | None
    slots: int                     # k
    students: int                  # with every slot


@dataclass(frozen=True)
class Analysis:
    students: int
    max_total: float
    mean: float
    sd: float | None
    median: float
    lowest: float
    highest: float
    histogram: tuple[tuple[float, float, int], ...]   # (from %, to %, students)
    reliability: Reliability | None
    items: tuple[ItemStats, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- statistics
def mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def variance(xs: Sequence[float], ddof: int = 0) -> float:
    m = mean(xs)
    return math.fsum((x - m) ** 2 for x in xs) / (len(xs) - ddof)


def covariance(xs: Sequence[float], ys: Sequence[float], ddof: int = 1) -> float:
    mx, my = mean(xs), mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - ddof)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when either list does not vary (or has under 2 values)."""
    if len(xs) < 2:
        return None
    vx, vy = variance(xs, 1), variance(ys, 1)
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return covariance(xs, ys) / math.sqrt(vx * vy)


def discrimination_index(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Moodle's discrimination index: 100 x r(item score, rest-of-paper score)."""
    r = pearson(item, rest)
    return None if r is None else 100 * r


def discriminative_efficiency(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Moodle's discriminative efficiency: 100 x cov(item, rest) / cov(sorted item, sorted
    rest), the largest covariance the two lists allow."""
    if len(item) < 2:
        return None
    best = covariance(sorted(item), sorted(rest))
    if abs(best) <= 1e-12:
        return None
    return 100 * covariance(item, rest) / best


def upper_lower(scores: Sequence[tuple[float, str, float]], share: float = GROUP_SHARE
                ) -> tuple[float | None, float | None, float | None]:
    """(upper minus lower, upper, lower): ``scores`` are (total, student, the item's share of
    points); groups of ``max(1, round(share n))`` by total, ties broken by student id."""
    n = len(scores)
    if n < 2:
        return None, None, None
    g = max(1, min(n // 2, round(share * n)))
    ranked = sorted(scores, key=lambda s: (-s[0], s[1]))
    up = mean([s[2] for s in ranked[:g]])
    low = mean([s[2] for s in ranked[-g:]])
    return up - low, up, low


def kr20(matrix: Sequence[Sequence[int]]) -> float | None:
    """KR-20 of a 0/1 matrix (rows students, columns items), population variances; None
    under 2 items or when the totals do not vary."""
    k = len(matrix[0]) if matrix else 0
    if k < 2 or len(matrix) < 2:
        return None
    totals = [sum(row) for row in matrix]
    var_total = variance(totals)
    if var_total <= 1e-12:
        return None
    pq = math.fsum(p * (1 - p) for p in (mean([row[j] for row in matrix]) for j in range(k)))
    return k / (k - 1) * (1 - pq / var_total)


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha (rows students, columns items), population variances."""
    k = len(matrix[0]) if matrix else 0
    if k < 2 or len(matrix) < 2:
        return None
    totals = [math.fsum(row) for row in matrix]
    var_total = variance(totals)
    if var_total <= 1e-12:
        return None
    items = math.fsum(variance([row[j] for row in matrix]) for j in range(k))
    return k / (k - 1) * (1 - items / var_total)


def histogram(percents: Sequence[float], bins: int = 10) -> tuple[tuple[float, float, int], ...]:
    """Counts of ``percents`` (0..100) in ``bins`` equal bins, the last one closed."""
    width = 100 / bins
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p // width + 1e-9)))] += 1
    return tuple((round(k * width, 6), round((k + 1) * width, 6), c)
                 for k, c in enumerate(counts))


# ----------------------------------------------------------------------------- analysis
def analyse(attempts: Sequence[Mapping[str, Any]],
            info: Mapping[str, Mapping[str, Any]] | None = None) -> Analysis:
    """The figures of the class (the module's docstring says the input and every figure)."""
    info = info or {}
    if not attempts:
        raise ValueError("no attempts to analyse")
    totals: dict[str, float] = {}
    maxima: dict[str, float] = {}
    per_item: dict[str, dict[str, dict[str, Any]]] = {}   # item -> student -> aggregate
    slot_scores: dict[str, dict[int, list[float]]] = {}
    for a in attempts:
        sid = str(a["student"])
        if sid in totals:
            raise ValueError(f"student {sid!r} has two attempts")
        totals[sid] = math.fsum(float(r["score"]) for r in a["responses"])
        maxima[sid] = math.fsum(float(r["max_score"]) for r in a["responses"])
        slots = slot_scores.setdefault(sid, {})
        for r in a["responses"]:
            agg = per_item.setdefault(str(r["item"]), {}).setdefault(sid, {
                "score": 0.0, "max": 0.0, "right": True, "statuses": [], "chosen": [],
                "offered": set(), "slots": set()})
            agg["score"] += float(r["score"])
            agg["max"] += float(r["max_score"])
            agg["right"] = agg["right"] and r["status"] == "right"
            agg["statuses"].append(r["status"])
            agg["chosen"].extend(r.get("chosen") or ())
            agg["offered"].update(r.get("offered") or ())
            agg["slots"].add(int(r["slot"]))
            s = slots.setdefault(int(r["slot"]), [0.0, 0.0])
            s[0] += float(r["score"])
            s[1] += float(r["max_score"])
    items = tuple(_item_stats(item, per_item[item], totals, info.get(item, {}))
                  for item in _item_order(per_item))
    values = [totals[s] for s in sorted(totals)]
    percents = [100 * totals[s] / maxima[s] if maxima[s] else 0.0 for s in sorted(totals)]
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return Analysis(students=len(values), max_total=max(maxima.values()),
                    mean=mean(values), sd=math.sqrt(variance(values, 1)) if len(values) > 1
                    else None, median=median, lowest=ordered[0], highest=ordered[-1],
                    histogram=histogram(percents), reliability=_reliability(slot_scores),
                    items=items)


def _item_order(per_item: Mapping[str, Any]) -> list[str]:
    """Items by the first slot they were seen in, then by name."""
    def first_slot(item: str) -> int:
        return min(s for agg in per_item[item].values() for s in agg["slots"])
    return sorted(per_item, key=lambda i: (first_slot(i), i))


def _item_stats(item: str, by_student: Mapping[str, Mapping[str, Any]],
                totals: Mapping[str, float], meta: Mapping[str, Any]) -> ItemStats:
    students = sorted(by_student)
    scores = [by_student[s]["score"] for s in students]
    tops = [by_student[s]["max"] for s in students]
    shares = [sc / t if t else 0.0 for sc, t in zip(scores, tops)]
    rest = [totals[s] - by_student[s]["score"] for s in students]
    n = len(students)
    up_low, up, low = upper_lower([(totals[s], s, sh) for s, sh in zip(students, shares)])
    statuses = [st for s in students for st in by_student[s]["statuses"]]
    catalogue = dict(meta.get("options") or {})
    offered: dict[str, int] = {}
    chosen: dict[str, int] = {}
    for s in students:
        for o in by_student[s]["offered"]:
            offered[o] = offered.get(o, 0) + 1
        for o in dict.fromkeys(by_student[s]["chosen"]):
            chosen[o] = chosen.get(o, 0) + 1
    options = []
    for o in sorted(set(offered) | set(chosen), key=lambda o: (o != KEY_OPTION, o)):
        c = catalogue.get(o, {})
        options.append(OptionStats(option=o, label=str(c.get("label", o)),
                                   misconception=c.get("misconception"),
                                   correct=bool(c.get("correct", o == KEY_OPTION)),
                                   offered=offered.get(o, 0), chosen=chosen.get(o, 0),
                                   example=str(c.get("example", ""))))
    return ItemStats(
        item=item, title=str(meta.get("title", item)), kind=str(meta.get("kind", "")), n=n,
        max_score=max(tops), mean=mean(scores), facility=mean(shares),
        share_right=mean([1.0 if by_student[s]["right"] else 0.0 for s in students]),
        sd=math.sqrt(variance(scores, 1)) if n > 1 else None,
        discrimination=discrimination_index(scores, rest),
        efficiency=discriminative_efficiency(scores, rest),
        upper_lower=up_low, upper=up, lower=low,
        blank=statuses.count("blank"), unreadable=statuses.count("unreadable"),
        slots=tuple(sorted({sl for s in students for sl in by_student[s]["slots"]})),
        options=tuple(options))


def _reliability(slot_scores: Mapping[str, Mapping[int, list[float]]]) -> Reliability | None:
    """KR-20 or alpha over the slots every student has (see the module's docstring)."""
    if not slot_scores:
        return None
    common = set.intersection(*(set(s) for s in slot_scores.values()))
    slots = sorted(common)
    students = sorted(slot_scores)
    if len(slots) < 2 or len(students) < 2:
        return None
    scores = [[slot_scores[s][k][0] for k in slots] for s in students]
    tops = [[slot_scores[s][k][1] for k in slots] for s in students]
    dichotomous = all(abs(x) < 1e-9 or abs(x - t) < 1e-9
                      for row, trow in zip(scores, tops) for x, t in zip(row, trow))
    if dichotomous:
        binary = [[1 if abs(x - t) < 1e-9 and t > 0 else 0 for x, t in zip(row, trow)]
                  for row, trow in zip(scores, tops)]
        return Reliability("KR-20", kr20(binary), len(slots), len(students))
    return Reliability("Cronbach's alpha", cronbach_alpha(scores), len(slots), len(students))


def by_slot(attempts: Sequence[Mapping[str, Any]]) -> list[dict]:
    """The same attempts pooled by slot instead: item ``Q3`` is question 3 of every paper,
    whatever entry the paper drew there (its parts summed into one response, right when every
    part is right). For the per-question table of a class whose papers differ."""
    out = []
    for a in attempts:
        slots: dict[int, dict[str, Any]] = {}
        for r in a["responses"]:
            s = slots.setdefault(int(r["slot"]), {
                "item": f"Q{int(r['slot'])}", "slot": int(r["slot"]), "score": 0.0,
                "max_score": 0.0, "chosen": [], "offered": []})
            s["score"] += float(r["score"])
            s["max_score"] += float(r["max_score"])
            s.setdefault("statuses", set()).add(r["status"])
            s["chosen"] += list(r.get("chosen") or ())
            s["offered"] += list(r.get("offered") or ())
        for s in slots.values():
            statuses = s.pop("statuses")
            s["status"] = (statuses.pop() if len(statuses) == 1 else
                           "unreadable" if statuses == {"blank", "unreadable"} else "wrong")
        out.append({"student": a["student"], "responses": [slots[k] for k in sorted(slots)]})
    return out


# --------------------------------------------------- quizgen's marks -> the input above
def option_of(choice: Mapping[str, Any]) -> str:
    """The pooled id of a choice: ``key`` for a right one, else its misconception's id (else
    its text, for a distractor that names none)."""
    if choice.get("correct"):
        return KEY_OPTION
    if choice.get("misconception"):
        return str(choice["misconception"])
    from quizgen.questions.data import _plain

    return "text:" + " ".join(_plain(str(choice.get("text", ""))).split())


def item_id(entry: str, part_id: str) -> str:
    return f"{entry}/{part_id}"


def attempts_from_marks(marks: Sequence[Any], papers: Mapping[str, Mapping[str, Any]],
                        lang: str = "en") -> tuple[list[dict], dict[str, dict]]:
    """(attempts, info) for :func:`analyse` from PaperMarks (``quizgen.grading.marks``) and
    the Papers they grade (by code), pooled as the module's docstring says."""
    from quizgen.questions.names import MISCONCEPTIONS
    from quizgen.safehtml import clean

    def label(mid: str) -> str:
        m = MISCONCEPTIONS.get(mid)
        return f"{mid}: {m['rule'][lang]}" if m else mid

    attempts: list[dict] = []
    info: dict[str, dict] = {}
    for m in marks:
        paper = papers[m.code]
        parts = {(str(q["qid"]), p["id"]): (q, p) for s in paper["sections"]
                 for q in s["questions"] for p in q["parts"]}
        responses = []
        for pm in m.parts:
            k = pm.key
            q, part = parts[(k.qid, k.part_id)]
            item = item_id(k.entry, k.part_id)
            meta = info.setdefault(item, {"title": f"{q['title']} · {k.label or k.part_id}"
                                          if k.label or len(q["parts"]) > 1 else q["title"],
                                          "kind": k.kind, "options": {}})
            offered: list[str] = []
            chosen: list[str] = []
            if k.kind == "choice":
                by_id = {}
                for c in part["choices"]:
                    o = option_of(c)
                    by_id[c["id"]] = o
                    offered.append(o)
                    meta["options"].setdefault(o, {
                        "label": "key" if o == KEY_OPTION else
                        label(o) if not o.startswith("text:") else o[5:],
                        "misconception": c.get("misconception"),
                        "correct": bool(c.get("correct")),
                        "example": clean(c.get("text", ""))})
                chosen = [by_id[i] for i in pm.chosen_ids]
            elif k.kind == "truefalse":
                wrong = str(part.get("misconception") or "wrong")
                offered = [KEY_OPTION, wrong]
                meta["options"].setdefault(KEY_OPTION, {"label": "key", "misconception": None,
                                                        "correct": True, "example": ""})
                meta["options"].setdefault(wrong, {
                    "label": label(wrong) if part.get("misconception") else "wrong",
                    "misconception": part.get("misconception"), "correct": False,
                    "example": ""})
                if pm.status in ("right", "wrong"):
                    chosen = [KEY_OPTION if pm.correct else wrong]
            responses.append({"item": item, "slot": k.question, "score": pm.points,
                              "max_score": pm.max_points, "status": pm.status,
                              "chosen": chosen, "offered": offered})
        attempts.append({"student": m.student_id or m.code, "responses": responses})
    return attempts, info
