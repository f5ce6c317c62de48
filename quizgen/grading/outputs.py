"""Marks files: what ``quizgen grade`` (and ``quizgen scan``) write from a class's PaperMarks.

* ``marks_csv``: one row a student: student id, name, paper code, the points of each question
  (``Q1`` ... or ``第1题`` ...), the total. UTF-8 with a BOM and CRLF line ends, so that Excel
  opens it with the Chinese intact.
* ``results_csv``: one row a student and response key, the richer file ``quizgen report``
  reads: what was answered, how it was read (``status``, ``reason``), the letters chosen, the
  misconceptions they stand for, the points. Its columns are ``RESULT_COLUMNS``.
* ``summary_rows`` / ``summary_csv``: the class summary, one row a question and one for the
  total: its points, how many students, the mean, lowest and highest, how many scored full
  marks.
* ``marks_xlsx``: the three as sheets of one workbook (Marks, Summary, Responses), numbers as
  numbers; the same bytes for the same marks (its dates are SOURCE_DATE_EPOCH's, else fixed).

Points are written as short decimals (``1.6666667``, ``5``): ``quizgen.export.grades``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import statistics
from typing import Any, Sequence

from quizgen.export.grades import number_text
from quizgen.grading.marks import PaperMarks

RESULT_COLUMNS = ("student_id", "name", "paper_code", "key", "question", "section",
                  "position", "entry", "part", "kind", "response", "status", "reason",
                  "chosen", "misconceptions", "points", "max_points")


def _headers(lang: str) -> tuple[str, str, str, str]:
    return (("学号", "姓名", "试卷代码", "总分") if lang == "zh" else
            ("student_id", "name", "paper_code", "total"))


def question_header(number: int, lang: str) -> str:
    return f"第{number}题" if lang == "zh" else f"Q{number}"


def csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _pts(x: float) -> str:
    return number_text(round(x, 7)) if x != int(x) else str(int(x))


def questions_of(marks: Sequence[PaperMarks]) -> list[int]:
    """The question numbers of the papers, in order (the same for every paper of a spec)."""
    numbers: dict[int, None] = {}
    for m in marks:
        for p in m.parts:
            numbers.setdefault(p.key.question, None)
    return sorted(numbers)


def marks_table(marks: Sequence[PaperMarks], lang: str) -> list[list[Any]]:
    """The marks as rows (header first), numbers as floats."""
    sid, name, code, total = _headers(lang)
    numbers = questions_of(marks)
    rows: list[list[Any]] = [[sid, name, code, *(question_header(n, lang) for n in numbers),
                              total]]
    for m in marks:
        points = m.question_points()
        rows.append([m.student_id, m.student_name, m.code,
                     *(points.get(n, 0.0) for n in numbers), m.total])
    return rows


def marks_csv(marks: Sequence[PaperMarks], lang: str) -> bytes:
    table = marks_table(marks, lang)
    return csv_bytes([table[0]] + [[*r[:3], *(_pts(x) for x in r[3:])] for r in table[1:]])


def result_rows(marks: Sequence[PaperMarks]) -> list[list[Any]]:
    """One row a student and response key (``RESULT_COLUMNS``), numbers as floats."""
    rows: list[list[Any]] = []
    for m in marks:
        for p in m.parts:
            k = p.key
            rows.append([m.student_id, m.student_name, m.code, k.key, k.question,
                         k.section + 1, k.position, k.entry, k.part_id, k.kind,
                         "" if p.response is None else p.response, p.status, p.reason,
                         "".join(p.chosen), " ".join(p.misconceptions), p.points,
                         p.max_points])
    return rows


def results_csv(marks: Sequence[PaperMarks]) -> bytes:
    rows = [list(RESULT_COLUMNS)]
    for r in result_rows(marks):
        rows.append([*r[:15], _pts(r[15]), _pts(r[16])])
    return csv_bytes(rows)


def summary_rows(marks: Sequence[PaperMarks], lang: str) -> list[list[Any]]:
    """The class summary (header first): per question and for the total, its points, the
    students, mean, lowest, highest and how many scored full marks."""
    zh = lang == "zh"
    header = (["题号", "分值", "人数", "平均分", "最低分", "最高分", "满分人数"] if zh else
              ["question", "max_points", "students", "mean", "lowest", "highest",
               "full_marks"])
    rows: list[list[Any]] = [header]
    numbers = questions_of(marks)
    for n in numbers:
        got, top = [], []
        for m in marks:
            parts = [p for p in m.parts if p.key.question == n]
            got.append(round(sum(p.points for p in parts), 9))
            top.append(round(sum(p.max_points for p in parts), 9))
        rows.append(_summary_row(question_header(n, lang), got, top))
    rows.append(_summary_row("总分" if zh else "total", [m.total for m in marks],
                             [m.max_total for m in marks]))
    return rows


def _summary_row(label: str, got: list[float], top: list[float]) -> list[Any]:
    most = max(top) if top else 0.0
    return [label, most, len(got), round(statistics.fmean(got), 9) if got else 0.0,
            min(got, default=0.0), max(got, default=0.0),
            sum(1 for g, t in zip(got, top) if abs(g - t) < 1e-9)]


def summary_csv(marks: Sequence[PaperMarks], lang: str) -> bytes:
    rows = summary_rows(marks, lang)
    return csv_bytes([rows[0]] + [[r[0], _pts(r[1]), r[2], _pts(round(r[3], 4)), _pts(r[4]),
                                    _pts(r[5]), r[6]] for r in rows[1:]])


# ---------------------------------------------------------------------------- Excel
def fixed_date():
    """SOURCE_DATE_EPOCH's date, else a fixed one: the same marks give the same bytes."""
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        from quizgen.render.ooxml import source_date

        return source_date()
    return datetime.datetime(2000, 1, 1)


def marks_xlsx(marks: Sequence[PaperMarks], lang: str, title: str = "") -> bytes:
    """Marks, Summary and Responses sheets in one workbook."""
    from quizgen.errors import QuizgenError

    try:
        import openpyxl
        from openpyxl.styles import Font
    except ImportError:
        raise QuizgenError("writing Excel needs openpyxl (pip install openpyxl)") from None
    book = openpyxl.Workbook()
    sheets = [("成绩" if lang == "zh" else "Marks", marks_table(marks, lang)),
              ("统计" if lang == "zh" else "Summary", summary_rows(marks, lang)),
              ("作答" if lang == "zh" else "Responses",
               [list(RESULT_COLUMNS)] + result_rows(marks))]
    for k, (name, rows) in enumerate(sheets):
        sheet = book.active if k == 0 else book.create_sheet()
        sheet.title = name
        for r, row in enumerate(rows):
            sheet.append([_excel_value(v, text=(r == 0 or not isinstance(v, (int, float))))
                          for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):   # ids and codes stay text (leading zeros)
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
    when = fixed_date()
    book.properties.creator = "quizgen"
    book.properties.title = title
    book.properties.created = when
    book.properties.modified = when
    buf = io.BytesIO()
    book.save(buf)
    return _stable_xlsx(buf.getvalue(), when)


def _excel_value(value: Any, *, text: bool) -> Any:
    if text:
        return str(value)
    return int(value) if float(value).is_integer() else float(value)


def _stable_xlsx(data: bytes, when) -> bytes:
    """openpyxl stamps ``modified`` with the time of saving: put ``when`` there, and every
    entry at a fixed time (``quizgen.render.ooxml.stable_zip``)."""
    import zipfile

    from quizgen.render.ooxml import stable_zip

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp, blob)
            dst.writestr(info.filename, blob)
    return stable_zip(out.getvalue())
