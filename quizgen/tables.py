"""Tables a teacher saves from Excel or WPS: rosters and answers files. One reader for both:
CSV in UTF-8 (with or without a BOM) or GB18030/GBK, as Chinese Excel saves it, or an .xlsx
workbook's first sheet; every cell a string; every problem one line naming the file (and the
line, where there is one)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from quizgen.errors import QuizgenError
from quizgen.files import read_input

MAX_ROWS = 100_000


def read_table(path: str, what: str, plural: str) -> list[list[str]]:
    """The rows of the table at ``path``; ``what`` names it in messages ("the roster"),
    ``plural`` names the kind for the .xlsx hint ("rosters")."""
    data = read_input(path, what.removeprefix("the "))
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data, path, what, plural)
    return _csv_rows(data, path, what)


def data_rows(rows: Sequence[Sequence[Any]], width: int, path: str, why: str = ""
              ) -> Iterator[tuple[int, list[str]]]:
    """The rows below the first line, each with its line number, blank ones left out. A row
    with filled cells beyond the first line's ``width`` columns is an error naming its line
    (``why`` adds the likely cause to the message)."""
    for line, row in enumerate(rows[1:], start=2):
        cells = [str(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise QuizgenError(f"{len(cells)} cells, but the first line names {width} "
                               f"columns{why}", file=path, line=line)
        yield line, cells


def _csv_rows(data: bytes, path: str, what: str) -> list[list[str]]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise QuizgenError(f"{what} is UTF-16 text (Excel's \"Unicode text\"); save it as CSV "
                           "UTF-8", file=path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise QuizgenError(f"{what} is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8",
                           file=path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise QuizgenError(f"{what} holds a NUL byte: is it a CSV file (not UTF-16 or a "
                           "spreadsheet's own format)?", file=path, line=line)
    if "\ufffd" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise QuizgenError(f"{what} is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8",
                           file=path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise QuizgenError(f"not valid CSV: {exc} (a quote left open?)", file=path,
                           line=reader.line_num) from None
    for line, row in enumerate(rows, start=1):   # a quote left open swallows the next lines
        if any("\n" in cell or "\r" in cell for cell in row):
            raise QuizgenError("a quote (\") opened here is closed only lines later: students "
                               "would merge", file=path, line=line)
    if len(rows) > MAX_ROWS:
        raise QuizgenError(f"{what} has over {MAX_ROWS:,} rows", file=path)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes, path: str, what: str, plural: str) -> list[list[str]]:
    try:
        import openpyxl
    except ImportError:
        raise QuizgenError(f"reading .xlsx {plural} needs openpyxl (pip install openpyxl); or "
                           f"save {what.removesuffix(' file')} as CSV", file=path) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS:
                raise QuizgenError(f"{what} has over {MAX_ROWS:,} rows", file=path)
        book.close()
    except QuizgenError:
        raise
    except Exception as exc:                  # a corrupt or foreign zip
        raise QuizgenError(f"not a readable .xlsx workbook ({type(exc).__name__})",
                           file=path) from None
    return rows
