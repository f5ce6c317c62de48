"""``quizgen export-cn``: the question bank for Chinese course platforms' importers, as Word
(``1、【单选题】…``) or an Excel sheet (题型, 题干, 选项, 答案, 解析, 难度, 知识点)."""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.commands.export import collect
from quizgen.commands.options import bank_option
from quizgen.errors import QuizgenError
from quizgen.files import write_new

FORMATS = ("word", "excel")


def _diagram_png(question) -> bytes:
    from quizgen.render.ladder import ladder_svg
    from quizgen.render.raster import svg_to_png

    return svg_to_png(ladder_svg(question, reveal=False), 150.0)


@click.command("export-cn")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="word: a .docx for the platforms' Word import; excel: a .xlsx sheet.")
@bank_option
@click.option("--ids", default=None, help="Comma-separated bank entry ids (default: all).")
@click.option("--variants", default=1, show_default=True, type=click.IntRange(1, 50),
              help="Variants per entry (each is a question of its own on the platform).")
@click.option("--seed", default=1, show_default=True, type=int, help="Base seed.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Output file (.docx or .xlsx).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def export_cn(fmt: str, banks: tuple[str, ...], ids: str | None, variants: int, seed: int,
              out: Path, force: bool) -> None:
    """The question bank for Chinese platforms' importers: Word (1、【单选题】…) or Excel."""
    from quizgen.export.cn_bank import bank_docx, bank_xlsx
    from quizgen.questions import generate_question, load_banks

    suffix = ".docx" if fmt == "word" else ".xlsx"
    if out.suffix.lower() != suffix:
        raise QuizgenError(f"--format {fmt} writes a {suffix} file; name --out so", field="--out")
    if out.exists() and not force:
        raise QuizgenError(f"{out} already exists (use --force to overwrite it)")
    id_list = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
    entries = load_banks(list(banks) if banks else None)
    questions = collect(entries, id_list, variants, seed, "zh", generate_question)
    skipped = 0
    if fmt == "word":
        data = bank_docx(questions, title="TCP 连接管理题库", diagram_png=_diagram_png)
    else:
        data, skipped = bank_xlsx(questions, title="TCP 连接管理题库")
    write_new(out, data, force=force)
    note = (f"; {skipped} with a ladder diagram left out (a cell cannot hold one: use "
            "--format word for them)" if skipped else "")
    click.echo(f"wrote {len(questions) - skipped} questions to {out}{note}")


