"""``quizgen export``: generate variants of bank entries and write them for an LMS."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from quizgen import seeds
from quizgen.commands.options import bank_option, capture_options, capture_trace
from quizgen.errors import QuizgenError
from quizgen.export import FORMATS, DiagramFn
from quizgen.export import count as count_questions
from quizgen.export import export as export_questions

SEED_BITS = 31  # seeds stay positive 32-bit ints, safe in every consumer


def variant_seed(seed: int, entry_id: str, index: int) -> int:
    """The seed of variant ``index`` of bank entry ``entry_id`` under the user's ``seed``:
    a pure function (SHA-256 of the three), so adding or removing other entries never changes
    an entry's variants."""
    return seeds.derive(seed, entry_id, index) % (2**SEED_BITS)


def variant_seeds(seed: int, entry_id: str, count: int) -> list[int]:
    """``count`` distinct seeds for one entry (a rare repeat is skipped, so qids stay unique)."""
    seeds: list[int] = []
    index = 0
    while len(seeds) < count:
        s = variant_seed(seed, entry_id, index)
        if s not in seeds:
            seeds.append(s)
        index += 1
    return seeds


def _diagram_renderer() -> DiagramFn:
    """The student's (unrevealed) ladder diagram of a question, as SVG."""
    from quizgen.render.ladder import ladder_svg
    return partial(ladder_svg, reveal=False)


def collect(entries: list, ids: list[str] | None, variants: int, seed: int,
            lang: str, generate, every: list | None = None) -> list[dict]:
    """Generate ``variants`` questions per selected entry (in bank order). ``every``: all the
    banks' entries, when ``entries`` are only those that fit a captured connection."""
    if ids:
        known = {e.id for e in entries}
        unknown = [i for i in ids if i not in known]
        misfits = [i for i in unknown if i in {e.id for e in every or ()}]
        if misfits:
            raise QuizgenError(f"question id(s) {', '.join(misfits)} cannot be asked of this "
                               "connection (it lacks a segment, value or state they need)",
                               field="--ids")
        if unknown:
            raise QuizgenError(f"unknown question id(s): {', '.join(unknown)}", field="--ids")
        entries = [e for e in entries if e.id in set(ids)]
    if not entries:
        raise QuizgenError("no bank entries to export")
    return [generate(e, s, lang) for e in entries for s in variant_seeds(seed, e.id, variants)]


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True,
              help="Moodle XML, GIFT, Canvas QTI 1.2 zip or QTI 2.1 content package.")
@bank_option
@click.option("--ids", default=None, help="Comma-separated bank entry ids (default: all).")
@click.option("--variants", default=5, show_default=True, type=click.IntRange(min=1),
              help="Variants per entry; an LMS picks one per student.")
@click.option("--seed", default=1, show_default=True, type=int, help="Base seed.")
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]))
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Output file.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@capture_options
def export(fmt: str, banks: tuple[str, ...], ids: str | None, variants: int, seed: int,
           lang: str, out: Path, force: bool, pcap: str | None, stream: int | None,
           relative: bool) -> None:
    """Export question variants for an LMS.

    Moodle XML, GIFT, a Canvas QTI 1.2 zip, or a QTI 2.1 content package for any QTI player.

    With --pcap, the questions are asked of one captured connection (the entries that fit it).
    """
    from quizgen.questions import entries_for_trace, generate_question, load_banks

    if out.exists() and not force:
        raise QuizgenError(f"{out} already exists (use --force to overwrite it)")
    id_list = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
    entries = every = load_banks(list(banks) if banks else None)
    trace = capture_trace(pcap, stream, relative)
    generate = generate_question
    if trace is not None:
        entries = entries_for_trace(entries, trace)
        if not entries:
            raise QuizgenError("no bank entry fits this connection (its steps match no entry's "
                               "scenario)", file=pcap, field="--pcap")
        generate = partial(generate_question, trace=trace)
    questions = collect(entries, id_list, variants, seed, lang, generate, every)
    path = export_questions(questions, fmt, out, diagram_svg=_diagram_renderer(), force=force)
    n_entries = len({q["id"] for q in questions})
    written = count_questions(questions, fmt)  # what the LMS gets: GIFT splits parts
    if written == len(questions):
        click.echo(f"wrote {written} questions ({n_entries} entries x {variants} variants) "
                   f"to {path}")
    else:
        click.echo(f"wrote {written} questions to {path} ({n_entries} entries x {variants} "
                   f"variants = {len(questions)}; a variant with several parts is one question "
                   "per part)")
