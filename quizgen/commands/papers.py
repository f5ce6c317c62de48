"""``quizgen paper`` and ``quizgen key``: exam papers and answer keys as HTML and PDF files.

The papers are data (``quizgen.paper``), rendered to documents by ``quizgen.render``; this
module only stages the files: every target is checked before anything is written (existing
files need ``--force``); all files of a run are written to temporary names beside their targets
and renamed into place only when every one of them is complete (``quizgen.files.Staging``), so
a failed run leaves nothing half-written.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Sequence

import click

from quizgen.commands.options import bank_option, capture_options, capture_trace
from quizgen.errors import QuizgenError
from quizgen.files import Staging
from quizgen.paper.spec import sample_seed, sample_spec_path
from quizgen.paper import (
    BankSource,
    QuestionSource,
    class_set,
    load_roster,
    load_spec,
    paper_for_code,
)
from quizgen.render.documents import paper_documents

FORMATS = ("html", "pdf")


def sample_spec() -> Path:
    return sample_spec_path()


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise QuizgenError(f"--format takes html, pdf or html,pdf (got {value!r})")
    return chosen


def write_documents(documents: list[tuple[str, str]], out_dir: Path, formats: Sequence[str],
                    *, force: bool, jobs: int, progress: bool = True) -> tuple[int, int]:
    """Write each (file stem, html) in each format; returns (files, PDF pages)."""
    names = [f"{stem}.{fmt}" for fmt in formats for stem, _ in documents]
    staging = Staging(out_dir, names, force)
    pages = 0
    try:
        if "html" in formats:
            for stem, html in documents:
                staging.write_text(out_dir / f"{stem}.html", html)
        if "pdf" in formats:
            from quizgen.render.fonts import font_face_css
            from quizgen.render.pdf import write_pdfs

            font_css = font_face_css(html for _, html in documents)  # may fail: before the bar
            tasks = [(html, staging.temp(out_dir / f"{stem}.pdf")) for stem, html in documents]
            with _bar(len(tasks), progress) as advance:
                pages = write_pdfs(tasks, jobs=jobs, done=advance, font_css=font_css)
        staging.commit()
    except BaseException:
        staging.abort()
        raise
    return len(names), pages


class _bar:
    """click's progress bar on stderr (updated as documents finish), or nothing."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar = (click.progressbar(length=total, label="PDF", file=sys.stderr,
                                       show_pos=True) if enabled and total > 1 else None)

    def __enter__(self):
        if self._bar is None:
            return lambda pages: None
        bar = self._bar.__enter__()
        return lambda pages: bar.update(1)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _source(ctx: click.Context, banks: tuple[str, ...] = (), trace: dict | None = None
            ) -> QuestionSource:
    obj = ctx.find_object(dict) or {}
    return obj.get("question_source") or BankSource(list(banks) or None, trace)


def _report(files: int, pages: int, out_dir: Path, started: float) -> None:
    took = time.perf_counter() - started
    extra = f", {pages} PDF pages" if pages else ""
    click.echo(f"wrote {files} files{extra} to {out_dir} in {took:.1f} s")


_format_option = click.option("--format", "formats", default="html,pdf", show_default=True,
                              help="html, pdf or html,pdf.")
_out_option = click.option("--out", "out_dir", default="out", show_default=True,
                           type=click.Path(file_okay=False), help="Folder to write into.")
_force_option = click.option("--force", is_flag=True, help="Overwrite existing files.")


@click.command(name="paper")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--roster", type=click.Path(dir_okay=False),
              help="CSV of student_id,name: one personalised paper per student.")
@_out_option
@_format_option
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes rendering PDFs (default: the number of CPUs).")
@_force_option
@bank_option
@capture_options
@click.pass_context
def paper(ctx: click.Context, spec: str | None, roster: str | None, out_dir: str,
          formats: str, jobs: int | None, force: bool, banks: tuple[str, ...],
          pcap: str | None, stream: int | None, relative: bool) -> None:
    """Exam papers and their answer keys from a paper spec (YAML).

    Without SPEC, writes a sample Chinese paper and its key into ./out/.
    """
    started = time.perf_counter()
    fmts = _formats(formats)
    paper_spec = load_spec(spec or sample_spec())
    if spec and paper_spec.seed == sample_seed():
        click.echo(f"warning: {spec} uses the sample spec's seed ({paper_spec.seed}), so its "
                   "papers are the public sample's, whose key anyone can print; change its "
                   "seed ('quizgen spec FILE' writes a spec with a fresh one)", err=True)
    students = load_roster(roster) if roster else None
    trace = capture_trace(pcap, stream, relative)
    papers = class_set(paper_spec, _source(ctx, banks, trace), students)
    documents = paper_documents(papers, paper_spec.key_appended)
    files, pages = write_documents(documents, Path(out_dir), fmts, force=force,
                                   jobs=jobs or os.cpu_count() or 1)
    _report(files, pages, Path(out_dir), started)


@click.command(name="key")
@click.argument("code")
@click.option("--spec", "spec", required=True, type=click.Path(dir_okay=False),
              help="The paper spec the paper was made from.")
@_out_option
@_format_option
@_force_option
@bank_option
@capture_options
@click.pass_context
def key(ctx: click.Context, code: str, spec: str, out_dir: str, formats: str,
        force: bool, banks: tuple[str, ...], pcap: str | None, stream: int | None,
        relative: bool) -> None:
    """The answer key of the paper with a given code.

    CODE is printed on every page of the paper; --spec is the spec it was made from."""
    started = time.perf_counter()
    fmts = _formats(formats)
    paper_spec = load_spec(spec)
    the_paper = paper_for_code(paper_spec, code,
                               _source(ctx, banks, capture_trace(pcap, stream, relative)))
    documents = paper_documents([the_paper], False, with_paper=False)
    files, pages = write_documents(documents, Path(out_dir), fmts, force=force, jobs=1,
                                   progress=False)
    _report(files, pages, Path(out_dir), started)
