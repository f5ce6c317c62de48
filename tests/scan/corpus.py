"""The synthetic scan corpus: real answer sheets (three specs: a roster paper with digit
grids on A4, an anonymous Chinese paper with an id grid and hand-marked parts, a three-page
Letter sheet), filled in at random and distorted (``synth``), read by the scanner's own page
reader (``quizgen.scan.run.read_one``), and scored against what was drawn.

Used by tests/scan/test_corpus.py (a few hundred sheets) and benchmarks/bench_scan.py (2,000).
Everything random comes from the seed given to :func:`corpus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from quizgen.paper import BankSource, load_roster, parse_spec
from quizgen.paper.assemble import class_set
from quizgen.render.pdf import PdfRenderer
from quizgen.render.fonts import font_face_css
from quizgen.scan.run import _Exam, read_one
from quizgen.sheets.layout import fingerprint, options_of, sheet_layout
from quizgen.sheets.render import sheet_html
from tests.scan import synth

SPECS = {
    "digits-roster": """
title: TCP connection management quiz
course: Networks 2026
lang: en
seed: 4411
answer_sheet: {numeric: digits}
sections:
  - {title: Handshake, topic: handshake, count: 4, points: 5}
  - {title: Teardown, topic: teardown, count: 4, points: 5}
""",
    "zh-anonymous": """
title: 计算机网络 TCP 测验
lang: zh
seed: 4412
versions: 2
sections:
  - {title: 三次握手, topic: handshake, count: 5, points: 4}
  - {title: 连接释放, topic: teardown, count: 5, points: 4}
""",
    "letter-multipage": """
title: Connection lifecycle
lang: en
seed: 4413
answer_sheet: {paper: Letter, numeric: digits}
sections:
  - {title: Lifecycle, topic: lifecycle, count: 2, points: 3}
  - {title: Teardown, topic: teardown, count: 3, points: 3}
""",
}


@dataclass
class Template:
    name: str
    exam: Any
    layout: Any
    pages: list[np.ndarray]      # rendered at synth.RENDER_DPI


def templates(roster_path: str) -> list[Template]:
    """One sheet of each spec, rendered once."""
    source = BankSource()
    out = []
    layouts = []
    for name, text in SPECS.items():
        spec = parse_spec(text, f"<{name}>")
        roster = load_roster(roster_path) if name == "digits-roster" else None
        paper = next(iter(class_set(spec, source, roster)))
        layout = sheet_layout(paper, options_of(spec), fingerprint(spec))
        layouts.append((name, spec, roster, layout))
    htmls = [sheet_html(layout) for *_, layout in layouts]
    renderer = PdfRenderer(font_face_css(htmls))
    for (name, spec, roster, layout), html in zip(layouts, htmls):
        pdf, _ = renderer.render(html)
        out.append(Template(name, _Exam(spec, source, roster), layout, synth.rasterise(pdf)))
    return out


# ------------------------------------------------------------------------ truth
@dataclass
class Truth:
    value: str | None            # what the field should read as
    ambiguous: str = ""          # "": clear; else what was done (light, tick, two, erased...)
    must_flag: bool = False      # two marks in a single-answer group: only a flag is right
    marked: list[set[str]] = field(default_factory=list)   # per group: the values inked


AMBIGUITIES = ("light", "tick", "two", "erased-remarked", "erased")


def fill_in(layout: Any, rng: np.random.Generator, ambiguous_share: float = 0.12
            ) -> tuple[list[synth.Mark], dict[str, Truth]]:
    marks: list[synth.Mark] = []
    truth: dict[str, Truth] = {}
    student_id: list[list[str]] | None = None
    for f in layout.fields():
        groups = f.groups
        chosen: list[list[str]] = [[] for _ in groups]
        if f.kind == "id" and student_id is not None:
            chosen = [list(c) for c in student_id]       # the same id on every page
        elif f.kind in ("digits", "id"):
            n = len(groups)
            length = int(rng.integers(1, n + 1)) if f.kind == "digits" else int(rng.integers(4, n + 1))
            start = int(rng.integers(0, n - length + 1)) if f.kind == "digits" else 0
            for k in range(length):
                chosen[start + k] = [str(int(rng.integers(10)))]
        elif f.kind == "order":
            for k, v in enumerate(rng.permutation([b.value for b in groups[0]])):
                chosen[k] = [str(v)]
        elif f.multiple:
            values = [b.value for b in groups[0]]
            count = int(rng.integers(1, len(values) + 1))
            chosen[0] = sorted(rng.choice(values, count, replace=False).tolist(),
                               key=values.index)
        else:
            values = [b.value for b in groups[0]]
            if f.kind == "score" or rng.random() > 0.1:   # a teacher scores every part
                chosen[0] = [str(rng.choice(values))]
        if f.kind == "id":
            student_id = chosen
        value = "".join(v for c in chosen for v in c) or None
        t = Truth(value, marked=[set(c) for c in chosen])
        styles = {(g, v): "full" for g, c in enumerate(chosen) for v in c}
        if rng.random() < ambiguous_share:
            kind = str(rng.choice(AMBIGUITIES))
            filled = [g for g, c in enumerate(chosen) if c]
            g = int(rng.choice(filled)) if filled else 0
            others = [b.value for b in groups[g] if b.value not in chosen[g]]
            if kind in ("light", "tick") and chosen[g]:
                styles[(g, chosen[g][0])] = kind
                t.ambiguous = kind
            elif kind == "two" and not f.multiple and chosen[g] and others:
                styles[(g, str(rng.choice(others)))] = "full"
                t.ambiguous, t.must_flag = kind, True
            elif kind == "erased-remarked" and chosen[g] and others:
                styles[(g, str(rng.choice(others)))] = "erased"
                t.ambiguous = kind
            elif kind == "erased" and f.kind not in ("digits", "id", "order") and others:
                styles = {(g, str(rng.choice(others))): "erased"}
                t.value, t.marked, t.ambiguous = None, [set()], kind
        for (g, v), style in styles.items():
            marks.append(synth.Mark(f.key, g, v, style, f.page))
        truth[f"{f.page}:{f.key}"] = t
    return marks, truth


# ------------------------------------------------------------------------ distortion
def distort(page: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    if rng.random() < 0.2:
        return synth.photo_like(page, rng, width=int(rng.choice([1500, 1800, 2400]))), "photo"
    copies = 0
    if rng.random() < 0.15:              # a photocopy (or a copy of a copy) is scanned
        copies = int(rng.integers(1, 3))
        page = synth.photocopy_like(page, rng, generations=copies)
    dpi = int(rng.choice([150, 200, 300]))
    angle = float(rng.uniform(-5, 5))
    scale = float(rng.uniform(0.95, 1.05))
    blur = float(rng.choice([0.0, 0.6, 1.0]))
    jpeg = [None, 60, 85][int(rng.integers(3))]
    upside = bool(rng.random() < 0.5)
    image = synth.scan_like(page, rng, dpi=dpi, angle=angle, scale=scale, blur=blur, jpeg=jpeg,
                            upside_down=upside)
    copied = f"photocopy x{copies}, " if copies else ""
    return image, f"{copied}scan {dpi} dpi {angle:+.1f} deg{' upside down' if upside else ''}"


# ------------------------------------------------------------------------ scoring
@dataclass
class Stats:
    sheets: int = 0
    pages: int = 0
    codes_read: int = 0
    bubbles: int = 0
    bubbles_right: int = 0
    clear_fields: int = 0
    clear_wrong: int = 0           # read as something else, not flagged: a silent misread
    clear_flagged: int = 0         # a false alarm (costs the teacher a look, not a mark)
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # kind -> [n, flagged, right]
    ambiguous_silent_wrong: int = 0
    failures: list[str] = field(default_factory=list)

    def bubble_accuracy(self) -> float:
        return self.bubbles_right / self.bubbles if self.bubbles else 0.0

    def line(self) -> str:
        amb = ", ".join(f"{k} {n} ({fl} flagged, {r} read right)"
                        for k, (n, fl, r) in sorted(self.ambiguous.items()))
        return (f"{self.sheets} sheets ({self.pages} pages), codes read {self.codes_read}/"
                f"{self.pages}; bubbles right {self.bubbles_right}/{self.bubbles} "
                f"({100 * self.bubble_accuracy():.3f} %); clear fields {self.clear_fields}: "
                f"{self.clear_wrong} misread, {self.clear_flagged} flagged; ambiguous: {amb}; "
                f"silent misreads of ambiguous marks: {self.ambiguous_silent_wrong}")


def score_page(stats: Stats, result: Any, truth: dict[str, Truth], page_no: int,
               where: str) -> None:
    stats.pages += 1
    if result.status != "read" or result.page != page_no or "code" in result.flagged:
        stats.failures.append(f"{where}: not read ({result.note or result.status})")
        return
    stats.codes_read += 1
    if "layout" in result.flagged:
        stats.failures.append(f"{where}: layout flagged")
        return
    for fr in result.readings:
        t = truth[f"{fr.field.page}:{fr.field.key}"]
        flagged = bool(fr.problem)
        if not t.ambiguous:
            stats.clear_fields += 1
            for group, states, want in zip(fr.field.groups, fr.states, t.marked):
                for b, s in zip(group, states):
                    stats.bubbles += 1
                    ok = (s == "marked") == (b.value in want) and s != "unclear"
                    stats.bubbles_right += ok
            if flagged:
                stats.clear_flagged += 1
                stats.failures.append(f"{where}: {fr.field.key} flagged ({fr.problem}; "
                                      f"{fr.levels}) drawn {t.value!r} (clear, a false alarm)")
            elif fr.value != t.value:
                stats.clear_wrong += 1
                stats.failures.append(f"{where}: {fr.field.key} read {fr.value!r}, drawn "
                                      f"{t.value!r} (clear)")
        else:
            counts = stats.ambiguous.setdefault(t.ambiguous, [0, 0, 0])
            counts[0] += 1
            counts[1] += flagged
            counts[2] += (not flagged and fr.value == t.value)
            if not flagged and (t.must_flag or fr.value != t.value):
                stats.ambiguous_silent_wrong += 1
                stats.failures.append(f"{where}: {fr.field.key} read {fr.value!r} unflagged, "
                                      f"drawn {t.value!r} ({t.ambiguous})")


def corpus(templates_: list[Template], sheets: int, seed: int
           ) -> Iterator[tuple[Template, list[tuple[np.ndarray, str]], dict[str, Truth]]]:
    """``sheets`` filled and distorted sheets, made one at a time (memory stays flat)."""
    rng = np.random.default_rng(seed)
    for n in range(sheets):
        template = templates_[n % len(templates_)]
        marks, truth = fill_in(template.layout, rng)
        pages = synth.fill(template.pages, template.layout, marks, rng)
        yield template, [distort(p, rng) for p in pages], truth


def run(templates_: list[Template], sheets: int, seed: int) -> Stats:
    stats = Stats()
    for n, (template, pages, truth) in enumerate(corpus(templates_, sheets, seed)):
        stats.sheets += 1
        for page_no, (image, how) in enumerate(pages, start=1):
            from quizgen.scan.image import to_grey

            where = f"sheet {n} ({template.name}) page {page_no}, {how}"
            result = read_one(where, to_grey(image), template.exam, {}, keep_images=False)
            score_page(stats, result, truth, page_no, where)
    return stats
