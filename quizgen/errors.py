"""The errors a user can cause, each rendered by the CLI as one line with exit status 2.

``where`` names the place: a file, ``file:line``, and a field or step; the CLI prints
``error: WHERE: MESSAGE``. Code below the CLI raises these and never prints or exits.
"""

from __future__ import annotations


class QuizgenError(Exception):
    """A problem with the user's input (a file, an option, a script, a bank...)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    @property
    def where(self) -> str:
        place = ""
        if self.file:
            place = str(self.file)
            if self.line is not None:
                place += f":{self.line}"
        if self.field:
            place = f"{place}: {self.field}" if place else self.field
        return place

    def __str__(self) -> str:
        """One line, whatever the message, file or field hold (a key may hold a newline or
        a terminal's control characters: they are shown escaped)."""
        one_line = _printable(" ".join(self.message.split()))
        where = _printable(self.where)
        return f"{where}: {one_line}" if where else one_line


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


class ScriptError(QuizgenError):
    """A scenario script or call that the TCP model cannot carry out (a local misuse)."""


class BankError(QuizgenError):
    """A question bank or template that cannot be used."""
