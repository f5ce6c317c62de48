"""``quizgen spec FILE``: a new paper spec to edit, the sample's with a fresh random seed."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import click

from quizgen.files import write_new
from quizgen.paper.spec import sample_spec_path


@click.command(name="spec")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def spec(path: Path, force: bool) -> None:
    """Write a new paper spec to edit: the sample's, with a fresh seed.

    A copy of the sample spec keeps the sample's seed, so its papers would be the public
    sample's, whose key anyone can print with 'quizgen paper'; this one's seed is drawn at
    random.
    """
    text = sample_spec_path().read_text(encoding="utf-8")
    seed = secrets.randbelow(2**31)
    text, n = re.subn(r"(?m)^seed: *\d+", f"seed: {seed}", text, count=1)
    assert n == 1, "the sample spec has no seed line"
    write_new(path, text.encode("utf-8"), force=force)
    click.echo(f"wrote {path} (seed {seed}); edit it, then: quizgen paper {path}")
