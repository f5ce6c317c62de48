"""``quizgen banks list`` and ``quizgen banks check``."""

from __future__ import annotations

import click

from quizgen.commands.options import bank_option
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
    languages; one line per problem, exit 2 on the first. Warns (exit 0) when a prompt prints
    the answer of one of its own blanks."""
    total = 0
    for p in paths:
        for f in bank_files(p):
            entries = load_bank(f)
            for entry in entries:
                for warning in check_entry(entry):
                    click.echo(f"warning: {warning}", err=True)
            total += len(entries)
            click.echo(f"ok  {f}: {len(entries)} entries")
    click.echo(f"{total} entries valid ({len(CHECK_SEEDS)} seeds each, zh and en)")
