"""Export 1,000 question variants to every LMS format; report seconds and peak memory.

    .venv/bin/python benchmarks/bench_export.py [--variants 1000] [--real-diagrams]

Variants are the sample questions (tests/fixtures/questions_sample.json) replicated with
different qids; "written" is how many questions the LMS gets (GIFT: one per part). Diagrams come from a trivial SVG function, or with ``--real-diagrams`` from
quizgen.render.ladder (then the renderer's time is included). Targets: < 2 s and < 200 MB per
format. This reports; it never fails on a timing.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizgen.export import FORMATS, count, export  # noqa: E402

TARGET_SECONDS, TARGET_MB = 2.0, 200.0


def variants(n: int) -> list[dict]:
    sample = json.loads((ROOT / "tests/fixtures/questions_sample.json").read_text("utf-8"))
    out = []
    for i in range(n):
        q = copy.deepcopy(sample[i % len(sample)])
        seed = 1000 + i // len(sample)
        q.update(qid=f"{q['id']}@{seed}", seed=seed)
        out.append(q)
    return out


def trivial_svg(q: dict) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
            f'<text x="10" y="20">{q["qid"]}</text></svg>')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", type=int, default=1000)
    ap.add_argument("--real-diagrams", action="store_true")
    args = ap.parse_args()
    questions = variants(args.variants)
    diagram = trivial_svg
    if args.real_diagrams:
        from functools import partial

        from quizgen.render.ladder import ladder_svg
        diagram = partial(ladder_svg, reveal=False)
    print(f"{len(questions)} variants, diagrams: {'real' if args.real_diagrams else 'trivial'}")
    print(f"{'format':8} {'written':>8} {'seconds':>8} {'peak MB':>8} {'size MB':>8}  target")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            out = Path(tmp) / f"bench.{fmt}"
            gc.collect()
            start = time.perf_counter()
            export(questions, fmt, out, diagram_svg=diagram, force=True)
            seconds = time.perf_counter() - start
            # memory in a second run: tracemalloc slows Python several times over
            gc.collect()
            tracemalloc.start()
            export(questions, fmt, out, diagram_svg=diagram, force=True)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            ok = seconds < TARGET_SECONDS and peak < TARGET_MB
            print(f"{fmt:8} {count(questions, fmt):8} {seconds:8.3f} {peak:8.1f} "
                  f"{out.stat().st_size / 2**20:8.2f}  "
                  f"{'ok' if ok else 'MISSED'}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MB; seconds from an untraced run, peak MB from a "
          "tracemalloc run (Python allocations)")


if __name__ == "__main__":
    main()
