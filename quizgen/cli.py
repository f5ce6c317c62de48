"""The command line: one click group; the only place that turns errors into exit codes.

Each subcommand lives beside the code it drives and is imported only when it is run
(``_COMMANDS`` maps name -> "module:attribute"), so ``quizgen --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from quizgen import __version__
from quizgen.errors import QuizgenError

_COMMANDS: dict[str, str] = {
    "trace": "quizgen.tcp.command:trace",
    "paper": "quizgen.render.command:paper",
    "key": "quizgen.render.command:key",
    "export": "quizgen.export.command:export",
    "question": "quizgen.render.command:question",
    "banks": "quizgen.questions.command:banks",
    "drill": "quizgen.drill.command:drill",
    "serve": "quizgen.drill.command:serve",
    # further commands register here: "name": "module:attribute"
}


class UserError(click.ClickException):
    """A one-line user-facing error with exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # one line, no "Error:" capital prefix duplication
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_COMMANDS))

    def get_command(self, ctx: click.Context, name: str):
        if name in _COMMANDS:
            module, attr = _COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QuizgenError as exc:
            raise UserError(str(exc)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, but a bad option or argument is one line too, naming the option."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"error: {' '.join(exc.format_message().split())}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quizgen")
def cli() -> None:
    """Exam papers, drills and LMS exports about TCP connection setup and teardown.

    Every answer is read off a simulated TCP trace.
    """


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="quizgen")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
