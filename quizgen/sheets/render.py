"""Answer sheets drawn: each page of a :class:`~quizgen.sheets.layout.SheetLayout` as one SVG
in millimetres, in an HTML document whose pages are the sheet's (``@page`` of the sheet's
size, no margins), for WeasyPrint (``quizgen.render.pdf``: the same fonts and the same
URL rule as the papers; the SVG is inline and the QR code is drawn as paths, so nothing is
fetched). Black on white only: no grey that a photocopier would lose or smear.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from quizgen.render.fonts import FONT_STACK
from quizgen.sheets.layout import BUBBLE_R, Page, SheetLayout


@lru_cache(maxsize=512)
def qr_path(payload: str, x: float, y: float, size: float) -> str:
    """The QR code of ``payload`` as one SVG path filling ``size`` mm from (x, y), with a
    quiet zone of four modules inside it (error correction Q: a fold or a stain)."""
    import segno

    qr = segno.make(payload, error="q", micro=False, boost_error=False)
    n = len(qr.matrix)
    module = size / (n + 8)
    ox, oy = x + 4 * module, y + 4 * module
    runs = []
    for r, row in enumerate(qr.matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                runs.append(f"M{ox + start * module:.3f} {oy + r * module:.3f}"
                            f"h{(c - start) * module:.3f}v{module:.3f}"
                            f"h{-(c - start) * module:.3f}z")
            else:
                c += 1
    return f'<path d="{"".join(runs)}" fill="#000" shape-rendering="crispEdges"/>'


def page_svg(layout: SheetLayout, page: Page) -> str:
    w, h = layout.width, layout.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
           f'viewBox="0 0 {w} {h}" font-family="{escape(FONT_STACK, quote=True)}">',
           f'<rect x="0" y="0" width="{w}" height="{h}" fill="#fff"/>']
    for r in page.rects:
        if r.fill:
            out.append(f'<rect x="{r.x:.3f}" y="{r.y:.3f}" width="{r.w:.3f}" '
                       f'height="{r.h:.3f}" fill="#000"/>')
        else:
            out.append(f'<rect x="{r.x:.3f}" y="{r.y:.3f}" width="{r.w:.3f}" '
                       f'height="{r.h:.3f}" fill="none" stroke="#000" '
                       f'stroke-width="{r.stroke}"/>')
    qx, qy, qs = page.qr
    out.append(qr_path(page.payload, qx, qy, qs))
    for t in page.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        spacing = ' letter-spacing="0.6"' if t.mono else ""
        out.append(f'<text x="{t.x:.3f}" y="{t.y:.3f}" font-size="{t.size}" '
                   f'text-anchor="{t.anchor}"{weight}{spacing}>{escape(t.text)}</text>')
    for f in page.fields:
        for group in f.groups:
            for b in group:
                out.append(f'<circle cx="{b.x:.3f}" cy="{b.y:.3f}" r="{BUBBLE_R}" '
                           'fill="none" stroke="#000" stroke-width="0.3"/>')
    out.append("</svg>")
    return "".join(out)


def sheet_html(layout: SheetLayout) -> str:
    """The sheet as an HTML document of its pages (for WeasyPrint)."""
    w, h = layout.width, layout.height
    pages = "".join(f'<div class="p">{page_svg(layout, p)}</div>' for p in layout.pages)
    return ('<!DOCTYPE html><html lang="' + ("zh-CN" if layout.lang == "zh" else "en") +
            '"><head><meta charset="utf-8"><title>' + escape(layout.code) + '</title><style>'
            f"@page {{ size: {w}mm {h}mm; margin: 0 }} html, body {{ margin: 0; padding: 0 }}"
            f" .p {{ width: {w}mm; height: {h}mm; overflow: hidden; break-after: page }}"
            " .p:last-child { break-after: auto } svg { display: block }"
            f"</style></head><body>{pages}</body></html>")
