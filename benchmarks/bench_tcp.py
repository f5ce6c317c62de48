"""How fast quizgen.tcp makes traces, and how much memory a long run of them takes.

    python benchmarks/bench_tcp.py            # the table
    python benchmarks/bench_tcp.py --json     # the same figures as JSON
    python benchmarks/bench_tcp.py --quick    # fewer traces, for a quick look
    python benchmarks/bench_tcp.py --digest 200   # sha256 of every preset's trace JSON, seeds 0..199

Speed: for every preset, complete traces per second on one core (one process, one thread).
Each trace is ``simulate(preset_script(name, seed=i))`` with a new seed each time, so its
parameters (ISNs, byte counts) are drawn anew and the whole handshake-and-teardown runs until
both endpoints are CLOSED. After a warm-up, the best of several rounds is reported (this is a
shared machine: the best round is the one least disturbed by others). The split into
``preset_script`` alone and ``simulate`` alone is measured the same way.

Memory: 1,000, 10,000 and 50,000 traces made in a loop without keeping them, each count in a
fresh child process. Reported: ``ru_maxrss`` (the process's high-water mark) and, because Linux
carries the parent's high-water mark into ``ru_maxrss`` across fork and exec, also the child's
own peak RSS (VmHWM in /proc/self/status) and how much it grew during the loop. The tracemalloc
peak is measured in another child (tracemalloc costs memory and time of its own, so it is kept
out of the RSS run). Flat figures across the counts mean that nothing accumulates from trace to
trace.

Figures are reported, never asserted: timings on a shared machine are not a test.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time

MEMORY_COUNTS = (1_000, 10_000, 50_000)


def _quizgen():
    from quizgen.tcp import PRESETS, preset_script, simulate
    return PRESETS, preset_script, simulate


# ---------------------------------------------------------------------- speed
SEED_BASE = 1_000_000   # measured seeds start here: above the warm-up's, a fresh range per round


def _best_rate(fn, n: int, rounds: int) -> float:
    """Best of ``rounds`` runs of ``fn(round)``, each doing ``n`` operations; operations per second."""
    best = 0.0
    for r in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        fn(r)
        elapsed = time.perf_counter() - t0
        best = max(best, n / elapsed)
    return best


def bench_speed(names: list[str], n: int, rounds: int, warmup: int) -> list[dict]:
    _, preset_script, simulate = _quizgen()

    def seeds(r: int) -> range:
        return range(SEED_BASE + r * n, SEED_BASE + (r + 1) * n)

    rows = []
    for name in names:
        def full(r: int, name: str = name) -> None:
            for seed in seeds(r):
                simulate(preset_script(name, seed=seed))

        def scripts_only(r: int, name: str = name) -> None:
            for seed in seeds(r):
                preset_script(name, seed=seed)

        # simulate alone: the scripts are made beforehand (and kept, which is fine for n of them)
        ready = [[preset_script(name, seed=seed) for seed in seeds(r)] for r in range(rounds)]

        def simulate_only(r: int, ready: list = ready) -> None:
            for script in ready[r]:
                simulate(script)

        for seed in range(warmup):
            simulate(preset_script(name, seed=seed))
        traces = _best_rate(full, n, rounds)
        scripts = _best_rate(scripts_only, n, rounds)
        sims = _best_rate(simulate_only, n, rounds)
        rows.append({"preset": name, "traces_per_s": round(traces), "us_per_trace": 1e6 / traces,
                     "preset_script_us": 1e6 / scripts, "simulate_us": 1e6 / sims,
                     "segments": len(simulate(preset_script(name, seed=SEED_BASE)).segments)})
    return rows


# ---------------------------------------------------------------------- memory
def _vm_hwm_kib() -> int | None:
    """This process's own peak RSS in KiB (Linux), or None where /proc is not there."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _memory_child(count: int, mode: str) -> dict:
    """Run in a child process: make ``count`` traces, keeping none; report the peak."""
    presets, preset_script, simulate = _quizgen()
    names = sorted(presets)
    for seed in range(50):                       # warm-up: imports, caches, first allocations
        for name in names:
            simulate(preset_script(name, seed=seed))
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_before = _vm_hwm_kib()
    if mode == "tracemalloc":
        import tracemalloc
        tracemalloc.start()
    t0 = time.perf_counter()
    for i in range(count):                       # every preset in turn, a new seed every time
        simulate(preset_script(names[i % len(names)], seed=i))
    elapsed = time.perf_counter() - t0
    out = {"count": count, "mode": mode, "seconds": elapsed}
    if mode == "tracemalloc":
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update(tracemalloc_peak_kib=peak / 1024, tracemalloc_current_kib=current / 1024)
    else:
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss    # KiB on Linux
        hwm_after = _vm_hwm_kib()
        out.update(maxrss_kib=rss_after, maxrss_growth_kib=rss_after - rss_before,
                   peak_rss_kib=hwm_after,
                   peak_rss_growth_kib=None if hwm_after is None else hwm_after - hwm_before)
    return out


def bench_memory(counts: tuple[int, ...]) -> list[dict]:
    rows = []
    for count in counts:
        row = {"count": count}
        for mode in ("rss", "tracemalloc"):
            proc = subprocess.run([sys.executable, __file__, "--memory-child", str(count), mode],
                                  capture_output=True, text=True, check=True)
            result = json.loads(proc.stdout)
            row.update({k: v for k, v in result.items() if k not in ("count", "mode", "seconds")})
        rows.append(row)
    return rows


# ---------------------------------------------------------------------- digest
def digest(names: list[str], seeds: int) -> dict[str, str]:
    """sha256 of the trace JSON of seeds 0..seeds-1, per preset: for before/after comparisons."""
    _, preset_script, simulate = _quizgen()
    out = {}
    for name in names:
        h = hashlib.sha256()
        for seed in range(seeds):
            h.update(simulate(preset_script(name, seed=seed)).to_json().encode())
            h.update(b"\0")
        out[name] = h.hexdigest()
    return out


# ---------------------------------------------------------------------- output
def _table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    cells = [[title for title, _, _ in columns]]
    cells += [[format(r[key], fmt) for _, key, fmt in columns] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--quick", action="store_true", help="fewer traces (500 per round, memory up to 10,000)")
    ap.add_argument("-n", type=int, default=None, help="traces per round and preset (default 3000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per figure; the best is reported")
    ap.add_argument("--preset", action="append", help="only this preset (repeatable)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed runs")
    ap.add_argument("--digest", type=int, metavar="SEEDS", help="print per-preset sha256 of the trace JSON and stop")
    ap.add_argument("--pin", type=int, metavar="CPU", help="pin this process to one CPU first")
    ap.add_argument("--memory-child", nargs=2, metavar=("COUNT", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.memory_child:
        print(json.dumps(_memory_child(int(args.memory_child[0]), args.memory_child[1])))
        return
    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    presets = _quizgen()[0]
    names = args.preset or sorted(presets)
    if args.digest:
        result = digest(names, args.digest)
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            for name, h in result.items():
                print(f"{name:22s} {h}")
            combined = hashlib.sha256("".join(result.values()).encode()).hexdigest()
            print(f"{'all':22s} {combined}")
        return

    n = args.n or (500 if args.quick else 3000)
    speed = [] if args.no_speed else bench_speed(names, n, args.rounds, warmup=min(n, 300))
    memory = [] if args.no_memory else bench_memory(MEMORY_COUNTS[:2] if args.quick else MEMORY_COUNTS)
    import quizgen
    meta = {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "quizgen": os.path.dirname(quizgen.__file__),
            "traces_per_round": n, "rounds": args.rounds}
    if args.json:
        print(json.dumps({"meta": meta, "speed": speed, "memory": memory}, indent=2))
        return
    print(f"quizgen.tcp on Python {meta['python']} ({meta['implementation']}, {meta['machine']}), one core")
    if speed:
        print(f"best of {args.rounds} rounds of {n} traces per preset\n")
        print(_table(speed, [("preset", "preset", "s"), ("traces/s", "traces_per_s", ",d"),
                             ("us/trace", "us_per_trace", ".1f"),
                             ("preset_script us", "preset_script_us", ".1f"),
                             ("simulate us", "simulate_us", ".1f"), ("segments", "segments", "d")]))
    if memory:
        print("\nmemory: traces made in a loop and dropped (all presets in turn), each count in a fresh process\n")
        print(_table(memory, [("traces", "count", ",d"), ("tracemalloc peak KiB", "tracemalloc_peak_kib", ",.1f"),
                              ("left after KiB", "tracemalloc_current_kib", ",.1f"),
                              ("ru_maxrss KiB", "maxrss_kib", ",d"),
                              ("own peak RSS KiB", "peak_rss_kib", ",d"),
                              ("peak RSS growth KiB", "peak_rss_growth_kib", ",d")]))


if __name__ == "__main__":
    main()
