"""What users wait for, as whole processes: one table per checkout, measured in one run.

    .venv/bin/python benchmarks/bench_jobs.py                         # this checkout
    .venv/bin/python benchmarks/bench_jobs.py --tree before=/path/to/old/checkout --tree after=.

Each tree is a checkout with its own ``.venv`` (made by its ``scripts/bootstrap``). The jobs:

* ``question``: ``quizgen question hs-2-fill`` (start-up and one question), best of --rounds;
* ``html``: a 30-student Chinese class set (the sample spec and a 30-line roster), papers and
  keys as HTML;
* ``pdf``: the same class set as PDF with ``--jobs 2``;
* ``moodle``: 10,030 variants to Moodle XML (85 entries x 118 variants);
* ``serve p99``: benchmarks/bench_serve.py's p99 with 200 students (1 s think time) over
  --serve-seconds.

Trees are run interleaved, round by round, so that a slow spell of this shared machine hits
both; the best round is reported, with the ratio to the first tree. Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _roster(folder: Path) -> Path:
    path = folder / "roster.csv"
    lines = ["student_id,name"] + [f"2026{k:03d},学生{k}" for k in range(1, 31)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _timed(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{r.stderr[-2000:]}")
    return took


def jobs(tree: Path, work: Path) -> dict[str, list[str]]:
    q = str(tree / ".venv" / "bin" / "quizgen")
    roster = _roster(work)
    spec = str(tree / "templates" / "paper" / "sample-zh.yaml")
    return {
        "question": [q, "question", "hs-2-fill"],
        "html": [q, "paper", spec, "--roster", str(roster), "--format", "html", "--force",
                 "--out", str(work / "html")],
        "pdf": [q, "paper", spec, "--roster", str(roster), "--format", "pdf", "--jobs", "2",
                "--force", "--out", str(work / "pdf")],
        "moodle": [q, "export", "--format", "moodle", "--variants", "118", "--force",
                   "--out", str(work / "q.xml")],
    }


def serve_p99(tree: Path, seconds: float) -> float:
    r = subprocess.run([str(tree / ".venv" / "bin" / "python"), "benchmarks/bench_serve.py",
                        "--duration", str(seconds), "--concurrency", "200", "--json"],
                       cwd=tree, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"bench_serve failed in {tree}:\n{r.stderr[-2000:]}")
    data = json.loads(r.stdout)
    return float(data.get("p99_ms") or data["latency_ms"]["p99"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", action="append", default=[],
                    help="NAME=PATH of a checkout with its own .venv (repeatable; default: this one)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--serve-seconds", type=float, default=20)
    ap.add_argument("--no-serve", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1]).resolve()) for t in args.tree] or [
        ("this", ROOT)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    best: dict[str, dict[str, float]] = {name: {} for name, _ in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, tree in trees:
                work = Path(tmp) / name
                work.mkdir(exist_ok=True)
                env["QUIZGEN_CACHE_DIR"] = str(work / "cache")
                for job, cmd in jobs(tree, work).items():
                    took = _timed(cmd, work, env)
                    best[name][job] = min(best[name].get(job, took), took)
                print(f"round {r + 1}: {name} done", file=sys.stderr)
        if not args.no_serve:
            for name, tree in trees:
                best[name]["serve p99 (ms)"] = serve_p99(tree, args.serve_seconds)
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"best_seconds": best, "load": load}, indent=2))
        return
    first = trees[0][0]
    names = [n for n, _ in trees]
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| job | " + " | ".join(names) + (" | ratio |" if len(names) > 1 else " |"))
    print("|---|" + "---|" * len(names) + ("---|" if len(names) > 1 else ""))
    for job in best[first]:
        cells = [f"{best[n][job]:.2f}" for n in names]
        ratio = (f" | {best[names[-1]][job] / best[first][job]:.2f}x"
                 if len(names) > 1 and best[first][job] else "")
        print(f"| {job} | " + " | ".join(cells) + ratio + " |")


if __name__ == "__main__":
    main()
