"""``quizgen question``: one question and its key in the terminal (or as JSON)."""

from __future__ import annotations

import json

import click

from quizgen.commands.options import LANG, bank_option, capture_options, capture_trace
from quizgen.errors import QuizgenError
from quizgen.questions.bank import entries_for_trace, find_entry, generate_question, load_banks
from quizgen.render.text import as_text


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
