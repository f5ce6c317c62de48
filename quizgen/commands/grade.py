"""``quizgen grade``: marks from an answers file (typed in, or exported from an LMS quiz).

Each row's paper is rebuilt from its code and the spec (as ``quizgen key`` does) and its
answers graded with the same tolerant reading as the drills (``quizgen.grading.marks``). The
whole file is checked before anything is written: one bad row is one line naming the file, the
line and the column, and no file is written. The files of a run are staged
(``quizgen.files.Staging``): all or none of them, none over an existing file without --force.
"""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.commands.options import bank_option
from quizgen.files import write_files


def _source(ctx: click.Context, banks: tuple[str, ...]):
    from quizgen.paper import BankSource

    obj = ctx.find_object(dict) or {}
    return obj.get("question_source") or BankSource(list(banks) or None)


def grade_file(answers: str, spec_path: str, roster: str | None, source):
    """(spec, the class's PaperMarks in the file's order) for an answers file."""
    from quizgen.grading.answers import grade_answers, parse_answers, read_rows
    from quizgen.paper import load_roster, load_spec, paper_for_code

    spec = load_spec(spec_path)
    students = load_roster(roster) if roster else None
    rows = parse_answers(answers, read_rows(answers), sum(s.count for s in spec.sections))
    papers: dict[str, dict] = {}

    def paper_of(code: str) -> dict:
        if code not in papers:
            papers[code] = paper_for_code(spec, code, source)
        return papers[code]

    return spec, grade_answers(answers, rows, spec, paper_of, students, roster)


def marks_files(marks, lang: str, stem: str, title: str = "") -> list[tuple[str, bytes]]:
    """(file name, bytes) of the marks CSV and workbook, the results and the summary."""
    from quizgen.grading.outputs import marks_csv, marks_xlsx, results_csv, summary_csv

    return [(f"{stem}-marks.csv", marks_csv(marks, lang)),
            (f"{stem}-marks.xlsx", marks_xlsx(marks, lang, title)),
            (f"{stem}-results.csv", results_csv(marks)),
            (f"{stem}-summary.csv", summary_csv(marks, lang))]


def template_csv(spec_path: str, roster: str | None, source) -> bytes:
    """A blank answers file: a row a student of the roster (or a version of the spec), the
    id, name and code filled in, and a column for every response key any of the papers has;
    the cells of the keys a student's paper lacks hold ``-`` (the reader skips them)."""
    from quizgen.grading.answers import NOT_ON_PAPER
    from quizgen.grading.marks import response_keys
    from quizgen.grading.outputs import csv_bytes
    from quizgen.paper import class_set, load_roster, load_spec

    spec = load_spec(spec_path)
    papers = list(class_set(spec, source, load_roster(roster) if roster else None))
    keys = sorted({k.key for p in papers for k in response_keys(p)},
                  key=lambda k: [int(x) for x in k.split(".")])
    zh = spec.lang == "zh"
    rows = [["学号" if zh else "student_id", "姓名" if zh else "name",
             "试卷代码" if zh else "paper_code", *keys]]
    for p in papers:
        student = p.get("student") or {}
        has = {k.key for k in response_keys(p)}
        rows.append([student.get("id", ""), student.get("name", ""), p["code"],
                     *("" if k in has else NOT_ON_PAPER for k in keys)])
    return csv_bytes(rows)


@click.command(name="grade")
@click.argument("answers", type=click.Path(dir_okay=False))
@click.option("--spec", "spec", required=True, type=click.Path(dir_okay=False),
              help="The paper spec the papers were made from.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="The roster the papers were made for (quizgen paper --roster).")
@click.option("--out", "out_dir", default="marks", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--template", is_flag=True,
              help="Write a blank answers file to ANSWERS instead (a row a student of --roster, "
                   "a column a question), to type the answers into.")
@bank_option
@click.pass_context
def grade(ctx: click.Context, answers: str, spec: str, roster: str | None, out_dir: str,
          force: bool, template: bool, banks: tuple[str, ...]) -> None:
    """Marks from an answers file (typed in, or from an LMS): CSV and Excel.

    The answers file is CSV or .xlsx, one row a student; columns: student_id (学号), name
    (姓名), paper_code (试卷代码), then one a question as the paper numbers it (1, 2, 3.1,
    3.2, ...). Writes ANSWERS-marks.csv and .xlsx (the
    points of each question and the total), ANSWERS-results.csv (every answer, how it was
    read; quizgen report reads it) and ANSWERS-summary.csv (the class summary)."""
    if template:
        path = Path(answers)
        write_files([(path.name, template_csv(spec, roster, _source(ctx, banks)))],
                    path.parent, force)
        click.echo(f"wrote {path}: fill in the answers, then: quizgen grade {path} --spec "
                   f"{spec}{' --roster ' + roster if roster else ''}")
        return
    paper_spec, marks = grade_file(answers, spec, roster, _source(ctx, banks))
    stem = Path(answers).stem
    files = marks_files(marks, paper_spec.lang, stem, paper_spec.title)
    write_files(files, Path(out_dir), force, manifest=f"{stem}-marks.sha256")
    unread = sum(1 for m in marks for p in m.parts if p.status == "unreadable")
    blank = sum(1 for m in marks for p in m.parts if p.status == "blank")
    totals = [m.total for m in marks]
    mean = sum(totals) / len(totals)
    click.echo(f"graded {len(marks)} papers: mean {mean:.2f} of {marks[0].max_total:g}; "
               f"{blank} answers blank, {unread} unreadable (0 points; the reasons are in "
               f"{stem}-results.csv)")
    click.echo(f"wrote {', '.join(name for name, _ in files)} to {out_dir}")
