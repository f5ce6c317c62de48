"""The exam review (试卷审核) of a spec's versions: what a university's review form asks, as
plain data, read off the versions' Papers (and the earlier sittings' Papers) alone.

Per version: question types and counts, points per type, topics covered, the difficulty
split (by points and by count), total points. Between versions and with each earlier
sitting: the bank entries they share (the same question, whatever its numbers) and the
(topic, scenario) pairs they share. Then a verdict per rule the spec asks for
(``review:`` in the spec; docs/word-and-layouts.md): no shared question, different
scenarios, the chapter covered, the difficulty split, the number of types, full marks,
points per type balanced, nothing from an earlier sitting.

The report's renderers (``quizgen.render.review``) only show this.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Mapping, Sequence

from quizgen.paper.spec import PaperSpec

PASS, FAIL, PARTLY = "pass", "fail", "partly"


def questions_of(paper: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [q for s in paper["sections"] for q in s["questions"]]


def scenario_of(q: Mapping[str, Any]) -> tuple[str, str]:
    """(topic, scenario name): "the same question with other numbers" at the level of the
    situation it asks about (who closes first, which segment is lost, a reset...)."""
    return (str(q.get("topic", "")), str((q.get("scenario") or {}).get("name", "")))


def version_summary(paper: Mapping[str, Any], label: str) -> dict[str, Any]:
    qs = questions_of(paper)
    types: dict[str, int] = {}
    type_points: dict[str, float] = {}
    topics: dict[str, int] = {}
    level_points = {1: 0.0, 2: 0.0, 3: 0.0}
    level_count = {1: 0, 2: 0, 3: 0}
    for q in qs:
        types[q["type"]] = types.get(q["type"], 0) + 1
        type_points[q["type"]] = type_points.get(q["type"], 0.0) + float(q["points"])
        topics[q["topic"]] = topics.get(q["topic"], 0) + 1
        d = int(q.get("difficulty") or 2)
        level_points[d] = level_points.get(d, 0.0) + float(q["points"])
        level_count[d] = level_count.get(d, 0) + 1
    total = sum(float(q["points"]) for q in qs)
    return {"label": label, "code": paper["code"], "questions": len(qs),
            "types": dict(sorted(types.items())),
            "type_points": dict(sorted(type_points.items())),
            "topics": dict(sorted(topics.items())),
            "difficulty_points": level_points, "difficulty_count": level_count,
            "difficulty_share": {d: (p / total if total else 0.0)
                                 for d, p in level_points.items()},
            "points": total,
            "entries": sorted({q["id"] for q in qs}),
            "scenarios": sorted({scenario_of(q) for q in qs})}


def _label(paper: Mapping[str, Any], k: int) -> str:
    return paper.get("version_label") or paper.get("code") or str(k + 1)


def review(spec: PaperSpec, versions: Sequence[Mapping[str, Any]],
           earlier: Sequence[tuple[str, Sequence[Mapping[str, Any]]]] = (),
           offered: Mapping[str, set[str]] | None = None) -> dict[str, Any]:
    """The review of ``versions`` (one Paper each); ``earlier``: (name, its Papers) of each
    earlier sitting; ``offered``: topic -> the scenarios the spec's pools offer (to tell an
    avoidable shared scenario from one the bank forces)."""
    summaries = [version_summary(p, _label(p, k)) for k, p in enumerate(versions)]
    pairs = []
    for a, b in combinations(range(len(summaries)), 2):
        sa, sb = summaries[a], summaries[b]
        pairs.append({"a": sa["label"], "b": sb["label"],
                      "entries": sorted(set(sa["entries"]) & set(sb["entries"])),
                      "scenarios": sorted(set(sa["scenarios"]) & set(sb["scenarios"]))})
    past = []
    for name, papers in earlier:
        ids = {q["id"] for p in papers for q in questions_of(p)}
        scen = {scenario_of(q) for p in papers for q in questions_of(p)}
        past.append({"name": name, "versions": len(papers),
                     "by_version": [{"label": s["label"],
                                     "entries": sorted(set(s["entries"]) & ids),
                                     "scenarios": sorted(set(s["scenarios"]) & scen)}
                                    for s in summaries]})
    rules = _rules(spec, summaries, pairs, past, offered)
    return {"title": spec.title, "course": spec.course, "date": spec.date, "lang": spec.lang,
            "spec": spec.path, "versions": summaries, "pairs": pairs, "earlier": past,
            "rules": rules,
            "verdict": FAIL if any(r["verdict"] == FAIL for r in rules) else PASS}


def _rules(spec: PaperSpec, summaries, pairs, past, offered) -> list[dict[str, Any]]:
    zh = spec.lang == "zh"
    rules: list[dict[str, Any]] = []

    def rule(key: str, name_zh: str, name_en: str, verdict: str, detail: str) -> None:
        rules.append({"key": key, "name": name_zh if zh else name_en, "verdict": verdict,
                      "detail": detail})

    if len(summaries) > 1:
        shared = [(p["a"], p["b"], p["entries"]) for p in pairs if p["entries"]]
        rule("no_shared_question", "各卷无相同试题（换数字的同一题也算重题）",
             "No question in two versions (other numbers count as the same question)",
             FAIL if shared else PASS,
             "；".join(f"{a}/{b}: {', '.join(ids)}" for a, b, ids in shared) or
             ("共享 0 题" if zh else "0 shared"))
        shared_s = [(p["a"], p["b"], s) for p in pairs for s in p["scenarios"]]
        forced = [x for x in shared_s
                  if offered is not None and len(offered.get(x[2][0], ())) < len(summaries)]
        verdict = PASS if not shared_s else (PARTLY if len(forced) == len(shared_s) else FAIL)
        rule("distinct_scenarios", "同一知识点下各卷情景不同（题库有可换情景时）",
             "Within a topic, versions ask about different scenarios (where the bank has one)",
             verdict, "；".join(f"{a}/{b}: {t}·{s}" for a, b, (t, s) in shared_s) or
             ("无共享情景" if zh else "none shared"))
    if spec.review.topics:
        missing = [(s["label"], [t for t in spec.review.topics if t not in s["topics"]])
                   for s in summaries]
        bad = [(label, m) for label, m in missing if m]
        rule("covers_chapter", "覆盖本章知识点", "Covers the chapter's topics",
             FAIL if bad else PASS,
             "；".join(f"{label} 缺 {', '.join(m)}" if zh else f"{label} lacks {', '.join(m)}"
                      for label, m in bad) or ", ".join(spec.review.topics))
    if spec.review.difficulty:
        target = spec.review.difficulty
        tol = spec.review.tolerance
        details: list[str] = []
        off_split = False
        for s in summaries:
            shares = [s["difficulty_share"][d] for d in (1, 2, 3)]
            off = max(abs(a - b) for a, b in zip(shares, target))
            off_split = off_split or off > tol + 1e-9
            details.append(f"{s['label']} " + ":".join(f"{100 * x:.0f}" for x in shares))
        want = ":".join(f"{100 * t:.0f}" for t in target)
        rule("difficulty_split", f"难度比例（易:中:难，按分值）约 {want}（±{100 * tol:.0f}）",
             f"Difficulty split (easy:medium:hard, by points) about {want} (±{100 * tol:.0f})",
             FAIL if off_split else PASS, "；".join(details))
    if spec.review.min_types:
        counts = [(s["label"], len(s["types"])) for s in summaries]
        rule("min_types", f"题型不少于 {spec.review.min_types} 种",
             f"At least {spec.review.min_types} question types",
             FAIL if any(n < spec.review.min_types for _, n in counts) else PASS,
             "；".join(f"{label} {n}" for label, n in counts))
    totals = [(s["label"], s["points"]) for s in summaries]
    if spec.full_marks is not None:
        rule("full_marks", f"满分 {spec.full_marks:g} 分", f"Full marks {spec.full_marks:g}",
             FAIL if any(abs(t - spec.full_marks) > 1e-9 for _, t in totals) else PASS,
             "；".join(f"{label} {t:g}" for label, t in totals))
    if len(summaries) > 1:
        rule("equal_points", "各卷总分相同", "Versions worth the same",
             PASS if len({round(t, 6) for _, t in totals}) == 1 else FAIL,
             "；".join(f"{label} {t:g}" for label, t in totals))
        if spec.distinct_versions:
            types = sorted({t for s in summaries for t in s["type_points"]})
            uneven = [t for t in types
                      if len({round(s["type_points"].get(t, 0.0), 6) for s in summaries}) > 1]
            rule("type_points", "各卷各题型分值相同", "Points per question type the same",
                 FAIL if uneven else PASS,
                 "；".join(f"{t}: " + "/".join(f"{s['type_points'].get(t, 0):g}"
                                               for s in summaries) for t in uneven)
                 or ("一致" if zh else "equal"))
    for sitting in past:
        overlap = [(v["label"], v["entries"]) for v in sitting["by_version"] if v["entries"]]
        rule(f"earlier:{sitting['name']}", f"与往届试卷（{sitting['name']}）无相同试题",
             f"No question from the earlier sitting {sitting['name']}",
             FAIL if overlap else PASS,
             "；".join(f"{label}: {', '.join(ids)}" for label, ids in overlap) or
             ("共享 0 题" if zh else "0 shared"))
    return rules
