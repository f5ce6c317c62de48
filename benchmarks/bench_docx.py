"""Benchmark: Word papers and keys for a class of 200 students (one personalised paper each),
in each layout: seconds and peak memory.

    .venv/bin/python benchmarks/bench_docx.py              # 200 students, every layout
    .venv/bin/python benchmarks/bench_docx.py --students 30 --layout sealed

Each layout runs in a fresh process (``--child``), so its peak memory (ru_maxrss) is its
own. The questions come from the built-in banks with a spec that asks for ladder diagrams
(each student's numbers differ, so each diagram is drawn anew: the PNG cache does not help).
Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """\
title: 计算机网络 期末考试
course: 计算机网络（2026 秋）
date: 2026-12-01
seed: 90210
layout: {layout}
exam_time: 120
sections:
  - title: 三次握手
    topic: handshake
    count: 5
    points: 4
  - title: 连接释放
    topic: teardown
    count: 5
    points: 4
  - title: 时序图
    ids: [ladder-all, ladder-teardown, ladder-server-first]
    count: 1
    points: 20
"""


def child(layout: str, students: int) -> dict:
    from quizgen.paper.assemble import BankSource, class_set
    from quizgen.paper.spec import Student, parse_spec
    from quizgen.render.docx import docx_documents

    spec = parse_spec(SPEC.format(layout=layout), "bench.yaml")
    roster = [Student(f"2026{n:04d}", f"学生{n}") for n in range(students)]
    started = time.perf_counter()
    papers = list(class_set(spec, BankSource(), roster))
    built = time.perf_counter()
    total = 0
    files = 0
    for paper in papers:                      # one student at a time, as the command writes
        for _, data in docx_documents([paper], False):
            total += len(data)
            files += 1
    done = time.perf_counter()
    return {"layout": layout, "students": students, "files": files,
            "papers_s": built - started, "docx_s": done - built,
            "per_file_ms": 1000 * (done - built) / files, "mb": total / 1e6,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--layout", action="append", choices=["plain", "sealed", "a3"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.students)))
        return
    print(f"{'layout':8} {'students':>8} {'files':>6} {'questions s':>12} {'DOCX s':>8} "
          f"{'ms/file':>8} {'MB out':>7} {'peak MB':>8}")
    for layout in args.layout or ["plain", "sealed", "a3"]:
        out = subprocess.run([sys.executable, __file__, "--child", layout, "--students",
                              str(args.students)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['layout']:8} {r['students']:>8} {r['files']:>6} {r['papers_s']:>12.2f} "
              f"{r['docx_s']:>8.1f} {r['per_file_ms']:>8.0f} {r['mb']:>7.1f} "
              f"{r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
