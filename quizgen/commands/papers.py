"""``quizgen paper`` and ``quizgen key``: exam papers and answer keys as HTML and PDF files.

The papers are data (``quizgen.paper``), rendered to documents by ``quizgen.render``; this
module only stages the files: every target is checked before anything is written (existing
files need ``--force``); all files of a run are written to temporary names beside their targets
and put into place only when every one of them is complete, the set's manifest last
(``quizgen.files.Staging``), so a failed run leaves nothing half-written. The PDF workers start
before the questions are made (``_workers``), and SIGTERM or SIGHUP stop a run through the same
clean-up as Ctrl-C (``_clean_stop``).
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Sequence

import click

from quizgen.commands.options import bank_option, capture_options, capture_trace
from quizgen.errors import QuizgenError
from quizgen.files import Staging
from quizgen.paper import (
    BankSource,
    QuestionSource,
    class_set,
    load_roster,
    load_spec,
    paper_for_code,
)
from quizgen.paper.spec import LAYOUTS, sample_seed, sample_spec_path
from quizgen.render.documents import paper_documents

FORMATS = ("html", "pdf", "docx")


def sample_spec() -> Path:
    return sample_spec_path()


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise QuizgenError(f"--format takes html, pdf, docx or several of them, comma-separated "
                           f"(got {value!r})")
    return chosen


def write_documents(documents: list[tuple[str, str]], out_dir: Path, formats: Sequence[str],
                    *, force: bool, jobs: int, progress: bool = True,
                    manifest: str | None = None, workers=None,
                    extra: Sequence[tuple[str, bytes]] = (),
                    print_file: str | None = None,
                    sheets: Sequence[tuple[str, str]] = ()) -> tuple[int, int]:
    """Write each (file stem, html) in each format; returns (files, PDF pages).

    ``manifest``: the name of the file listing the set (``Staging``), written last;
    ``workers``: PDF worker processes already started (``pdf.start_workers``), else ``jobs``
    are started here when there is more than one document; ``sheets``: (file stem, html) of
    answer sheets, written as PDF only (whatever the formats). A failure of the machine (a
    read-only or full disk) is a one-line error; whatever the failure, the run's unfinished
    files are removed (the workers are stopped first)."""
    names = [f"{stem}.{fmt}" for fmt in formats if fmt != "docx" for stem, _ in documents]
    names += [f"{stem}.pdf" for stem, _ in sheets]
    names += [name for name, _ in extra]     # ``extra``: (file name, bytes): DOCX, the review
    if print_file:                            # every paper (not key) in one PDF, for printing
        names.append(print_file)
    printed: dict[int, bytes] = {}
    pages = 0
    with Staging(out_dir, names, force, manifest) as staging:
        try:
            for name, data in extra:
                staging.write_bytes(out_dir / name, data)
            if "html" in formats:
                for stem, html in documents:
                    staging.write_text(out_dir / f"{stem}.html", html)
            if "pdf" in formats or sheets:
                from quizgen.render.fonts import font_face_css
                from quizgen.render.pdf import render_pdfs

                if "pdf" not in formats:
                    documents = []
                documents = list(documents) + list(sheets)
                htmls = [html for _, html in documents]
                font_css = font_face_css(htmls)  # may fail: before the bar
                with _bar(len(htmls), progress) as advance:
                    for index, data, n in render_pdfs(htmls, font_css=font_css, jobs=jobs,
                                                      workers=workers):
                        staging.write_bytes(out_dir / f"{documents[index][0]}.pdf", data)
                        if print_file and documents[index][0].endswith("-paper"):
                            printed[index] = data
                        pages += n
                        advance(n)
                if print_file:
                    staging.write_bytes(out_dir / print_file,
                                        print_shop_pdf([printed[i] for i in sorted(printed)]))
            staging.commit()
        except BaseException:
            _stop(workers)            # the workers stop before the run's files go
            raise
    return len(names), pages


def print_shop_pdf(pdfs: Sequence[bytes]) -> bytes:
    """The papers in one PDF, in order, each padded with a blank page to an even count, so
    that printed double-sided every student's paper starts on a sheet of its own."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
        if len(writer.pages) % 2:
            box = writer.pages[-1].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
    writer.add_metadata({"/Producer": "quizgen"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def codes_csv(spec, students, lang: str) -> bytes:
    """Which student (or version) got which paper code: the list a teacher hands out papers
    with, UTF-8 with a BOM so that Excel reads the Chinese."""
    import csv
    import io

    from quizgen.paper import plan_codes

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["学号", "姓名", "试卷代码", "版本"] if lang == "zh" else
                    ["student_id", "name", "paper_code", "version"])
    for code, student, version in plan_codes(spec, students):
        writer.writerow([student.id if student else "", student.name if student else "", code,
                         "" if version is None else chr(ord("A") + version - 1)
                         if version <= 26 else version])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _docx_files(papers, key_appended: bool, with_paper: bool = True
                ) -> list[tuple[str, bytes]]:
    from quizgen.render.docx import docx_documents

    return [(f"{stem}.docx", data) for stem, data in
            docx_documents(papers, key_appended, with_paper=with_paper)]


def _stop(workers) -> None:
    if workers is not None:
        workers.kill()


class _Stopped(BaseException):
    """SIGTERM or SIGHUP, raised where the run is so that it cleans up as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _clean_stop():
    """While a command writes: SIGTERM and SIGHUP stop it through every clean-up (the PDF
    workers stopped, the unfinished files removed), then it exits with 128 + the signal's
    number, as if the signal had ended it. A second signal during the clean-up is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        for s in wanted:
            signal.signal(s, signal.SIG_IGN)
        raise _Stopped(signum)

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    except _Stopped as stop:
        click.echo(f"error: stopped by {signal.Signals(stop.signum).name}; the set was not "
                   "finished, and its unfinished files were removed", err=True)
        raise SystemExit(128 + stop.signum) from None
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _workers(formats: Sequence[str], jobs: int, documents: int):
    """PDF workers started now (before the questions and HTML are made), or a null context."""
    if "pdf" not in formats:
        return nullcontext(None)
    from quizgen.render.pdf import start_workers

    return start_workers(jobs, documents) or nullcontext(None)


def _manifest_name(*parts: str) -> str:
    return "-".join(p for p in parts if p) + ".sha256"


class _bar:
    """click's progress bar on stderr (updated as documents finish), or nothing."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar = (click.progressbar(length=total, label="PDF", file=sys.stderr,
                                       show_pos=True)
                     if enabled and total > 1 and sys.stderr.isatty() else None)

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


def _report(files: int, pages: int, out_dir: Path, started: float, manifest: str) -> None:
    took = time.perf_counter() - started
    extra = f", {pages} PDF pages" if pages else ""
    click.echo(f"wrote {files} files{extra} to {out_dir} in {took:.1f} s (listed, with "
               f"checksums, in {manifest})")


_format_option = click.option("--format", "formats", default="html,pdf", show_default=True,
                              help="html, pdf, docx, or several comma-separated.")
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
@click.option("--layout", type=click.Choice(LAYOUTS), default=None,
              help="The school layout, instead of the spec's (default: plain).")
@click.option("--print-file", "print_file", is_flag=True,
              help="Also one PDF of every student's paper, in roster order, each starting on "
                   "a new sheet when printed double-sided (for the print shop).")
@click.option("--review", "with_review", is_flag=True,
              help="Also write the review report (试卷审核表) of the spec's versions.")
@click.option("--sheets", "with_sheets", is_flag=True,
              help="Also an answer sheet (答题卡) per paper, as PDF (STEM-sheet.pdf), for "
                   "quizgen scan; the spec's answer_sheet sets its paper and digit grids.")
@bank_option
@capture_options
@click.pass_context
def paper(ctx: click.Context, spec: str | None, roster: str | None, out_dir: str,
          formats: str, jobs: int | None, force: bool, layout: str | None, print_file: bool,
          with_review: bool, with_sheets: bool, banks: tuple[str, ...], pcap: str | None,
          stream: int | None, relative: bool) -> None:
    """Exam papers and their answer keys from a paper spec (YAML).

    Without SPEC, writes a sample Chinese paper and its key into ./out/.
    """
    started = time.perf_counter()
    fmts = _formats(formats)
    spec_path = Path(spec) if spec else sample_spec()
    paper_spec = load_spec(spec_path)
    if spec and paper_spec.seed == sample_seed():
        click.echo(f"warning: {spec} uses the sample spec's seed ({paper_spec.seed}), so its "
                   "papers are the public sample's, whose key anyone can print; change its "
                   "seed ('quizgen spec FILE' writes a spec with a fresh one)", err=True)
    if layout:
        paper_spec = dataclasses.replace(paper_spec, layout=layout)
    students = load_roster(roster) if roster else None
    trace = capture_trace(pcap, stream, relative)
    if not jobs:
        from quizgen.render.pdf import available_cpus

        jobs = available_cpus()
    expected = 2 * (len(students) if students else (paper_spec.versions or 1))
    manifest = _manifest_name(spec_path.stem, Path(roster).stem if roster else "")
    stem = manifest.removesuffix(".sha256")            # the set's name: SPEC-ROSTER
    with _clean_stop(), _workers(fmts, jobs, expected) as workers:
        source = _source(ctx, banks, trace)
        papers = class_set(paper_spec, source, students)
        if "docx" in fmts or with_sheets:
            papers = list(papers)
        sheets = answer_sheets(papers, paper_spec) if with_sheets else []
        documents = (paper_documents(papers, paper_spec.key_appended)
                     if set(fmts) - {"docx"} else [])
        extra = _docx_files(papers, paper_spec.key_appended) if "docx" in fmts else []
        if with_review:
            from quizgen.commands.review import review_files

            extra += review_files(paper_spec, source, spec_path.stem)
        if students or (paper_spec.versions or 1) > 1:
            extra.append((f"{stem}-codes.csv", codes_csv(paper_spec, students, paper_spec.lang)))
        if print_file and "pdf" not in fmts:
            raise QuizgenError("--print-file is a PDF: give --format pdf (or html,pdf)",
                               field="--print-file")
        files, pages = write_documents(documents, Path(out_dir), fmts, force=force, jobs=jobs,
                                       manifest=manifest, workers=workers, extra=extra,
                                       print_file=f"{stem}-print.pdf" if print_file else None,
                                       sheets=sheets)
    _report(files, pages, Path(out_dir), started, manifest)


def answer_sheets(papers: Sequence[dict], spec) -> list[tuple[str, str]]:
    """(file stem, HTML) of each paper's answer sheet (``quizgen.sheets``)."""
    from quizgen.render.documents import stem
    from quizgen.sheets.layout import fingerprint, options_of, sheet_layout
    from quizgen.sheets.render import sheet_html

    options, exam = options_of(spec), fingerprint(spec)
    return [(f"{stem(p)}-sheet", sheet_html(sheet_layout(p, options, exam))) for p in papers]


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
    with _clean_stop():
        the_paper = paper_for_code(paper_spec, code,
                                   _source(ctx, banks, capture_trace(pcap, stream, relative)))
        documents = paper_documents([the_paper], False, with_paper=False)
        manifest = _manifest_name(documents[0][0])
        extra = (_docx_files([the_paper], False, with_paper=False) if "docx" in fmts else [])
        if set(fmts) <= {"docx"}:
            documents = []
        files, pages = write_documents(documents, Path(out_dir), fmts, force=force, jobs=1,
                                       progress=False, manifest=manifest, extra=extra)
    _report(files, pages, Path(out_dir), started, manifest)
