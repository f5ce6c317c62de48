"""A synthetic scan corpus from real answer sheets: each distinct sheet is rendered once (the
PDF quizgen prints, rasterised with pypdfium2 at 300 dpi); marks and distortions are then drawn
with numpy and OpenCV, every random choice from one seeded ``numpy.random.Generator``.

A mark's ``style`` says what a student did to a bubble, and what a reading of it may be:

* ``full``: filled in, dark (pen or soft pencil): must be read as marked;
* ``light``, ``tick``: a faint fill, a tick: must be read as marked or flagged, never empty
  without a flag... and never as another answer;
* ``erased``: filled, then rubbed out: must be read as empty or flagged.

A sheet's ``truth`` is the answer each field should read as (None: nothing) and whether a
reading of that field may be flagged (a field with a light, tick, erased mark or two marks in
a single-answer group: "ambiguous"); a clear field must be read right and not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field

import cv2
import numpy as np

from quizgen.sheets.layout import BUBBLE_R, Field, SheetLayout

RENDER_DPI = 300


def rasterise(pdf: bytes, dpi: int = RENDER_DPI) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(doc)):
            array = doc[i].render(scale=dpi / 72, grayscale=True).to_numpy()
            pages.append((array[..., 0] if array.ndim == 3 else array).copy())
        return pages
    finally:
        doc.close()


@dataclass
class Mark:
    key: str
    group: int
    value: str
    style: str               # full | light | tick | erased
    page: int | None = None  # the field's page (an id grid is on every page)


@dataclass
class Filled:
    pages: list[np.ndarray]
    marks: list[Mark] = dc_field(default_factory=list)


def px(mm: float, dpi: float) -> int:
    return int(round(mm * dpi / 25.4))


def draw_mark(image: np.ndarray, x_mm: float, y_mm: float, style: str,
              rng: np.random.Generator, dpi: float = RENDER_DPI) -> None:
    """One bubble marked in ``style``, drawn on a patch around it (in place)."""
    cx, cy = x_mm * dpi / 25.4, y_mm * dpi / 25.4
    r = BUBBLE_R * dpi / 25.4
    half = int(r * 1.6) + 2
    x0, y0 = int(cx) - half, int(cy) - half
    patch = image[y0:y0 + 2 * half, x0:x0 + 2 * half]
    pcx, pcy = cx - x0, cy - y0
    jitter = rng.normal(0, 0.06 * r, 2)
    centre = (int(round(pcx + jitter[0])), int(round(pcy + jitter[1])))
    if style in ("full", "erased", "light"):
        level = {"full": int(rng.integers(15, 70)), "light": int(rng.integers(150, 175)),
                 "erased": int(rng.integers(200, 222))}[style]
        overlay = patch.copy()
        cv2.circle(overlay, centre, int(round(r * rng.uniform(0.85, 1.05))), level, -1,
                   lineType=cv2.LINE_AA)
        patch[:] = np.minimum(patch, overlay)
    elif style == "tick":
        a = (int(pcx - 0.6 * r), int(pcy))
        b = (int(pcx - 0.15 * r), int(pcy + 0.6 * r))
        c = (int(pcx + 0.8 * r), int(pcy - 0.8 * r))
        cv2.polylines(patch, [np.array([a, b, c])], False, int(rng.integers(20, 60)),
                      thickness=max(1, px(0.45, dpi)), lineType=cv2.LINE_AA)
    else:
        raise ValueError(style)


def bubble_of(layout: SheetLayout, key: str, group: int, value: str, page_no: int | None = None):
    for page in layout.pages:
        if page_no is not None and page.number != page_no:
            continue
        for f in page.fields:
            if f.key == key:
                for b in f.groups[group]:
                    if b.value == value:
                        return page.number, b
    raise KeyError((key, group, value))


def fill(pages: list[np.ndarray], layout: SheetLayout, marks: list[Mark],
         rng: np.random.Generator) -> list[np.ndarray]:
    out = [p.copy() for p in pages]
    for m in marks:
        number, b = bubble_of(layout, m.key, m.group, m.value, m.page)
        draw_mark(out[number - 1], b.x, b.y, m.style, rng)
    return out


def fields_by_key(layout: SheetLayout) -> dict[str, Field]:
    return {f.key: f for f in layout.fields()}


# ------------------------------------------------------------------------ distortions
_TILE: list[np.ndarray] = []


def _noise(shape: tuple[int, ...], rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Sensor noise: a fixed tile of Gaussian noise (made once, from a fixed seed), laid
    from a random offset (drawing millions of fresh normals a page would be most of the
    corpus's time)."""
    if not _TILE:
        _TILE.append(np.random.default_rng(0).standard_normal((1024, 1024), np.float32))
    tile = np.roll(_TILE[0], (int(rng.integers(1024)), int(rng.integers(1024))), (0, 1))
    reps = (-(-shape[0] // 1024), -(-shape[1] // 1024))
    return np.tile(tile, reps)[:shape[0], :shape[1]] * sigma


def scan_like(image: np.ndarray, rng: np.random.Generator, *, dpi: int, angle: float,
              scale: float = 1.0, blur: float = 0.0, jpeg: int | None = None,
              upside_down: bool = False) -> np.ndarray:
    """A flatbed scan of ``image`` (rendered at RENDER_DPI): resampled to ``dpi`` x ``scale``,
    turned ``angle`` degrees on the glass (12 mm of white glass around), blurred, noisy, JPEG-compressed."""
    f = dpi / RENDER_DPI * scale
    h, w = image.shape
    small = cv2.resize(image, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    if upside_down:
        small = cv2.rotate(small, cv2.ROTATE_180)
    pad = px(12, dpi)                   # the scanner's glass is larger than the page
    small = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    h, w = small.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    out = np.clip(out.astype(np.float32) * rng.uniform(0.88, 1.0) + _noise(out.shape, rng, 4),
                  0, 255).astype(np.uint8)
    if jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return out


def photocopy_like(image: np.ndarray, rng: np.random.Generator, *, generations: int = 1
                   ) -> np.ndarray:
    """A photocopy of the printed sheet (then scanned like any page): each generation darkens
    the mid-tones and lifts the paper to a grey haze, adds toner specks and streaks, and
    blurs a little; light marks get lighter against a darker background."""
    out = image.astype(np.float32) / 255.0
    for _ in range(generations):
        gamma = float(rng.uniform(1.1, 1.5))              # copiers darken the mid-tones
        out = out ** gamma
        haze = float(rng.uniform(0.04, 0.12))             # the copy's grey background
        out = out * (1.0 - haze)
        specks = rng.random(out.shape, dtype=np.float32) < rng.uniform(2e-5, 1.5e-4)
        out[cv2.dilate(specks.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] *= 0.25
        if rng.random() < 0.5:                            # a faint streak from the drum
            x = int(rng.integers(out.shape[1]))
            out[:, x:x + int(rng.integers(1, 4))] *= float(rng.uniform(0.75, 0.9))
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.4, 0.9)))
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def photo_like(image: np.ndarray, rng: np.random.Generator, *, width: int = 1800,
               jpeg: int = 85) -> np.ndarray:
    """A phone photo: the page in perspective on a darker table, with a lighting gradient
    and a soft shadow, JPEG-compressed (colour, as phones save it)."""
    h, w = image.shape
    out_w, out_h = width, round(width * 4 / 3)
    f = 0.8 * min(out_w / w, out_h / h)
    pw, ph = w * f, h * f
    cx, cy = out_w / 2, out_h / 2
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    wobble = lambda: rng.uniform(-0.07, 0.07)  # noqa: E731
    dst = np.array([[cx - pw / 2 + wobble() * pw, cy - ph / 2 + wobble() * ph],
                    [cx + pw / 2 + wobble() * pw, cy - ph / 2 + wobble() * ph],
                    [cx + pw / 2 + wobble() * pw, cy + ph / 2 + wobble() * ph],
                    [cx - pw / 2 + wobble() * pw, cy + ph / 2 + wobble() * ph]],
                   dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    table = int(rng.integers(60, 120))
    page = cv2.warpPerspective(image, m, (out_w, out_h), flags=cv2.INTER_AREA,
                               borderValue=table)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, 2)
    light = 1.0 - 0.35 * (0.5 + 0.5 * (gx * (xx / out_w - 0.5) + gy * (yy / out_h - 0.5)) * 2
                          ).clip(0, 1)
    sx, sy = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
    shadow = 1.0 - 0.18 * np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (0.1 * out_w ** 2)))
    out = page.astype(np.float32) * light * shadow + _noise(page.shape, rng, 3)
    out = cv2.GaussianBlur(np.clip(out, 0, 255).astype(np.uint8), (0, 0), 0.7)
    colour = cv2.merge([out, out, np.clip(out.astype(np.int16) + 6, 0, 255).astype(np.uint8)])
    ok, data = cv2.imencode(".jpg", colour, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)
