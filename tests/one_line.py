"""The check that a command refused bad input the project's way: exit status 2, no traceback,
one line of output starting "error: " (naming ``where``, when given)."""

from __future__ import annotations


def one_line_error(result, where: str | None = None) -> str:
    """``result`` (a click CliRunner result) is one error line; that line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"traceback: {result.exception!r}"
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    if where:
        assert where in lines[0], (where, lines[0])
    return lines[0]
