"""The access codes as the teacher hands them out: printable slips (HTML, one a student, cut
along the lines) and a CSV (UTF-8 with a BOM, for Excel). Written once, at ``exam create``:
the database keeps only the codes' hashes."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Sequence

from quizgen.exam.views import environment
from quizgen.exam.words import exam_words


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def access_files(name: str, title: str, lang: str, plan: Sequence, codes: dict[str, str],
                 url: str, opens_at: float, closes_at: float) -> list[tuple[str, bytes]]:
    """[(slips file name, HTML), (CSV file name, bytes)] for the students of ``plan``
    ((paper code, student, version) rows) and their access ``codes`` (student id -> code)."""
    rows = [(st, code) for code, st, _ in plan if st is not None]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["学号", "姓名", "考试码", "试卷代码"] if lang == "zh" else
               ["student_id", "name", "access_code", "paper_code"])
    for st, paper_code in rows:
        w.writerow([st.id, st.name, codes[st.id], paper_code])
    csv_bytes = ("\ufeff" + out.getvalue()).encode("utf-8")
    html = environment().get_template("slips.html.j2").render(
        lang=lang, html_lang="zh-CN" if lang == "zh" else "en", words=exam_words(lang),
        title=title, url=url, opens=_local(opens_at), closes=_local(closes_at),
        slips=[(st, codes[st.id], paper_code) for st, paper_code in rows])
    return [(f"{name}-access-slips.html", html.encode("utf-8")),
            (f"{name}-access-codes.csv", csv_bytes)]
