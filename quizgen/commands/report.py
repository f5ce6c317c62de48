"""``quizgen report``: the item analysis of a class's results, as HTML (with charts) and CSV.

The input is the results file ``quizgen grade`` (or ``quizgen scan``) writes, or an answers
file itself; each paper is rebuilt from its code and the spec and every answer graded again,
so the figures are the key's (``quizgen.grading.results``). The figures are
``quizgen.grading.analysis``'s; the files are staged like every other output.
"""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.commands.grade import _source
from quizgen.commands.options import bank_option
from quizgen.files import write_files


def report_files(marks, papers: dict, spec, stem: str) -> list[tuple[str, bytes]]:
    from quizgen.grading.analysis import analyse, attempts_from_marks, by_slot
    from quizgen.grading.report_html import (
        class_csv,
        items_csv,
        options_csv,
        report_html,
    )

    attempts, info = attempts_from_marks(marks, papers, spec.lang)
    entries = analyse(attempts, info)
    pooled = by_slot(attempts)
    slot_info = {}
    for a in attempts:
        for r in a["responses"]:
            slot_info.setdefault(f"Q{r['slot']}", set()).add(r["item"].split("/")[0])
    zh = spec.lang == "zh"
    slots = analyse(pooled, {item: {"title": (f"{len(e)} 个题库条目" if zh else
                                              f"{len(e)} bank entries")}
                             for item, e in slot_info.items()})
    html = report_html(spec.title, slots, entries, spec.lang)
    return [(f"{stem}-report.html", html.encode("utf-8")),
            (f"{stem}-items.csv", items_csv(slots, entries)),
            (f"{stem}-options.csv", options_csv(entries)),
            (f"{stem}-class.csv", class_csv(slots))], slots


@click.command(name="report")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--spec", "spec", required=True, type=click.Path(dir_okay=False),
              help="The paper spec the papers were made from.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="The roster (only for an answers file that needs one).")
@click.option("--out", "out_dir", default="marks", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@bank_option
@click.pass_context
def report(ctx: click.Context, results: str, spec: str, roster: str | None, out_dir: str,
           force: bool, banks: tuple[str, ...]) -> None:
    """Item analysis of a class's results: HTML with charts, and CSV.

    Facility, discrimination (Moodle's, and upper/lower 27 %), the options chosen and the
    misconceptions they stand for, a score histogram, KR-20 or Cronbach's alpha.

    RESULTS is the ...-results.csv quizgen grade writes (or an answers file). Writes
    STEM-report.html (with charts), STEM-items.csv, STEM-options.csv and STEM-class.csv."""
    from quizgen.grading.answers import read_rows
    from quizgen.grading.results import is_results, read_results
    from quizgen.paper import load_spec, paper_for_code

    source = _source(ctx, banks)
    paper_spec = load_spec(spec)
    rows = read_rows(results)
    papers: dict[str, dict] = {}

    def paper_of(code: str) -> dict:
        if code not in papers:
            papers[code] = paper_for_code(paper_spec, code, source)
        return papers[code]

    if rows and is_results(rows[0]):
        marks = read_results(results, rows, paper_spec, paper_of)
    else:
        from quizgen.commands.grade import grade_file

        paper_spec, marks = grade_file(results, spec, roster, source)
        for m in marks:
            paper_of(m.code)
    stem = Path(results).stem.removesuffix("-results")
    files, slots = report_files(marks, papers, paper_spec, stem)
    write_files(files, Path(out_dir), force, manifest=f"{stem}-report.sha256")
    rel = slots.reliability
    click.echo(f"{slots.students} students, mean {slots.mean:.2f} of {slots.max_total:g}; "
               + (f"{rel.method} {rel.value:.3f}" if rel and rel.value is not None
                  else "reliability: n/a"))
    click.echo(f"wrote {', '.join(name for name, _ in files)} to {out_dir}")
