"""Papers as documents: each Paper of a class set rendered to the HTML of its paper and its
key, named by the student (or version) and the paper code. Writing them to files, and as PDF,
is the caller's (``quizgen.commands.papers``; ``quizgen.render.pdf`` renders HTML to PDF bytes)."""

from __future__ import annotations

import re
from typing import Iterable

from quizgen.render.paper_html import render_html


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "x"


def stem(paper: dict) -> str:
    """The file name stem of a paper: ``STUDENTID-CODE``, or ``CODE`` without a student."""
    student = paper.get("student")
    return f"{_safe(student['id'])}-{paper['code']}" if student else paper["code"]


def paper_documents(papers: Iterable[dict], key_appended: bool, with_paper: bool = True
                    ) -> list[tuple[str, str]]:
    """(file stem, HTML) of each paper (``with_paper``) and of its key."""
    out = []
    for paper in papers:
        name = stem(paper)
        if with_paper:
            out.append((f"{name}-paper", render_html(paper, key_appended=key_appended)))
        out.append((f"{name}-key", render_html(paper, key=True)))
    return out
