"""Generated questions per second, templates rendered (target: >= 5,000/s on one core).

    python benchmarks/bench_questions.py [--seconds 3] [--json]

Each question is a fresh simulation (new seed) plus its prompt and explanation rendered, in
the round-robin order of the built-in entries. Reports, never asserts.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc

from quizgen.questions import generate_question, load_banks


def rate(entries, seconds: float, lang: str) -> tuple[float, int]:
    n, seed, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for e in entries:
            generate_question(e, seed, lang)
            n += 1
        seed += 1
    return n / (time.perf_counter() - start), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    entries = load_banks()
    rate(entries, 0.5, "zh")                                     # warm-up: caches, imports
    results = {}
    for lang in ("zh", "en"):
        best = max(rate(entries, args.seconds / 3, lang)[0] for _ in range(3))
        results[lang] = round(best)
    per_type = {}
    for t in sorted({e.type for e in entries}):
        sub = [e for e in entries if e.type == t]
        per_type[t] = round(rate(sub, 0.5, "zh")[0])
    tracemalloc.start()
    for seed in range(2000):
        generate_question(entries[seed % len(entries)], seed, "zh")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out = {"entries": len(entries), "questions_per_second": results, "per_type_zh": per_type,
           "tracemalloc_peak_kib_2000_questions": peak // 1024,
           "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
           "target_per_second": 5000}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{len(entries)} entries; questions/s zh {results['zh']}, en {results['en']} (target 5000)")
        for t, r in per_type.items():
            print(f"  {t:<10} {r:>7}/s")
        print(f"peak traced memory over 2000 questions: {peak // 1024} KiB; max RSS {out['max_rss_mib']} MiB")


if __name__ == "__main__":
    main()
