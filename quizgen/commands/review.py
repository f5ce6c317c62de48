"""``quizgen review``: the review report (试卷审核表) of a spec's versions, as HTML and DOCX."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from quizgen.commands.options import bank_option
from quizgen.errors import QuizgenError
from quizgen.files import write_files

FORMATS = ("html", "docx")


def build_report(spec, source, extra_earlier: tuple[str, ...] = ()) -> dict:
    from quizgen.paper.assemble import (
        _candidates,
        earlier_sittings,
        scenario_key,
        version_papers,
    )
    from quizgen.paper.review import review

    if extra_earlier:
        spec = dataclasses.replace(spec, review=dataclasses.replace(
            spec.review, earlier=spec.review.earlier + tuple(str(Path(p).resolve())
                                                             for p in extra_earlier)))
    entries = source.entries()
    offered: dict[str, set[str]] = {}
    for k, section in enumerate(spec.sections):
        for e in _candidates(spec, section, k, entries):
            offered.setdefault(e.topic, set()).add(scenario_key(e))
    return review(spec, version_papers(spec, source), earlier_sittings(spec, source), offered)


def review_files(spec, source, stem: str, formats=FORMATS, extra_earlier=()
                 ) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the report in each format."""
    return render_files(build_report(spec, source, extra_earlier), stem, formats)


def render_files(report: dict, stem: str, formats=FORMATS) -> list[tuple[str, bytes]]:
    from quizgen.render.review import review_docx, review_html

    out = []
    if "html" in formats:
        out.append((f"{stem}-review.html", review_html(report).encode("utf-8")))
    if "docx" in formats:
        out.append((f"{stem}-review.docx", review_docx(report)))
    return out


@click.command("review")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--earlier", multiple=True, type=click.Path(dir_okay=False),
              help="The spec of an earlier sitting (repeatable), besides the spec's own "
                   "review.earlier.")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--format", "formats", default="html,docx", show_default=True,
              help="html, docx or html,docx.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@bank_option
def review(spec: str, earlier: tuple[str, ...], out_dir: str, formats: str, force: bool,
           banks: tuple[str, ...]) -> None:
    """The review report (试卷审核表) of a spec's versions, with a verdict per rule.

    Per version: types, topics, difficulty and points; the overlap between versions and with
    earlier sittings; one verdict per rule the spec's review: asks for."""
    from quizgen.paper.assemble import BankSource
    from quizgen.paper.spec import load_spec

    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
    if not chosen or any(f not in FORMATS for f in chosen):
        raise QuizgenError(f"--format takes html, docx or html,docx (got {formats!r})")
    paper_spec = load_spec(spec)
    source = BankSource(list(banks) or None)
    report = build_report(paper_spec, source, earlier)
    files = render_files(report, Path(spec).stem, chosen)
    out = Path(out_dir)
    write_files(files, out, force)
    for rule in report["rules"]:
        click.echo(f"{rule['verdict']:6} {rule['name']}: {rule['detail']}")
    click.echo(f"review: {report['verdict']}; wrote {', '.join(n for n, _ in files)} to {out}")
