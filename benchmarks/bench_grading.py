"""Benchmark: ``quizgen grade`` and ``quizgen report`` for a class of N students (one
personalised paper each, answers made from each paper's key with a mix of right, wrong and
blank): seconds and peak memory of each step.

    .venv/bin/python benchmarks/bench_grading.py                # 200 students
    .venv/bin/python benchmarks/bench_grading.py --students 1000

Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """\
title: TCP connection management
lang: en
seed: 90210
sections:
  - title: Handshake
    topic: handshake
    count: 5
    points: 4
  - title: Teardown
    topic: teardown
    count: 5
    points: 4
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    args = parser.parse_args()
    from click.testing import CliRunner

    from quizgen.cli import cli
    from quizgen.grading.marks import key_responses, response_keys
    from quizgen.paper import BankSource, class_set, load_roster, load_spec

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "exam.yaml").write_text(SPEC, encoding="utf-8")
        (folder / "roster.csv").write_text("student_id,name\n" + "".join(
            f"{k:07d},S{k}\n" for k in range(args.students)), encoding="utf-8")
        started = time.perf_counter()
        papers = list(class_set(load_spec(folder / "exam.yaml"), BankSource(),
                                load_roster(folder / "roster.csv")))
        keys = sorted({k.key for p in papers for k in response_keys(p)},
                      key=lambda k: [int(x) for x in k.split(".")])
        rng = random.Random(1)
        with open(folder / "answers.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["student_id", "name", "paper_code", *keys])
            for p in papers:
                right = key_responses(p)
                ability = rng.random()
                row = {k: (v if rng.random() < ability else "" if rng.random() < 0.2 else "1")
                       for k, v in right.items()}
                writer.writerow([p["student"]["id"], p["student"]["name"], p["code"],
                                 *(row.get(k, "") for k in keys)])
        made = time.perf_counter() - started
        runner = CliRunner()
        for name, argv in (
                ("grade", ["grade", str(folder / "answers.csv"), "--spec",
                           str(folder / "exam.yaml"), "--roster", str(folder / "roster.csv"),
                           "--out", str(folder / "out")]),
                ("report", ["report", str(folder / "out" / "answers-results.csv"), "--spec",
                            str(folder / "exam.yaml"), "--out", str(folder / "out")])):
            t = time.perf_counter()
            result = runner.invoke(cli, argv)
            took = time.perf_counter() - t
            if result.exit_code:
                raise SystemExit(result.output)
            print(f"{name:7} {args.students} students: {took:6.2f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(answers made in {made:.2f} s; peak memory {peak:.0f} MB)")


if __name__ == "__main__":
    main()
