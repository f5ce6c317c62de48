"""``quizgen banks``, and the options the commands that generate questions share (``--bank``,
``--pcap``, ``--stream``, ``--relative``)."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError
from quizgen.questions.bank import CHECK_SEEDS, bank_files, check_entry, load_bank, load_banks

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
