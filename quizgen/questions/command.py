"""``quizgen question`` and ``quizgen banks``."""

from __future__ import annotations

import json

import click

from quizgen.errors import QuizgenError
from quizgen.questions.bank import (bank_files, entries_for_trace, find_entry, generate_question,
                                    load_bank, load_banks)
from quizgen.questions.text import as_text

LANG = click.Choice(["zh", "en"])


def bank_option(f):
    return click.option("--bank", "banks", multiple=True, type=click.Path(exists=False),
                        help="A bank file or folder (repeatable; default: the built-in banks).")(f)


def capture_options(f):
    """--pcap/--stream/--relative: ask about a real captured connection instead of simulations."""
    f = click.option("--relative", is_flag=True,
                     help="With --pcap: sequence numbers relative to the ISNs, as Wireshark shows them.")(f)
    f = click.option("--stream", type=int, default=None,
                     help="With --pcap: which connection (see 'quizgen trace --pcap FILE --list-streams').")(f)
    return click.option("--pcap", type=click.Path(dir_okay=False), default=None,
                        help="Build the questions on a connection read from a pcap or pcapng file.")(f)


def capture_trace(pcap: str | None, stream: int | None, relative: bool) -> dict | None:
    """The trace of the captured connection the options name, or None without --pcap."""
    if pcap is None:
        if stream is not None or relative:
            raise QuizgenError("--stream and --relative go with --pcap", field="--pcap")
        return None
    from quizgen.capture import trace_from_pcap   # only --pcap needs the capture reader
    return trace_from_pcap(pcap, stream=stream, relative=relative)


@click.command(name="question")
@click.argument("entry_id")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--lang", type=LANG, default="zh", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the question data as JSON.")
@bank_option
@capture_options
def question(entry_id: str, seed: int, lang: str, as_json: bool, banks: tuple[str, ...],
             pcap: str | None, stream: int | None, relative: bool) -> None:
    """Print one question and its key."""
    entry = find_entry(entry_id, load_banks(list(banks) or None))
    trace = capture_trace(pcap, stream, relative)
    if trace is not None and not entries_for_trace([entry], trace):
        raise QuizgenError(f"question {entry_id!r} cannot be asked of this connection (it lacks "
                           "a segment, value or state the question needs)", file=pcap, field="--pcap")
    q = generate_question(entry, seed, lang, trace=trace)
    if as_json:
        click.echo(json.dumps(q, ensure_ascii=False, indent=2))
        return
    click.echo(as_text(q))


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
    """Validate bank files (or folders of them): one line per problem, exit 2 on the first."""
    total = 0
    for p in paths:
        for f in bank_files(p):
            entries = load_bank(f)
            total += len(entries)
            click.echo(f"ok  {f}: {len(entries)} entries")
    click.echo(f"{total} entries valid")
