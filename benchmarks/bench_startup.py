"""Benchmark: how long the PDF commands take from start to finish, as whole processes.

    .venv/bin/python benchmarks/bench_startup.py                       # this checkout
    .venv/bin/python benchmarks/bench_startup.py --tree before=/path/to/old/checkout --tree after=.

A tree is a source checkout; it is run with this venv's Python and ``PYTHONPATH`` set to the
tree, so two checkouts of quizgen compare on one set of dependencies. The jobs:

* ``key``: ``quizgen key CODE --spec sample-zh.yaml --format pdf``: one document, so nearly
  all of it is start-up (imports, the question, WeasyPrint, fonts) and one render;
* ``paper``: ``quizgen paper --format pdf``: the sample paper and its key (two documents);
* ``html``: the same as HTML only (no WeasyPrint): the start-up every command pays;
* ``set``: a 30-student Chinese class set as PDF with ``--jobs 2`` (start-up and the renders).

Trees run interleaved, round by round, so that a slow spell of the shared machine hits each;
for each job the best and the median wall time are reported, with the CPU seconds (user +
system, the worker processes included) of the best run, and the load average before and after.
Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1764547200"
#: what the ``quizgen`` console script runs, with the tree's quizgen first on the path
QUIZGEN = [sys.executable, "-c", "import sys; from quizgen.cli import main; sys.exit(main())"]


def _roster(folder: Path, n: int = 30) -> Path:
    path = folder / "roster.csv"
    lines = ["student_id,name"] + [f"2026{k:04d},学生{k}" for k in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    cpu = _cpu_children()
    start = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return took, _cpu_children() - cpu


def _code(tree: Path, env: dict, work: Path) -> str:
    """The code of the sample paper (written once, as HTML, to read it off the file name)."""
    out = work / "code"
    subprocess.run(QUIZGEN + ["paper", "--format", "html",
                    "--force", "--out", str(out)], env=env, cwd=work, check=True,
                   capture_output=True)
    return next(out.glob("*-key.html")).name.split("-")[0]


def _sample_spec(env: dict) -> str:
    """The tree's sample spec (where the tree keeps it)."""
    return subprocess.run([sys.executable, "-c", "from quizgen.commands.papers import "
                           "sample_spec; print(sample_spec())"], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def jobs(tree: Path, env: dict, work: Path) -> dict[str, list[str]]:
    q = QUIZGEN
    spec = _sample_spec(env)
    roster = str(_roster(work))

    def out(name: str) -> list[str]:
        return ["--force", "--out", str(work / name)]

    return {
        "key": q + ["key", _code(tree, env, work), "--spec", spec, "--format", "pdf"] + out("k"),
        "paper": q + ["paper", "--format", "pdf"] + out("p"),
        "html": q + ["paper", "--format", "html"] + out("h"),
        "set": q + ["paper", spec, "--roster", roster, "--format", "pdf", "--jobs", "2"]
        + out("s"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", action="append", default=[],
                    help="NAME=PATH of a quizgen checkout (repeatable; default: this one)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-set", action="store_true", help="skip the 30-student class set")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.tree] or [
        ("this", ROOT)]
    walls: dict[str, dict[str, list[tuple[float, float]]]] = {n: {} for n, _ in trees}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        plans = {}
        for name, tree in trees:
            work = Path(tmp) / name
            work.mkdir()
            env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": EPOCH,
                   "QUIZGEN_CACHE_DIR": str(work / "cache")}
            plan = jobs(tree, env, work)
            if args.no_set:
                plan.pop("set")
            for cmd in plan.values():  # warm: font subsets built, files cached
                _timed(cmd, env, work)
            plans[name] = (env, work, plan)
        for r in range(args.rounds):
            for name, _ in trees:
                env, work, plan = plans[name]
                for job, cmd in plan.items():
                    walls[name].setdefault(job, []).append(_timed(cmd, env, work))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    load_after = os.getloadavg()
    report = {name: {job: {"best_s": min(runs)[0], "median_s": statistics.median(w for w, _ in runs),
                           "cpu_s_of_best": min(runs)[1]}
                     for job, runs in by_job.items()} for name, by_job in walls.items()}
    if args.json:
        print(json.dumps({"jobs": report, "load_before": load_before,
                          "load_after": load_after, "cpus": os.cpu_count()}, indent=2))
        return
    names = [n for n, _ in trees]
    print(f"{os.cpu_count()} CPUs; load average before {' '.join(f'{x:.2f}' for x in load_before)}"
          f", after {' '.join(f'{x:.2f}' for x in load_after)}; best of {args.rounds} rounds")
    print("| job | " + " | ".join(f"{n} best s | {n} median s | {n} CPU s" for n in names)
          + (" | best ratio |" if len(names) > 1 else " |"))
    print("|---|" + "---|---|---|" * len(names) + ("---|" if len(names) > 1 else ""))
    for job in report[names[0]]:
        cells = [f"{report[n][job]['best_s']:.2f} | {report[n][job]['median_s']:.2f} | "
                 f"{report[n][job]['cpu_s_of_best']:.2f}" for n in names]
        ratio = (f" | {report[names[-1]][job]['best_s'] / report[names[0]][job]['best_s']:.2f}x"
                 if len(names) > 1 else "")
        print(f"| {job} | " + " | ".join(cells) + ratio + " |")


if __name__ == "__main__":
    main()
