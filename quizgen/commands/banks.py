"""``quizgen banks list`` and ``quizgen banks check``."""

from __future__ import annotations

import click

from quizgen.commands.options import bank_option
from quizgen.errors import BankError, QuizgenError
from quizgen.questions.bank import (
    CHECK_SEEDS,
    bank_files,
    check_entry,
    load_bank,
    load_banks,
)


@click.group(name="banks")
def banks() -> None:
    """List and check question banks."""


@banks.command(name="list")
@bank_option
def list_(banks: tuple[str, ...]) -> None:
    """List the entries of the banks."""
    for e in load_banks(list(banks) or None):
        click.echo(f"{e.id:<28} {e.type:<10} {e.topic:<12} d{e.difficulty} {e.points:>3g}pt  {e.bank}")


@banks.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check(paths: tuple[str, ...]) -> None:
    """Validate bank files (or folders of them): every entry is rendered with 32 seeds in both
    languages; every problem is one line (all of them are listed), exit 2 if there is any.
    Warns (exit 0) when a prompt prints the answer of one of its own blanks."""
    total = failed = 0
    for p in paths:
        try:
            files = bank_files(p)
        except QuizgenError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        for f in files:
            problems: list[BankError] = []
            try:
                entries = load_bank(f, problems=problems)
            except QuizgenError as exc:
                click.echo(f"error: {exc}", err=True)
                failed += 1
                continue
            for entry in list(entries):
                try:
                    warnings = check_entry(entry)
                except BankError as exc:
                    problems.append(exc)
                    entries.remove(entry)
                    continue
                for warning in warnings:
                    click.echo(f"warning: {warning}", err=True)
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
            failed += len(problems)
            total += len(entries)
            if not problems:
                click.echo(f"ok  {f}: {len(entries)} entries")
    if failed:                       # one line per problem, above; nothing more
        raise SystemExit(2)
    click.echo(f"{total} entries valid ({len(CHECK_SEEDS)} seeds each, zh and en)")


@banks.command(name="coverage")
@bank_option
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="The language of the syllabus points' names.")
@click.option("--csv", "as_csv", is_flag=True, help="The syllabus points as CSV.")
def coverage(banks: tuple[str, ...], lang: str, as_csv: bool) -> None:
    """What the banks cover: topics x question types x difficulty, and which syllabus points
    (the seed article's steps, then what exams also ask) each entry asks about, read off the
    questions' sources in the trace; points no entry covers are listed as such."""
    from quizgen.questions import generate_question
    from quizgen.questions.coverage import coverage as compute
    from quizgen.questions.coverage import render_csv, render_text

    result = compute(load_banks(list(banks) or None), generate_question)
    click.echo(render_csv(result) if as_csv else render_text(result, lang), nl=False)
