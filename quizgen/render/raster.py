"""Ladder diagrams as PNG at print resolution, for the writers that cannot embed SVG
(Word: a DOCX's SVG needs Word 2016+, and WPS and the platforms' Word importers read PNG).

CairoSVG draws the SVG of :func:`quizgen.render.ladder.ladder_svg` in-process (a fraction of
a second a diagram, no external program); the SVG's font list names the PDF's embedded
faces (``qg-body``), which cairo cannot see, so it is replaced by a CJK family fontconfig
has (Noto Serif CJK SC, which bootstrap installs). The same SVG gives the same bytes.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from quizgen.errors import QuizgenError
from quizgen.render.fonts import FONT_STACK

#: Print resolution of the diagrams, dots per inch.
DPI = 300
RASTER_FAMILY = '"Noto Serif CJK SC", "Source Han Serif SC", SimSun, serif'
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def svg_size(svg: str) -> tuple[float, float]:
    """The SVG's width and height in its own units (CSS pixels)."""
    found = _VIEWBOX.search(svg)
    if not found:
        raise QuizgenError("a diagram has no viewBox")
    return float(found.group(1)), float(found.group(2))


@lru_cache(maxsize=256)
def svg_to_png(svg: str, width_mm: float) -> bytes:
    """``svg`` drawn ``width_mm`` wide at :data:`DPI` as PNG bytes."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:      # OSError: libcairo missing
        raise QuizgenError(f"drawing diagrams for Word needs CairoSVG and libcairo ({exc}); "
                           "pip install cairosvg (Debian: libcairo2)") from None
    svg = svg.replace(f'font-family="{html.escape(FONT_STACK, quote=True)}"',
                      f'font-family="{html.escape(RASTER_FAMILY, quote=True)}"')
    pixels = max(1, round(width_mm / 25.4 * DPI))
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=pixels,
                            background_color="white", unsafe=False, dpi=DPI)
