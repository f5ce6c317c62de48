"""The review list: what the scanner would not call, for the teacher to decide.

``scan-review.html`` shows each item: the cropped region of the page (PNG in the page), what
was read, the problem. ``scan-review.csv`` (UTF-8 with a BOM) lists the same items, one a
line, with an empty ``answer`` column; the teacher writes the answer there and runs the scan
again with ``--review scan-review.csv``. Answers:

* a field (``5.2``, ``id``): the answer as the student meant it, written as the sheet's
  bubbles say it (``B``, ``AC``, ``2861``, ``t``/``f``, ``SYN-SENT``, a student id), or ``-``
  for no answer; a score field (``5.2#score``): the points;
* ``code``: the paper code printed under the QR code (``CODE``, ``CODE/2`` for page 2, then
  a space and the student id for a roster paper), or ``drop``;
* ``duplicate``: ``keep`` on the one copy to grade (the others are dropped);
* ``layout``: ``drop`` (rescan the page).

A sheet's marks are final only when each of its items has an answer; items are matched by
their id (``FILE pPAGE|KEY``), which the same inputs always give.
"""

from __future__ import annotations

import base64
import csv
import io
from html import escape
from typing import Mapping, Sequence

from quizgen.errors import QuizgenError

COLUMNS = ("item", "sheet", "paper_code", "student", "question", "problem", "reading",
           "answer")


def apply_answer(item) -> str | None:
    """The value a field takes from its review answer (``-``: none)."""
    answer = (item.answer or "").strip()
    if answer in ("-", "—"):
        return None
    if item.key.endswith("#score"):
        try:
            value = float(answer)
        except ValueError:
            raise QuizgenError(f"the score {answer!r} is not a number", field=item.id) from None
        if not 0 <= value <= item.points + 1e-9:
            raise QuizgenError(f"the score {answer!r} is not between 0 and the part's "
                               f"{item.points:g} points", field=item.id)
        return f"{value:g}"
    if item.values and item.key != "id":
        single = [v for v in item.values if len(v) > 1]     # a state's name, a score
        if answer.upper() in {v.upper() for v in single}:
            return next(v for v in single if v.upper() == answer.upper())
        unknown = [ch for ch in answer.replace(" ", "") if ch.upper() not in
                   {v.upper() for v in item.values if len(v) == 1}]
        if unknown or single and not answer:
            raise QuizgenError(f"the answer {answer!r} is not made of this field's bubbles "
                               f"({', '.join(item.values[:12])}), nor '-' for none",
                               field=item.id)
        letters = {v.upper(): v for v in item.values if len(v) == 1}
        return "".join(letters[ch.upper()] for ch in answer.replace(" ", ""))
    return answer


def review_csv(items: Sequence) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for i in items:
        writer.writerow([i.id, i.source, i.code, i.student, i.key, i.problem, i.reading,
                         i.answer or ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_review(path: str) -> dict[str, str]:
    """item id -> answer, from a review CSV the teacher filled in (blank answers left out)."""
    from quizgen.files import read_input

    data = read_input(path, "review file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise QuizgenError("the review file is not UTF-8 or GB18030 text", file=path) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise QuizgenError(f"not valid CSV: {exc}", file=path) from None
    if not rows or [h.strip().lower() for h in rows[0][:len(COLUMNS)]] != list(COLUMNS):
        raise QuizgenError(f"the first line must be the review file's columns "
                           f"({','.join(COLUMNS)}), as quizgen scan wrote it", file=path, line=1)
    out: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(COLUMNS):
            raise QuizgenError(f"expected {len(COLUMNS)} columns, got {len(row)}", file=path,
                               line=line)
        item, answer = row[0].strip(), row[COLUMNS.index("answer")].strip()
        if answer:
            out[item] = answer
    return out


def review_html(items: Sequence, title: str, lang: str) -> str:
    zh = lang == "zh"
    head = (("待复核", "页", "试卷代码", "学生", "题号", "问题", "读到的", "复核结果（填入 CSV 的 answer 列）")
            if zh else ("To review", "Page", "Paper code", "Student", "Question", "Problem",
                        "Read", "Answer (write it in the CSV's answer column)"))
    rows = []
    for i in items:
        image = (f'<img alt="" src="data:image/png;base64,{base64.b64encode(i.crop).decode()}">'
                 if i.crop else "")
        done = f"<b>{escape(i.answer)}</b>" if i.answer else "<i>—</i>"
        rows.append(f"<tr id=\"{escape(i.id, quote=True)}\"><td><code>{escape(i.id)}</code><br>"
                    f"{escape(i.source)}</td><td>{escape(i.code)}</td><td>{escape(i.student)}"
                    f"</td><td>{escape(i.key)}</td><td>{escape(i.problem)}</td>"
                    f"<td>{escape(i.reading)}</td><td>{image}</td><td>{done}</td></tr>")
    open_count = sum(1 for i in items if not i.answer)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
            f"{escape(head[0])}: {escape(title)}</title><style>body{{font-family:sans-serif}}"
            "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px;"
            "vertical-align:top}img{max-width:520px}</style></head><body>"
            f"<h1>{escape(head[0])}: {escape(title)}</h1><p>{open_count} / {len(items)}</p>"
            f"<table><tr><th>item / {escape(head[1])}</th><th>{escape(head[2])}</th>"
            f"<th>{escape(head[3])}</th><th>{escape(head[4])}</th><th>{escape(head[5])}</th>"
            f"<th>{escape(head[6])}</th><th></th><th>{escape(head[7])}</th></tr>"
            + "".join(rows) + "</table></body></html>")


def sheets_csv(pages: Sequence, sheets: Sequence) -> bytes:
    """One line a page read: where it came from, whose it is, what happened to it."""
    status: dict[int, str] = {}
    for s in sheets:
        for p in s.pages.values():
            status[id(p)] = "graded" if s.marks is not None else "waiting for review"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["page", "paper_code", "student_id", "sheet_page", "status", "note"])
    for p in pages:
        state = status.get(id(p), "skipped" if p.status == "skipped" else
                           "waiting for review")
        writer.writerow([p.source, p.code, p.student_id, f"{p.page}/{p.pages}" if p.page else "",
                         state, p.note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def answers_of(items: Sequence) -> Mapping[str, str]:
    return {i.id: i.answer for i in items if i.answer}
