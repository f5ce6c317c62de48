"""Benchmark: a class set of personalised Chinese papers and keys, as HTML and as PDF.

    .venv/bin/python benchmarks/bench_papers.py            # the full report (~3 minutes)
    .venv/bin/python benchmarks/bench_papers.py --quick    # 30 students only
    .venv/bin/python benchmarks/bench_papers.py --naive    # also a naive WeasyPrint render
    .venv/bin/python benchmarks/bench_papers.py --fixtures # diagram-heavy fixture papers

Each measurement runs in a fresh process, so peak memory (ru_maxrss of the process and of
its worker processes) is that run's alone. Targets: HTML for the whole set < 1 s; PDF with
2 jobs on 2 cores >= 12 pages/s for 30 students (issue 17; aiming at 15); peak memory < 300 MB
and flat as the class grows to 200. Reports; asserts nothing.

Questions come from the question banks (the sample spec, templates/paper/sample-zh.yaml)
when quizgen.questions has them, else (or with --fixtures) from the test fixtures worded in
Chinese (tests/render/support.py), whose papers each carry two ladder diagrams.

    .venv/bin/python benchmarks/bench_papers.py --quick --tree before=/old/checkout --tree after=.

compares checkouts in one run (each run with this venv and PYTHONPATH set to the tree), row by
row and round by round (--rounds), so that a slow spell of the shared machine hits each; each
row shows its best round. ``CPU s`` is the user + system time of the write (the worker
processes included): on a loaded machine it moves much less than the wall time. The load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the checkout measured (--tree): its quizgen and test fixtures come first on the path
TREE = Path(os.environ.get("QUIZGEN_BENCH_TREE") or ROOT)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(TREE))

FIXTURE_SPEC = """\
title: 计算机网络 · TCP 连接管理 单元测验
course: 计算机网络（2026 秋）
date: 2026-12-01
lang: zh
seed: 2026
instructions: |
  本试卷共 2 页，考试时间 45 分钟。序号、确认号均按模 2^32 计算，答案写在答题框内。
sections:
  - title: 填空题
    ids: [s-fill, s-compute]
    points: 10
  - title: 选择题
    ids: [s-state, s-multi]
    points: 5
  - title: 判断与排序
    ids: [s-tf, s-order, s-statetext]
    points: 4
"""
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
          "娟", "涛", "明", "超", "秀兰", "霞"]


def _source_and_spec():
    from quizgen.paper import BankSource, load_spec, parse_spec

    try:
        if os.environ.get("QUIZGEN_BENCH_SOURCE") == "fixtures":
            raise LookupError("fixtures asked for")
        source = BankSource()
        source.entries()
        return source, load_spec(ROOT / "templates" / "paper" / "sample-zh.yaml"), "banks"
    except Exception:  # no banks (or --fixtures): the fixture questions in Chinese
        from tests.render.support import FixtureSource, zh_questions

        questions = zh_questions()
        for q in questions:  # real questions carry no emoji (it would pull in a whole font)
            q["prompt"] = q["prompt"].replace("😀", "")
        return FixtureSource(questions), parse_spec(FIXTURE_SPEC, "bench.yaml"), "fixtures"


def _roster(n: int):
    from quizgen.paper import Student

    return [Student(f"2026{k:04d}", _SURNAMES[k % 20] + _GIVEN[(k * 7) % 20]) for k in range(n)]


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def child(students: int, fmt: str, jobs: int) -> dict:
    from quizgen.commands.papers import write_documents
    from quizgen.render.documents import paper_documents
    from quizgen.paper import class_set

    source, spec, origin = _source_and_spec()
    started = time.perf_counter()
    documents = paper_documents(class_set(spec, source, _roster(students)), False)
    html_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        t, cpu = time.perf_counter(), _cpu_s()
        _, pages = write_documents(documents, Path(out), (fmt,), force=True, jobs=jobs,
                                   progress=False)
        write_s, cpu_s = time.perf_counter() - t, _cpu_s() - cpu
    return {"students": students, "format": fmt, "jobs": jobs, "documents": len(documents),
            "html_s": html_s, "write_s": write_s, "total_s": time.perf_counter() - started,
            "cpu_s": cpu_s, "pages": pages, "peak_mb": _peak_mb(), "questions": origin}


def naive() -> dict:
    """One two-page Chinese paper the naive way: system Noto Sans CJK, WeasyPrint's own
    per-document subsetting, a fresh FontConfiguration."""
    from quizgen.render.paper_html import render_html
    from quizgen.paper import build_paper

    source, spec, _ = _source_and_spec()
    html = render_html(build_paper(spec, "NAIVE0", source))
    html = html.replace("qg-body, qg-fallback, ", "").replace(
        '"Noto Serif CJK SC"', '"Noto Sans CJK SC"')
    t = time.perf_counter()
    import weasyprint

    imported = time.perf_counter() - t
    t = time.perf_counter()
    document = weasyprint.HTML(string=html).render()
    layout = time.perf_counter() - t
    t = time.perf_counter()
    data = document.write_pdf()
    write = time.perf_counter() - t
    return {"pages": len(document.pages), "import_s": imported, "layout_s": layout,
            "write_s": write, "bytes": len(data), "peak_mb": _peak_mb()}


def _run(args: list[str], env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--naive", action="store_true")
    parser.add_argument("--fixtures", action="store_true",
                        help="the fixture questions (each paper with two ladder diagrams, one "
                             "of 11 segments) even when the banks are there")
    parser.add_argument("--tree", action="append", default=[],
                        help="NAME=PATH of a quizgen checkout to measure (repeatable; default: "
                             "this one)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each row per tree; the best is shown")
    parser.add_argument("--child", nargs=3, metavar=("STUDENTS", "FORMAT", "JOBS"))
    parser.add_argument("--naive-child", action="store_true")
    args = parser.parse_args()
    if args.child:
        n, fmt, jobs = args.child
        print(json.dumps(child(int(n), fmt, int(jobs))))
        return
    if args.naive_child:
        print(json.dumps(naive()))
        return

    trees = [(t.split("=", 1)[0], str(Path(t.split("=", 1)[1]).resolve())) for t in args.tree]
    trees = trees or [("this", str(ROOT))]
    envs = {}
    for name, path in trees:
        env = {"QUIZGEN_CACHE_DIR": tempfile.mkdtemp(prefix="quizgen-bench-cache-"),
               "QUIZGEN_BENCH_TREE": path, "PYTHONPATH": path}
        if args.fixtures:
            env["QUIZGEN_BENCH_SOURCE"] = "fixtures"
        envs[name] = env
    rows = [("30 students, HTML", "30", "html", "1"),
            ("30 students, PDF, 1 job (cold)", "30", "pdf", "1"),
            ("30 students, PDF, 1 job", "30", "pdf", "1"),
            ("30 students, PDF, 2 jobs", "30", "pdf", "2")]
    if not args.quick:
        rows += [(f"{n} students, PDF, 2 jobs", str(n), "pdf", "2") for n in (60, 100, 200)]
        rows += [("200 students, PDF, 1 job", "200", "pdf", "1"),
                 ("200 students, HTML", "200", "html", "1")]
    load_before = os.getloadavg()
    best: dict[str, dict[str, dict]] = {name: {} for name, _ in trees}
    for name, _ in trees:
        print(f"{name}: questions:", _run(["--child", "1", "html", "1"], envs[name])["questions"],
              flush=True)
    for label, n, fmt, jobs in rows:
        rounds = 1 if "cold" in label else args.rounds
        for _ in range(rounds):
            for name, _ in trees:
                r = _run(["--child", n, fmt, jobs], envs[name])
                if label not in best[name] or r["write_s"] < best[name][label]["write_s"]:
                    best[name][label] = r
        print(f"  {label}: done", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs; load average before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
          f"{' '.join(f'{x:.2f}' for x in load_after)}; best of {args.rounds} round(s)")
    for name, path in trees:
        print(f"\n{name} ({path}):")
        print(f"{'run':<34}{'docs':>5}{'pages':>6}{'HTML s':>8}{'write s':>9}{'total s':>9}"
              f"{'pages/s':>9}{'CPU s':>8}{'peak MB':>9}")
        for label, r in best[name].items():
            rate = f"{r['pages'] / r['write_s']:.1f}" if r["pages"] else "-"
            cpu = f"{r['cpu_s']:.2f}" if "cpu_s" in r else "-"
            print(f"{label:<34}{r['documents']:>5}{r['pages'] or '-':>6}{r['html_s']:>8.2f}"
                  f"{r['write_s']:>9.2f}{r['total_s']:>9.2f}{rate:>9}{cpu:>8}"
                  f"{r['peak_mb']:>9.0f}")
    if args.naive:
        r = _run(["--naive-child"])
        print(f"naive WeasyPrint, one paper: {r['pages']} pages, import {r['import_s']:.2f} s, "
              f"layout {r['layout_s']:.2f} s, write (font subsetting) {r['write_s']:.2f} s, "
              f"{r['bytes'] / 1024:.0f} KiB, peak {r['peak_mb']:.0f} MB")
    print("(cold: the font subsets are built first; later runs find them in the cache)")


if __name__ == "__main__":
    main()
