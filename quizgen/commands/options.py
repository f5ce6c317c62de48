"""The options several commands share: ``--bank``, ``--lang``, ``--pcap``, ``--stream``,
``--relative``."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError

LANG = click.Choice(["zh", "en"])


def _only_banks(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    ctx.meta["quizgen.only_banks"] = value


def _banks(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """The bank files to load: the built-in banks and those given, or with --only-banks just
    those given; () means the built-in banks alone."""
    if ctx.meta.get("quizgen.only_banks"):
        if not value:
            raise click.BadParameter("--only-banks needs at least one --bank", ctx=ctx,
                                     param_hint="--only-banks")
        return value
    if not value:
        return value
    from quizgen.questions.bank import builtin_bank_paths

    return (*map(str, builtin_bank_paths()), *value)


def bank_option(f):
    """--bank FILE|FOLDER (repeatable): banks added to the built-in ones; --only-banks: use
    only the banks given."""
    f = click.option("--bank", "banks", multiple=True, type=click.Path(exists=False),
                     callback=_banks,
                     help="A bank file or folder to add to the built-in banks (repeatable).")(f)
    return click.option("--only-banks", is_flag=True, is_eager=True, expose_value=False,
                        callback=_only_banks,
                        help="Use only the banks given with --bank, not the built-in ones.")(f)


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
    from quizgen.capture import trace_from_pcap  # only --pcap needs the capture reader
    return trace_from_pcap(pcap, stream=stream, relative=relative)
