"""The options several commands share: ``--bank``, ``--lang``, ``--pcap``, ``--stream``,
``--relative``."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError

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
    from quizgen.capture import trace_from_pcap  # only --pcap needs the capture reader
    return trace_from_pcap(pcap, stream=stream, relative=relative)
