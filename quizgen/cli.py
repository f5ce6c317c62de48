"""The command line: one click group; the only place that turns errors into exit codes.

The commands live in ``quizgen/commands/``; each is imported only when it is run
(``COMMANDS`` maps name -> "module:attribute" and its help), so ``quizgen --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from quizgen import __version__
from quizgen.errors import QuizgenError

#: name -> ("module:attribute", one-line help). The help is here, not read off the command,
#: so that ``quizgen --help`` lists every command without importing any of them.
COMMANDS: dict[str, tuple[str, str]] = {
    "trace": ("quizgen.commands.trace:trace",
              "Simulate a connection and print every segment and state change."),
    "paper": ("quizgen.commands.papers:paper",
              "Exam papers and their answer keys from a paper spec (YAML)."),
    "spec": ("quizgen.commands.spec:spec",
             "Write a new paper spec to edit: the sample's, with a fresh seed."),
    "key": ("quizgen.commands.papers:key", "The answer key of the paper with a given code."),
    "question": ("quizgen.commands.question:question", "Print one question and its key."),
    "export": ("quizgen.commands.export:export", "Export question variants for an LMS."),
    "export-cn": ("quizgen.commands.cnexport:export_cn", "The question bank for Chinese "
                  "platforms' importers: Word (1、【单选题】…) or Excel."),
    "scan": ("quizgen.commands.scan:scan",
             "Read answer sheets (scanned PDFs, JPEG/PNG photos) and grade them."),
    "review": ("quizgen.commands.review:review",
               "The review report (试卷审核表) of a spec's versions, with a verdict per rule."),
    "banks": ("quizgen.commands.banks:banks", "List and check question banks."),
    "drill": ("quizgen.commands.drill:drill",
              "Practise: endless random problems in the terminal, or an HTML pack (--html)."),
    "exam": ("quizgen.commands.exam:exam", "Online exams on a database: create one from a spec "
             "and a roster, serve it, migrate it."),
    "serve": ("quizgen.commands.drill:serve", "Run the drill as a web app for a class: a fresh "
              "problem per visit, checked on the server."),
    "grade": ("quizgen.commands.grade:grade",
              "Marks from an answers file (typed in, or from an LMS): CSV and Excel."),
    "report": ("quizgen.commands.report:report",
               "Item analysis of a class's results: HTML with charts, and CSV."),
}


class UserError(click.ClickException):
    """A one-line user-facing error with exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # one line, no "Error:" capital prefix duplication
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str):
        if name in COMMANDS:
            module, attr = COMMANDS[name][0].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from the table (importing no command module)."""
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
