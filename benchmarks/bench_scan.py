"""Benchmark: ``quizgen scan`` speed and memory, and the full synthetic corpus's accuracy.

    .venv/bin/python benchmarks/bench_scan.py              # both (~8 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_scan.py --speed      # speed and memory only
    .venv/bin/python benchmarks/bench_scan.py --corpus 2000 --procs 2

Speed: stacks of 50 and 200 filled one-page sheets (A4, an anonymous paper with an id grid
and hand-marked parts), scanned at 200 dpi into one PDF (JPEG pages, as scanners write them),
read by ``quizgen scan STACK --no-pdfs`` in a fresh process (its page readers: one process
a CPU): wall time, sheets a second, and the peak memory (ru_maxrss) of the process and of its
largest reader, which should not grow with the stack (pages are streamed). Target (issue 14): 200 one-page sheets at 200 dpi in at most 30 s on 2 cores.

Corpus: the issue's 2,000 sheets (tests/scan/corpus.py: three real sheets, of one, two and
three pages, filled with clear and ambiguous marks; 150/200/300 dpi, turned up to 5 degrees,
scaled, blurred, JPEG, upside down, photocopied, phone photos), read by the scanner's page reader, shared
among --procs processes (each its own seed): codes read, bubbles read right, ambiguous marks
flagged, silent misreads. Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """title: 计算机网络 测验（扫描）
lang: zh
seed: 7070
versions: 4
sections:
  - {title: 三次握手, topic: handshake, count: 4, points: 4}
  - {title: 连接释放, topic: teardown, count: 4, points: 4}
"""


def make_stack(folder: Path, sheets: int, seed: int = 1) -> Path:
    import numpy as np
    from PIL import Image

    from quizgen.paper import BankSource, class_set, parse_spec
    from quizgen.render.fonts import font_face_css
    from quizgen.render.pdf import PdfRenderer
    from quizgen.sheets.layout import fingerprint, options_of, sheet_layout
    from quizgen.sheets.render import sheet_html
    from tests.scan import corpus, synth

    spec = parse_spec(SPEC, str(folder / "spec.yaml"))
    (folder / "spec.yaml").write_text(SPEC, encoding="utf-8")
    layouts = [sheet_layout(p, options_of(spec), fingerprint(spec))
               for p in class_set(spec, BankSource())]
    layouts = [layout for layout in layouts if len(layout.pages) == 1]   # one-page sheets
    htmls = [sheet_html(layout) for layout in layouts]
    renderer = PdfRenderer(font_face_css(htmls))
    pages = [synth.rasterise(renderer.render(h)[0])[0] for h in htmls]
    rng = np.random.default_rng(seed)
    path = folder / f"stack-{sheets}.pdf"
    images = []
    for n in range(sheets):
        k = n % len(layouts)
        marks, _ = corpus.fill_in(layouts[k], rng, ambiguous_share=0.02)
        filled = synth.fill([pages[k]], layouts[k], marks, rng)[0]
        image = synth.scan_like(filled, rng, dpi=200, angle=float(rng.uniform(-3, 3)),
                                upside_down=bool(rng.random() < 0.2))
        images.append(Image.fromarray(image))
    images[0].save(path, save_all=True, append_images=images[1:], resolution=200, quality=85)
    return path


#: quizgen's command line, printing its own peak memory (kB) last on stderr
_MEASURED = """import resource, sys
from quizgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(status)
"""


def speed() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sheets in (50, 200):
            # made in a process of its own: a child forked from a parent holding the stack's
            # images would count them in its peak memory
            subprocess.run([sys.executable, __file__, "--make-stack", str(folder), str(sheets)],
                           check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            stack = folder / f"stack-{sheets}.pdf"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", _MEASURED, "scan", str(stack), "--spec",
                                str(folder / "spec.yaml"), "--out", str(folder / f"out{sheets}"),
                                "--no-pdfs"], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
            took = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r.returncode:
                print(r.stderr)
                raise SystemExit(1)
            parent, worker = (int(v) / 1024 for v in r.stderr.rsplit("MAXRSS ", 1)[1].split())
            print(f"{sheets:4d} one-page sheets at 200 dpi ({stack.stat().st_size / 1e6:.1f} MB "
                  f"PDF): {took:5.1f} s, {sheets / took:5.1f} sheets/s, CPU "
                  f"{after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime:5.1f} s,"
                  f" peak memory {parent:.0f} MB (the largest reading process {worker:.0f} MB)")
            print("     ", r.stdout.strip().splitlines()[0])


def _corpus_part(args: tuple[int, int, str]):
    sheets, seed, roster = args
    from tests.scan import corpus

    return corpus.run(corpus.templates(roster), sheets, seed)


def corpus_run(sheets: int, procs: int) -> None:
    from tests.scan import corpus

    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("student_id,name\n2023001,Ann Lee\n2023002,Bo Chen\n",
                          encoding="utf-8")
        shares = [sheets // procs + (1 if k < sheets % procs else 0) for k in range(procs)]
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            parts = pool.map(_corpus_part, [(n, 20261201 + k, str(roster))
                                            for k, n in enumerate(shares)])
        took = time.perf_counter() - started
    total = corpus.Stats()
    for s in parts:
        for name in ("sheets", "pages", "codes_read", "bubbles", "bubbles_right",
                     "clear_fields", "clear_wrong", "clear_flagged", "ambiguous_silent_wrong"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        for kind, counts in s.ambiguous.items():
            mine = total.ambiguous.setdefault(kind, [0, 0, 0])
            for i in range(3):
                mine[i] += counts[i]
        total.failures += s.failures
    print(f"corpus ({procs} processes, {took:.0f} s, generation included): {total.line()}")
    for line in total.failures[:20]:
        print("  ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", action="store_true", help="speed and memory only")
    parser.add_argument("--corpus", type=int, default=None, help="corpus sheets (2000)")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--make-stack", nargs=2, metavar=("FOLDER", "SHEETS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_stack:
        make_stack(Path(args.make_stack[0]), int(args.make_stack[1]))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    if args.corpus is None or args.speed:
        speed()
    if not args.speed:
        corpus_run(args.corpus or 2000, args.procs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
