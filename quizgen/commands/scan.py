"""``quizgen scan``: answer sheets read back from scans and phone photos, and graded.

The pages are read one at a time (``quizgen.scan.run``); what the scanner will not call goes
to the review list (``quizgen.scan.review``), and a sheet is graded only when nothing on it
waits for review. Every file of a run is staged (``quizgen.files.Staging``): all of them or
none, none over an existing file without --force. A page that is no answer sheet, a corrupt
file, a sheet of another exam is one line on stderr and a line of ``scan-sheets.csv``; the
other pages are read and graded as usual.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from quizgen.commands.options import bank_option


@click.command(name="scan")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--spec", "spec", required=True, type=click.Path(dir_okay=False),
              help="The paper spec the papers and sheets were made from.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="The roster the papers were made for (quizgen paper --roster).")
@click.option("--review", "review", type=click.Path(dir_okay=False),
              help="A review file (scan-review.csv) with the teacher's answers filled in.")
@click.option("--out", "out_dir", default="scanned", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--pdfs/--no-pdfs", "pdfs", default=True, show_default=True,
              help="A PDF per graded student: the sheet marked, and the key.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes reading the pages and rendering the students' PDFs (default: "
                   "the number of CPUs).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@bank_option
@click.pass_context
def scan(ctx: click.Context, inputs: tuple[str, ...], spec: str, roster: str | None,
         review: str | None, out_dir: str, pdfs: bool, jobs: int | None, force: bool,
         banks: tuple[str, ...]) -> None:
    """Read answer sheets (scanned PDFs, JPEG/PNG photos) and grade them.

    Writes scan-marks.csv and .xlsx (and the results and summary, as quizgen grade does)
    for the sheets that need no review, scan-review.html and scan-review.csv for what does
    (write the answers in the CSV and run again with --review), scan-sheets.csv (every page
    and what became of it) and a PDF per graded student."""
    from quizgen.commands.grade import _source, marks_files
    from quizgen.files import write_files
    from quizgen.paper import load_roster, load_spec
    from quizgen.scan.review import read_review, review_csv, review_html, sheets_csv
    from quizgen.scan.run import scan as run_scan

    started = time.perf_counter()
    paper_spec = load_spec(spec)
    students = load_roster(roster) if roster else None
    answers = read_review(review) if review else None
    if not jobs:
        from quizgen.render.pdf import available_cpus

        jobs = available_cpus()
    result = run_scan(list(inputs), paper_spec, _source(ctx, banks), students, answers,
                      keep_images=pdfs, jobs=jobs)
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    final = sorted(result.final, key=lambda s: (s.student_id, s.code))
    files: list[tuple[str, bytes]] = []
    if final:
        files += marks_files([s.marks for s in final], paper_spec.lang, "scan",
                             paper_spec.title)
    files.append(("scan-review.csv", review_csv(result.items)))
    files.append(("scan-review.html", review_html(result.items, paper_spec.title,
                                                  paper_spec.lang).encode("utf-8")))
    files.append(("scan-sheets.csv", sheets_csv(result.pages, result.sheets)))
    if pdfs and final:
        from quizgen.scan.report import student_pdfs

        files += student_pdfs(final, jobs)
    write_files(files, Path(out_dir), force, manifest="scan.sha256")
    open_items = [i for i in result.items if not i.answer]
    skipped = sum(1 for p in result.pages if p.status == "skipped")
    click.echo(f"read {len(result.pages)} pages: {len(final)} sheets graded, "
               f"{len(result.waiting)} waiting for review, {skipped} pages skipped "
               f"({len(open_items)} items to review) in {time.perf_counter() - started:.1f} s")
    if open_items:
        click.echo(f"review: open {Path(out_dir) / 'scan-review.html'}, write the answers in "
                   f"{Path(out_dir) / 'scan-review.csv'}, then run again with --review "
                   "(that file) --force")
    click.echo(f"wrote {len(files)} files to {out_dir}")
