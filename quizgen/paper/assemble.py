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
        return [by_id[i] for i in section.ids]
    key, want = ("bank", section.bank) if section.bank else ("topic", section.topic)
    found = [e for e in entries if getattr(e, key) == want]
    if len(found) < section.count:
        raise QuizgenError(f"asks for {section.count} questions from {key} {want!r}, which has "
                           f"{len(found)}", file=spec.path, line=section.line,
                           field=f"{field}.{key}")
    return found


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
    sections = []
    for k, section in enumerate(spec.sections):
        pool = _candidates(spec, section, k, entries)
        order = {id(e): n for n, e in enumerate(pool)}
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
    return {"title": spec.title, "course": spec.course, "date": spec.date,
            "instructions": instructions_html(spec.instructions), "lang": spec.lang,
            "paper_size": spec.paper_size, "code": code, "version": version,
            "student": {"id": student.id, "name": student.name} if student else None,
            "sections": sections}


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
