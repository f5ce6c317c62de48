"""``quizgen trace``: run a preset or a script and print its trace."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError
from quizgen.tcp.script import PRESETS, load_script, preset_script
from quizgen.tcp.simulator import simulate
from quizgen.tcp.trace import format_table


@click.command(name="trace")
@click.argument("preset", required=False, default=None)
@click.option("--script", "script_path", type=click.Path(dir_okay=False), help="A scenario script (YAML).")
@click.option("--seed", type=int, default=None, help="Seed for the random parameters (default 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
@click.option("--list", "list_presets", is_flag=True, help="List the presets.")
def trace(preset: str | None, script_path: str | None, seed: int | None, as_json: bool,
          list_presets: bool) -> None:
    """Simulate a connection and print every segment and state change.

    PRESET is one of the built-in scenarios (default: normal); --script runs a YAML script.
    """
    if list_presets:
        click.echo("\n".join(sorted(PRESETS)))
        return
    if preset and script_path:
        raise QuizgenError("give a PRESET or --script, not both", field="trace")
    if script_path:
        script = load_script(script_path, seed=seed)
    else:
        script = preset_script(preset or "normal", seed=1 if seed is None else seed)
    result = simulate(script)
    click.echo(result.to_json() if as_json else format_table(result))
