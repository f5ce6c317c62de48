"""The PDF each student gets back: their scanned sheet with every field marked right or
wrong, what was read and the key's answer, then the key with its worked solutions (the key
``quizgen key`` writes, ``quizgen.render.paper_html``)."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from quizgen.export.grades import number_text


def _pts(x: float) -> str:
    return number_text(x)


def result_html(sheet: Any) -> str:
    """The sheet's pages with marks drawn over them, and the table of what was read."""
    layout, marks = sheet.layout, sheet.marks
    zh = layout.lang == "zh"
    by_key = marks.by_key()
    pages = []
    for number in sorted(sheet.pages):
        page = sheet.pages[number]
        overlay = []
        for key, (x, y, w, h) in page.marks_png:
            base = key.removesuffix("#score")
            mark = by_key.get(base)
            if mark is None:
                continue
            colour = "#0a0" if mark.correct else "#d00"
            sign = "✓" if mark.correct else "✗"
            overlay.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                           f'fill="none" stroke="{colour}" stroke-width="0.5"/>'
                           f'<text x="{x + w - 1:.1f}" y="{y + 4:.1f}" font-size="5" '
                           f'fill="{colour}" text-anchor="end">{sign}</text>')
        data = base64.b64encode(page.image).decode()
        pages.append(f'<div class="p"><svg xmlns="http://www.w3.org/2000/svg" '
                     f'xmlns:xlink="http://www.w3.org/1999/xlink" width="{layout.width * 0.8:.1f}mm"'
                     f' height="{layout.height * 0.8:.1f}mm" viewBox="0 0 {layout.width} '
                     f'{layout.height}"><image width="{layout.width}" height="{layout.height}" '
                     f'href="data:image/png;base64,{data}"/>{"".join(overlay)}</svg></div>')
    head = (("题号", "读到的", "答案", "得分") if zh else ("Question", "Read", "Key", "Points"))
    rows = []
    for p in marks.parts:
        read = p.response if p.response is not None else ("（手工评分）" if p.reason ==
                                                             "marked by hand" and zh else
                                                             "(marked by hand)" if p.reason ==
                                                             "marked by hand" else "—")
        rows.append(f"<tr class=\"{'ok' if p.correct else 'no'}\"><td>{escape(p.key.key)}</td>"
                    f"<td>{escape(str(read))}</td><td>{escape(p.key.expected)}</td>"
                    f"<td>{_pts(p.points)} / {_pts(p.max_points)}</td></tr>")
    who = f"{marks.student_name} {marks.student_id}".strip()
    total = (f"总分 {_pts(marks.total)} / {_pts(marks.max_total)}" if zh else
             f"Total {_pts(marks.total)} / {_pts(marks.max_total)}")
    from quizgen.render.fonts import FONT_STACK

    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
            f"@page {{ size: {layout.paper_size}; margin: 12mm }} body {{ font-family: "
            f"{FONT_STACK}; font-size: 10pt }} .p {{ break-after: page; text-align: center }}"
            " table { border-collapse: collapse; width: 100% } td, th { border: 0.3pt solid "
            "#777; padding: 1.5pt 4pt } tr.no td { color: #b00 } tr.ok td:last-child "
            "{ color: #070 }</style></head><body>"
            f"<h1>{escape(str(sheet.paper.get('title', '')))}</h1><p>{escape(who)} · "
            f"{escape(sheet.code)} · <b>{total}</b></p>" + "".join(pages) +
            f"<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{''.join(rows)}</table>"
            "</body></html>")


def student_pdfs(sheets: list[Any], jobs: int = 1) -> list[tuple[str, bytes]]:
    """(file name, PDF) for each graded sheet: its result pages, then its key."""
    import io

    from pypdf import PdfWriter

    from quizgen.render.documents import stem
    from quizgen.render.fonts import font_face_css
    from quizgen.render.paper_html import render_html
    from quizgen.render.pdf import render_pdfs

    htmls: list[str] = []
    for sheet in sheets:
        paper = dict(sheet.paper)
        paper["student"] = ({"id": sheet.student_id, "name": sheet.name}
                            if sheet.student_id else None)
        htmls.append(result_html(sheet))
        htmls.append(render_html(paper, key=True))
    if not htmls:
        return []
    pdfs: dict[int, bytes] = {}
    for index, data, _ in render_pdfs(htmls, font_css=font_face_css(htmls), jobs=jobs):
        pdfs[index] = data
    out = []
    for k, sheet in enumerate(sheets):
        writer = PdfWriter()
        writer.append(io.BytesIO(pdfs[2 * k]))
        writer.append(io.BytesIO(pdfs[2 * k + 1]))
        writer.add_metadata({"/Producer": "quizgen"})
        buf = io.BytesIO()
        writer.write(buf)
        paper = {"code": sheet.code, "student": {"id": sheet.student_id} if sheet.student_id
                 else None}
        out.append((f"{stem(paper)}-result.pdf", buf.getvalue()))
    return out
