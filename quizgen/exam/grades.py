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
import json
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
    wb.properties.creator = "quizgen"
    from quizgen.render.ooxml import xlsx_bytes

    return xlsx_bytes(wb)


def moodle_csv(rows: Sequence[GradeRow], title: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ID number", "Full name", title.replace(",", " ")])
    for r in rows:
        if r.score is not None:       # a blank grade would clear Moodle's: left out
            w.writerow([_safe_cell(r.student_id), _safe_cell(r.name), _number(r.score)])
    return out.getvalue().encode("utf-8")


def item_analysis(graded: Sequence[tuple[Any, Any, list[dict[str, Any]]]], title: str,
                  lang: str) -> str | None:
    """The item-analysis report (HTML page) of the graded attempts: (student row, built
    paper, its result rows) each. It is the report of scanned papers, by the grading
    package (``quizgen.grading``): the exam's results become its PaperMarks (one PartMark a
    graded part, keyed by ``response_keys`` of the same Paper), and ``attempts_from_marks``,
    ``analyse`` and ``report_html`` do the rest. None while that package is not installed,
    or when nobody has submitted."""
    try:
        from quizgen.grading.analysis import analyse, attempts_from_marks, by_slot
        from quizgen.grading.marks import PaperMarks, PartMark, response_keys
        from quizgen.grading.report_html import report_html
    except ImportError:
        return None
    if not graded:
        return None
    marks, papers = [], {}
    for st, built, rows in graded:
        paper = built.paper
        papers[st.paper_code] = paper
        keys = {(k.question, k.part_id): k for k in response_keys(paper)}
        parts = []
        for r in rows:
            key = keys[(r["question"], r["part"])]
            chosen_ids: tuple[str, ...] = ()
            if key.kind == "choice" and r["status"] in ("right", "wrong"):
                chosen_ids = tuple(json.loads(r["response"]))
            parts.append(PartMark(key=key, response=r["response"] or None, status=r["status"],
                                  points=r["points"], chosen_ids=chosen_ids))
        marks.append(PaperMarks(code=st.paper_code, student_id=st.student_id,
                                student_name=st.name, version=st.version, parts=parts))
    attempts, info = attempts_from_marks(marks, papers, lang)
    return report_html(title, analyse(by_slot(attempts)), analyse(attempts, info), lang)
