"""Generated questions per second, templates rendered (target: >= 5,000/s on one core).

    python benchmarks/bench_questions.py [--rounds 15] [--json]

A question is what ``quizgen question`` makes: a fresh simulation of the entry's scenario (a
new seed each time, so new ISNs and byte counts), the question type reading its answers off
the trace, and the prompt and explanation rendered by the sandboxed templates. The built-in
entries are taken round-robin, in both languages. One process, one thread.

This is a shared machine: each figure is measured in rounds of ~0.1 s, and the best round
(the least disturbed) and the median are reported. To tell what a change did, compare the
ratios within one run: the share of a question's time spent simulating its trace is measured
in the same rounds. Reports, never asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
import tracemalloc

from quizgen.questions import generate_question, load_banks
from quizgen.questions.bank import _derive, _scenario
from quizgen.tcp import simulate


def _rounds(work, n_items: int, rounds: int) -> tuple[float, float]:
    """(best, median) items per second over ``rounds`` calls of ``work(round)``."""
    rates = []
    for r in range(rounds):
        start = time.perf_counter()
        work(r)
        rates.append(n_items / (time.perf_counter() - start))
    return max(rates), statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    entries = load_banks()
    per_round = 3 * len(entries)

    def questions(lang):
        def work(r):
            for s in range(3):
                for e in entries:
                    generate_question(e, 1000 + 3 * r + s, lang)
        return work

    def traces_only(r):          # what generate_question does before the question type runs
        for s in range(3):
            for e in entries:
                rng = random.Random(_derive(e.id, 1000 + 3 * r + s))
                simulate(_scenario(e, rng.getrandbits(32))).to_dict()

    for e in entries:                                            # warm-up: caches, imports
        generate_question(e, 0, "zh")
        generate_question(e, 0, "en")
    results = {lang: _rounds(questions(lang), per_round, args.rounds) for lang in ("zh", "en")}
    sim_best, sim_median = _rounds(traces_only, per_round, args.rounds)
    per_type = {}
    for t in sorted({e.type for e in entries}):
        sub = [e for e in entries if e.type == t]
        per_type[t] = round(_rounds(lambda r: [generate_question(e, 2000 + r, "zh") for e in sub],
                                    len(sub), max(5, args.rounds))[0])
    tracemalloc.start()
    for seed in range(2000):
        generate_question(entries[seed % len(entries)], seed, "zh")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    best_q = (results["zh"][0] + results["en"][0]) / 2
    out = {"entries": len(entries), "rounds": args.rounds, "questions_per_round": per_round,
           "questions_per_second": {lang: {"best": round(b), "median": round(m)}
                                    for lang, (b, m) in results.items()},
           "traces_per_second": {"best": round(sim_best), "median": round(sim_median)},
           "simulation_share_of_question_time": round(best_q / sim_best, 2),
           "per_type_zh_best": per_type,
           "tracemalloc_peak_kib_2000_questions": peak // 1024,
           "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
           "target_per_second": 5000}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{len(entries)} entries, {args.rounds} rounds of {per_round} questions (target 5000/s)")
    for lang, (b, m) in results.items():
        print(f"  questions/s {lang}: best {b:,.0f}, median {m:,.0f}")
    print(f"  the traces alone: best {sim_best:,.0f}/s, median {sim_median:,.0f}/s "
          f"(simulating is {out['simulation_share_of_question_time']:.0%} of a question's time)")
    for t, r in per_type.items():
        print(f"  {t:<10} {r:>7,}/s")
    print(f"peak traced memory over 2000 questions: {peak // 1024} KiB; max RSS {out['max_rss_mib']} MiB")


if __name__ == "__main__":
    main()
