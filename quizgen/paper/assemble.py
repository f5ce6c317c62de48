"""Paper specs -> Paper dicts: which questions, for whom, in which variant.

A roster gives each student a code derived from (seed, student id); without one, ``versions``
papers get codes derived from (seed, version number); with both, each student sits one of the
versions. All randomness goes through ``random.Random(variant_seed(seed, code))``. The Paper
(docs/question-data.md) is data: every writer (HTML, PDF, and those to come) renders it.
"""

from __future__ import annotations

import random
from typing import Any, Iterable, Protocol, Sequence

from quizgen import seeds
from quizgen.errors import QuizgenError
from quizgen.i18n import words
from quizgen.paper.codes import normalize_code, student_code, variant_seed, version_code
from quizgen.paper.spec import PaperSpec, SectionSpec, Student


# ------------------------------------------------------------------------- questions
class QuestionSource(Protocol):
    """Where questions come from: the bank entries, and a generator of variants."""

    def entries(self) -> Sequence[Any]: ...

    def generate(self, entry: Any, seed: int, lang: str) -> dict: ...


def _questions():
    """quizgen.questions, imported when first used (rendering alone does not need the banks)."""
    from quizgen import questions
    return questions


class BankSource:
    """The question banks (``quizgen.questions``)."""

    def __init__(self, paths: Sequence[str] | None = None, trace: dict | None = None) -> None:
        self._paths, self._trace = paths, trace
        self._entries: list[Any] | None = None

    def entries(self) -> Sequence[Any]:
        """The banks' entries; with a captured trace, those that can be asked of it."""
        if self._entries is None:
            entries = list(_questions().load_banks(self._paths))
            if self._trace is not None:
                entries = _questions().entries_for_trace(entries, self._trace)
            self._entries = entries
        return self._entries

    def generate(self, entry: Any, seed: int, lang: str) -> dict:
        return _questions().generate_question(entry, seed, lang, trace=self._trace)


def _candidates(spec: PaperSpec, section: SectionSpec, k: int,
                entries: Sequence[Any]) -> list[Any]:
    field = f"sections[{k + 1}]"
    if section.ids:
        by_id = {e.id: e for e in entries}
        unknown = [i for i in section.ids if i not in by_id]
        if unknown:
            raise QuizgenError(f"no question with id {', '.join(map(repr, unknown))} in the "
                               "banks", file=spec.path, line=section.line, field=f"{field}.ids")
        other = [i for i in section.ids if not _follows(by_id[i], spec.model)]
        if other:
            raise QuizgenError(
                f"{', '.join(map(repr, other))} follow{'s' if len(other) == 1 else ''} "
                f"{_MODEL_NAMES[_other(spec.model)]}, and this paper follows "
                f"{_MODEL_NAMES[spec.model]} (model: {spec.model}): one paper, one model",
                file=spec.path, line=section.line, field=f"{field}.ids")
        return [by_id[i] for i in section.ids]
    key, want = ("bank", section.bank) if section.bank else ("topic", section.topic)
    found = [e for e in entries if getattr(e, key) == want and _follows(e, spec.model)]
    if len(found) < section.count:
        raise QuizgenError(f"asks for {section.count} questions from {key} {want!r}, which has "
                           f"{len(found)} that follow {_MODEL_NAMES[spec.model]} "
                           f"(model: {spec.model})", file=spec.path, line=section.line,
                           field=f"{field}.{key}")
    return found


_MODEL_NAMES = {"textbook": "the textbook's model", "linux": "RFC 9293 / Linux's model"}


def _other(model: str) -> str:
    return "linux" if model == "textbook" else "textbook"


def _follows(entry: Any, model: str) -> bool:
    """Whether a bank entry may be on a paper of this model: it is tagged with the model, or
    with neither (it holds for both)."""
    return _other(model) not in set(getattr(entry, "tags", ()) or ())


def _own(question: dict) -> dict:
    """A copy of ``question`` that this paper may change (its points, its choices' order)
    without changing the source's; the trace, which nothing changes, is shared."""
    parts = [{**p, "choices": list(p["choices"])} if "choices" in p else dict(p)
             for p in question["parts"]]
    return {**question, "parts": parts}


def _shuffle_choices(question: dict, rng: random.Random) -> None:
    for part in question["parts"]:
        if part["kind"] == "choice":
            rng.shuffle(part["choices"])


def build_paper(spec: PaperSpec, code: str, source: QuestionSource, *,
                student: Student | None = None, version: int | None = None) -> dict:
    """The Paper with this code (docs/question-data.md)."""
    rng = random.Random(variant_seed(spec.seed, code))
    entries = source.entries()
    plan = (distinct_plan(spec, source)[version - 1]
            if spec.distinct_versions and version is not None else None)
    sections: list[dict[str, Any]] = []
    for k, section in enumerate(spec.sections):
        pool = _candidates(spec, section, k, entries)
        order = {id(e): n for n, e in enumerate(pool)}
        if plan is not None:
            chosen = list(plan[k])
            if spec.shuffle_questions:
                rng.shuffle(chosen)
        else:
            chosen = rng.sample(pool, section.count)
        if not spec.shuffle_questions:
            chosen.sort(key=lambda e: order[id(e)])
        questions = []
        for entry in chosen:
            question = _own(source.generate(entry, rng.randrange(2 ** 31), spec.lang))
            if section.points is not None:
                question["points"] = section.points
            if spec.shuffle_choices:
                _shuffle_choices(question, rng)
            questions.append(question)
        sections.append({"title": section.title, "questions": questions})
    paper = {"title": spec.title, "course": spec.course, "date": spec.date,
             "instructions": (instructions_html(spec.instructions)
                              + f"<p>{words(spec.lang)['model_' + spec.model]}</p>"),
             "model": spec.model, "lang": spec.lang,
             "paper_size": spec.paper_size, "code": code, "version": version,
             "student": {"id": student.id, "name": student.name} if student else None,
             "sections": sections}
    paper.update(layout_fields(spec, version))
    if spec.full_marks is not None:
        total = sum(q["points"] for s in sections for q in s["questions"])
        if abs(total - spec.full_marks) > 1e-9:
            raise QuizgenError(f"the paper's points add up to {total:g}, not {spec.full_marks:g}"
                               f" (paper {code}); give the sections points that add up to "
                               "full_marks", file=spec.path, line=spec.line("full_marks"),
                               field="full_marks")
    return paper


def version_label(version: int | None, versions: int | None, lang: str) -> str:
    """``A卷`` / ``Paper A`` for version 1 of two or more; "" for a paper without versions."""
    if version is None or not versions or versions < 2:
        return ""
    letter = chr(ord("A") + version - 1) if version <= 26 else str(version)
    return f"{letter}卷" if lang == "zh" else f"Paper {letter}"


def layout_fields(spec: PaperSpec, version: int | None) -> dict:
    """The Paper keys of the school layout (docs/word-and-layouts.md): every writer (HTML,
    PDF, DOCX) reads the same ones."""
    return {"layout": spec.layout, "full_marks": spec.full_marks, "exam_time": spec.exam_time,
            "version_label": version_label(version, spec.versions, spec.lang),
            "fonts": dict(spec.fonts), "margins": dict(spec.margins)}


# ---------------------------------------------------------------- distinct A/B versions
def scenario_key(entry: Any) -> str:
    """What makes two questions of one topic "the same question": the scenario they ask about
    (a preset names one: who closes first, which segment is lost, a half-close, a reset)."""
    scenario = getattr(entry, "scenario", None) or {}
    if scenario.get("preset"):
        return str(scenario["preset"])
    return "script:" + seeds.digest("quizgen-script", repr(scenario.get("script"))).hex()[:8]


_PLANS: dict[tuple, list[list[list[Any]]]] = {}


def distinct_plan(spec: PaperSpec, source: QuestionSource) -> list[list[list[Any]]]:
    """The bank entries of each version's sections when ``distinct_versions`` is asked:
    ``plan[version - 1][section]``. No entry is in two versions (nor twice in one); within
    a topic, versions ask about different scenarios where the pools allow it; and, as far as
    the pools allow, the versions match the spec's difficulty split (``review.difficulty``,
    by points), have the same question types in each section, and avoid the entries of the
    earlier sittings (``review.earlier``). Depends only on the spec and the banks."""
    key = (spec, id(source))
    if key not in _PLANS:
        earlier = frozenset(q["id"] for _, papers in earlier_sittings(spec, source)
                            for paper in papers for s in paper["sections"]
                            for q in s["questions"])
        _PLANS[key] = _plan(spec, source.entries(), earlier)
    return _PLANS[key]


def _plan(spec: PaperSpec, entries: Sequence[Any], earlier: frozenset[str]
          ) -> list[list[list[Any]]]:
    n = spec.versions or 1
    pools = [_candidates(spec, s, k, entries) for k, s in enumerate(spec.sections)]
    for k, (section, pool) in enumerate(zip(spec.sections, pools)):
        if len(pool) < n * section.count:
            where = ("ids" if section.ids else "bank" if section.bank else "topic")
            what = (f"ids lists {len(pool)}" if section.ids else
                    f"{where} {section.bank or section.topic!r} has {len(pool)}")
            raise QuizgenError(f"{n} distinct versions need {n * section.count} different "
                               f"questions here ({section.count} a version), but {what}",
                               file=spec.path, line=section.line,
                               field=f"sections[{k + 1}].{where}")
    union = {e.id for pool in pools for e in pool}
    needed = n * sum(s.count for s in spec.sections)
    if len(union) < needed:
        raise QuizgenError(f"{n} distinct versions need {needed} different questions, but "
                           f"the sections' pools hold {len(union)} between them",
                           file=spec.path, line=spec.line("sections"), field="sections")
    rng = random.Random(seeds.derive("quizgen-distinct", spec.seed))
    points = [{e.id: (s.points if s.points is not None else e.points) for e in pool}
              for s, pool in zip(spec.sections, pools)]
    target = spec.review.difficulty
    # the scenarios each topic's pool offers: a shared scenario costs only where avoidable
    offered: dict[str, set[str]] = {}
    for pool in pools:
        for e in pool:
            offered.setdefault(e.topic, set()).add(scenario_key(e))

    tolerance = spec.review.tolerance

    def cost(plan: list[list[list[Any]]]) -> float:
        # in order of weight: the review's difficulty rule, an earlier sitting's question,
        # a scenario another version asks in the same topic, unbalanced types
        total = 0.0
        seen: dict[tuple[str, str], set[int]] = {}
        for v, version in enumerate(plan):
            by_level = [0.0, 0.0, 0.0]
            for k, chosen in enumerate(version):
                for e in chosen:
                    seen.setdefault((e.topic, scenario_key(e)), set()).add(v)
                    by_level[e.difficulty - 1] += points[k][e.id]
                    if e.id in earlier:
                        total += 20
            if target:
                whole = sum(by_level) or 1.0
                for b, t in zip(by_level, target):
                    off = abs(b / whole - t)
                    total += 10 * off + 500 * max(0.0, off - tolerance)
        for version in plan:
            for chosen in version:
                for e in chosen:
                    if len(seen[(e.topic, scenario_key(e))]) > 1 and len(offered[e.topic]) >= n:
                        total += 5
        for k in range(len(pools)):               # the same types in each version's section
            types: dict[str, list[int]] = {}
            for v, version in enumerate(plan):
                for e in version[k]:
                    types.setdefault(e.type, [0] * n)[v] += 1
            total += 3 * sum(max(c) - min(c) for c in types.values())
        return total

    best, best_cost = None, float("inf")
    for _ in range(4):                              # a few restarts of a local search
        plan = _greedy(spec, pools, n, rng)
        if plan is None:
            continue
        current = cost(plan)
        for _ in range(600):
            v, k = rng.randrange(n), rng.randrange(len(pools))
            if not plan[v][k]:
                continue
            slot = rng.randrange(len(plan[v][k]))
            used = {e.id for version in plan for chosen in version for e in chosen}
            free = [e for e in pools[k] if e.id not in used]
            if free and rng.random() < 0.6:
                old = plan[v][k][slot]
                plan[v][k][slot] = rng.choice(free)
                new = cost(plan)
                if new <= current:
                    current = new
                else:
                    plan[v][k][slot] = old
            else:                                   # swap with another version's question
                w = rng.randrange(n)
                if w == v or not plan[w][k]:
                    continue
                other = rng.randrange(len(plan[w][k]))
                plan[v][k][slot], plan[w][k][other] = plan[w][k][other], plan[v][k][slot]
                new = cost(plan)
                if new <= current:
                    current = new
                else:
                    plan[v][k][slot], plan[w][k][other] = plan[w][k][other], plan[v][k][slot]
            if current == 0:
                break
        if current < best_cost:
            best, best_cost = [[list(c) for c in version] for version in plan], current
        if best_cost == 0:
            break
    if best is None:
        raise QuizgenError(f"the sections share their questions so that {n} distinct versions "
                           "cannot be drawn; give the sections pools of their own",
                           file=spec.path, line=spec.line("sections"), field="sections")
    return best


def _greedy(spec: PaperSpec, pools: list[list[Any]], n: int, rng: random.Random
            ) -> list[list[list[Any]]] | None:
    used: set[str] = set()
    plan: list[list[list[Any]]] = [[[] for _ in pools] for _ in range(n)]
    for k, (section, pool) in enumerate(zip(spec.sections, pools)):
        free = [e for e in pool if e.id not in used]
        if len(free) < n * section.count:
            return None
        picked = rng.sample(free, n * section.count)
        for v in range(n):
            plan[v][k] = picked[v * section.count:(v + 1) * section.count]
        used.update(e.id for e in picked)
    return plan


def earlier_sittings(spec: PaperSpec, source: QuestionSource
                     ) -> list[tuple[str, list[dict]]]:
    """(spec file, its versions' Papers) of each earlier sitting the spec names
    (``review.earlier``, resolved against the spec's folder). Their own earlier sittings are
    not followed."""
    from dataclasses import replace
    from pathlib import Path

    from quizgen.paper.spec import ReviewSpec, load_spec

    out = []
    for name in spec.review.earlier:
        path = Path(name)
        if not path.is_absolute() and spec.path not in ("<spec>", "-"):
            path = Path(spec.path).resolve().parent / path
        try:
            earlier = load_spec(path)
        except QuizgenError as exc:
            if exc.file is None:
                exc.file, exc.line, exc.field = spec.path, spec.review.line, "review.earlier"
            raise
        earlier = replace(earlier, review=ReviewSpec(difficulty=earlier.review.difficulty))
        papers = [build_paper(earlier, code, source, version=v)
                  for code, _, v in plan_codes(earlier)]
        out.append((name, papers))
    return out


def version_papers(spec: PaperSpec, source: QuestionSource) -> list[dict]:
    """One Paper per version (or the one paper of a spec without versions), for the review."""
    return [build_paper(spec, code, source, version=v) for code, _, v in plan_codes(spec)]


def plan_codes(spec: PaperSpec, roster: Sequence[Student] | None = None
               ) -> list[tuple[str, Student | None, int | None]]:
    """(code, student, version) of each paper of the set, in roster order."""
    if roster is None:
        return [(version_code(spec.seed, v), None, v) for v in range(1, (spec.versions or 1) + 1)]
    out: list[tuple[str, Student | None, int | None]] = []
    for student in roster:
        if spec.versions:
            v = 1 + seeds.derive("quizgen-assign", spec.seed, student.id) % spec.versions
            out.append((version_code(spec.seed, v), student, v))
        else:
            out.append((student_code(spec.seed, student.id), student, None))
    if not spec.versions:
        codes: dict[str, str] = {}
        for code, who, _ in out:
            sid = who.id if who else ""
            if code in codes:  # 30 bits: about 1 in 50,000 for a class of 200
                raise QuizgenError(f"students {codes[code]!r} and {sid!r} got the same "
                                   "paper code; change the seed", file=spec.path, field="seed")
            codes[code] = sid
    return out


def class_set(spec: PaperSpec, source: QuestionSource,
              roster: Sequence[Student] | None = None) -> Iterable[dict]:
    """The Papers of the set, one a student (or a version), built as they are asked for."""
    versions: dict[str, dict] = {}  # students sitting one version share its questions
    for code, student, version in plan_codes(spec, roster):
        if code in versions:
            paper = dict(versions[code])
        else:
            paper = build_paper(spec, code, source, version=version)
            if spec.versions:
                versions[code] = paper
        paper["student"] = {"id": student.id, "name": student.name} if student else None
        yield paper


def paper_for_code(spec: PaperSpec, code: str, source: QuestionSource) -> dict:
    """The Paper a printed code stands for (its key is what ``quizgen key`` writes)."""
    code = normalize_code(code)
    version = None
    if spec.versions:
        codes = {version_code(spec.seed, v): v for v in range(1, spec.versions + 1)}
        if code not in codes:
            raise QuizgenError(f"paper code {code} is none of this spec's "
                               f"{spec.versions} versions", file=spec.path, field="versions")
        version = codes[code]
    return build_paper(spec, code, source, version=version)


def instructions_html(text: str) -> str:
    """The spec's plain-text instructions as HTML paragraphs (escaped)."""
    from markupsafe import escape

    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{'<br>'.join(str(escape(line)) for line in p.splitlines())}</p>"
                   for p in paragraphs)
