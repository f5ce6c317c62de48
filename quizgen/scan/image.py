"""Image work on one scanned page (OpenCV): the corner markers, the homography to the sheet's
own millimetres, the QR code, and how dark each bubble is.

* :func:`find_markers`: the four solid squares, found on a copy at most :data:`DETECT_SIDE`
  pixels on its long side, in a background-normalised image (each pixel over the local
  paper white, so that a phone photo's shadow is paper, not ink). A candidate is a dark,
  solid, square blob (rectangular fill over 0.8, sides within 35 % of each other): filled
  bubbles are round, the QR code is half white, text is small. The four are the candidates
  furthest towards each corner, and must be of one size and make a convex quadrilateral.
* :func:`warp`: the page mapped onto the sheet at :data:`PX_PER_MM` pixels a millimetre (a
  landscape quadrilateral is turned a quarter first; upside down is told by the QR code).
* :func:`read_qr`: zxing-cpp on the QR code's place, warped at a higher resolution; tried
  upright and turned half a turn, which also says which way up the page is.
* :func:`darkness`: each bubble's mean ink (0 white .. 1 black, over the local white) in a
  disc inside its printed ring, after each field is aligned to its printed rings (a shift of
  up to :data:`ALIGN_MM`, for paper that is not flat in a photo).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(60_000_000))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

PX_PER_MM = 6.0
DETECT_SIDE = 1100
ALIGN_MM = 1.0
QR_PX_PER_MM = 14.0


class NoSheet(Exception):
    """The page holds no answer sheet that can be registered (the reason is the message)."""


@dataclass
class Registered:
    image: np.ndarray          # the page on the sheet's frame, grey, PX_PER_MM
    white: np.ndarray          # its local paper white (same shape, float32)
    homography: np.ndarray     # original pixels -> sheet pixels (upright)
    source: np.ndarray         # the original grey image
    turned: bool = False       # read upside down (half a turn)


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        if image.shape[2] == 4:
            return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image


def paper_white(grey: np.ndarray, window: int) -> np.ndarray:
    """The local paper white of ``grey`` (float32): the brightest level around each pixel over
    ``window`` pixels (ink removed), smoothed, at full size."""
    h, w = grey.shape
    factor = max(1, window // 9)
    small = cv2.resize(grey, (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    bright = cv2.dilate(small, kernel)
    bright = cv2.GaussianBlur(bright, (0, 0), 3)
    white = cv2.resize(bright, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.maximum(white, 40.0)


def find_markers(grey: np.ndarray) -> np.ndarray:
    """The centres of the four corner markers in ``grey``'s pixels, in the order top left,
    top right, bottom right, bottom left of the image (4 x 2 float32); NoSheet if not found."""
    h, w = grey.shape
    f = min(1.0, DETECT_SIDE / max(h, w))
    small = cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA) if f < 1 else grey
    sh, sw = small.shape
    side = min(sh, sw)
    white = paper_white(small, max(9, side // 10))
    ink = (small.astype(np.float32) < 0.55 * white).astype(np.uint8)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    candidates = []
    lo, hi = 0.012 * side, 0.09 * side
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if not (lo <= bw <= hi and lo <= bh <= hi):
            continue
        if max(bw, bh) > 1.6 * min(bw, bh):
            continue
        if area < 0.55 * bw * bh:       # a square turned 45 degrees fills half its box
            continue
        mask = (ink[y:y + bh, x:x + bw] > 0).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if not contours:
            continue
        contour = max(contours, key=cv2.contourArea)
        (_, _), (rw, rh), _ = cv2.minAreaRect(contour)
        if rw < 1 or rh < 1 or max(rw, rh) > 1.45 * min(rw, rh):
            continue
        if area < 0.75 * rw * rh:       # solid: not the QR code, not a ring
            continue
        corners = cv2.approxPolyDP(contour, 0.035 * cv2.arcLength(contour, True), True)
        if len(corners) != 4:           # four corners: not a filled bubble (a circle)
            continue
        candidates.append((centroids[i][0], centroids[i][1], float(area)))
    if len(candidates) < 4:
        raise NoSheet("no answer sheet found (fewer than four corner markers)")
    # the markers are the largest solid squares on the sheet (a filled bubble is a fifth of one)
    biggest = sorted((a for _, _, a in candidates), reverse=True)[3]
    candidates = [c for c in candidates if c[2] >= 0.4 * biggest]
    pts = np.array([(cx, cy) for cx, cy, _ in candidates], dtype=np.float64)
    areas = np.array([a for _, _, a in candidates])
    picks = [int(np.argmin(pts[:, 0] + pts[:, 1])), int(np.argmax(pts[:, 0] - pts[:, 1])),
             int(np.argmax(pts[:, 0] + pts[:, 1])), int(np.argmin(pts[:, 0] - pts[:, 1]))]
    if len(set(picks)) != 4:
        raise NoSheet("no answer sheet found (the corner markers are not four)")
    chosen = areas[picks]
    quad = pts[picks].astype(np.float32)
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        raise NoSheet("no answer sheet found (the corner markers are not a quadrilateral)")
    if chosen.max() > 5 * chosen.min() or not _sizes_agree(quad, chosen):
        raise NoSheet("no answer sheet found (the corner squares differ in size)")
    span = min(np.linalg.norm(quad[0] - quad[2]), np.linalg.norm(quad[1] - quad[3]))
    if span < 0.4 * side:
        raise NoSheet("no answer sheet found (the corner markers are too close together)")
    return quad / f


def _sizes_agree(quad: np.ndarray, areas: np.ndarray) -> bool:
    """Whether each marker's area is what the perspective the four centres imply gives a
    square there (within a factor of 1.8 either way): a phone held at an angle shows the near
    markers larger, and something else dark near a corner does not fit."""
    unit = np.array([(0, 0), (1, 0), (1, 1), (0, 1)], dtype=np.float32)
    h = cv2.getPerspectiveTransform(unit, quad.astype(np.float32))
    expected = []
    for u, v in unit:
        eps = 0.01
        p = cv2.perspectiveTransform(np.array([[[u, v], [u + eps, v], [u, v + eps]]],
                                              dtype=np.float32), h)[0]
        a, b = p[1] - p[0], p[2] - p[0]
        expected.append(abs(float(a[0] * b[1] - a[1] * b[0])) / eps ** 2)
    expected = np.array(expected)
    ratio = (areas / expected) / np.median(areas / expected)
    return bool(np.all((ratio > 1 / 1.8) & (ratio < 1.8)))


def _upright_corners(quad: np.ndarray) -> np.ndarray:
    """``quad`` (image TL, TR, BR, BL) reordered so that the sheet is portrait: a quad wider
    than high is a page lying on its side, turned a quarter."""
    top = np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])
    left = np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])
    if top > left:
        return quad[[3, 0, 1, 2]]
    return quad


def warp(grey: np.ndarray, markers_mm: Sequence[tuple[float, float]], size_mm: tuple[float, float]
         ) -> Registered:
    """The page registered on the sheet's frame (upright as far as the markers tell)."""
    quad = _upright_corners(find_markers(grey))
    dst = np.array(markers_mm, dtype=np.float32) * PX_PER_MM
    h = cv2.getPerspectiveTransform(quad, dst)
    if not np.isfinite(h).all():
        raise NoSheet("no answer sheet found (the corner markers are degenerate)")
    w_px, h_px = round(size_mm[0] * PX_PER_MM), round(size_mm[1] * PX_PER_MM)
    image = cv2.warpPerspective(grey, h, (w_px, h_px), flags=cv2.INTER_AREA
                                if _shrinks(h) else cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return Registered(image=image, white=paper_white(image, round(12 * PX_PER_MM)),
                      homography=h, source=grey)


def _shrinks(h: np.ndarray) -> bool:
    return abs(np.linalg.det(h[:2, :2])) < 0.7


def turn(reg: Registered, size_mm: tuple[float, float]) -> Registered:
    """``reg`` turned half a turn (a page fed upside down)."""
    w_px, h_px = reg.image.shape[1], reg.image.shape[0]
    rot = np.array([[-1, 0, w_px - 1], [0, -1, h_px - 1], [0, 0, 1]], dtype=np.float64)
    return Registered(image=cv2.rotate(reg.image, cv2.ROTATE_180),
                      white=cv2.rotate(reg.white, cv2.ROTATE_180),
                      homography=rot @ reg.homography, source=reg.source,
                      turned=not reg.turned)


def read_qr(reg: Registered, qr_mm: tuple[float, float, float],
            size_mm: tuple[float, float]) -> tuple[str | None, bool]:
    """(the QR code's text, whether the page is upside down), trying the QR code's place
    upright and turned; (None, False) if no QR code is read there."""
    import zxingcpp

    x, y, s = qr_mm
    margin = 3.0
    w_mm, h_mm = size_mm
    for turned in (False, True):
        # the QR's place on the sheet frame; turned, it is at the opposite corner
        if turned:
            x0, y0 = w_mm - (x + s) - margin, h_mm - (y + s) - margin
        else:
            x0, y0 = x - margin, y - margin
        side = s + 2 * margin
        shift = np.array([[QR_PX_PER_MM / PX_PER_MM, 0, -x0 * QR_PX_PER_MM],
                          [0, QR_PX_PER_MM / PX_PER_MM, -y0 * QR_PX_PER_MM], [0, 0, 1]])
        n = round(side * QR_PX_PER_MM)
        crop = cv2.warpPerspective(reg.source, shift @ reg.homography, (n, n),
                                   flags=cv2.INTER_LINEAR, borderValue=255)
        for attempt in (crop, cv2.GaussianBlur(crop, (0, 0), 1.2)):
            found = zxingcpp.read_barcodes(attempt, formats=zxingcpp.BarcodeFormat.QRCode)
            for code in found:
                if code.valid and code.text:
                    return code.text, turned
    return None, False


def qr_ink(reg: Registered, qr_mm: tuple[float, float, float]) -> float:
    """How much ink the QR code's upright place holds (0..1): a page with a code there that
    cannot be read still has about half its modules black."""
    x, y, s = (v * PX_PER_MM for v in qr_mm)
    patch = reg.image[int(y):int(y + s), int(x):int(x + s)].astype(np.float32)
    white = reg.white[int(y):int(y + s), int(x):int(x + s)]
    if patch.size == 0:
        return 0.0
    return float(np.mean(patch < 0.55 * white))


# ------------------------------------------------------------------------ bubbles
_DISC_CACHE: dict[tuple[int, int], np.ndarray] = {}


def _disc(radius_px: float, half: int) -> np.ndarray:
    key = (round(radius_px * 10), half)
    if key not in _DISC_CACHE:
        yy, xx = np.mgrid[-half:half + 1, -half:half + 1]
        _DISC_CACHE[key] = ((xx ** 2 + yy ** 2) <= radius_px ** 2).astype(np.float32)
    return _DISC_CACHE[key]


def ink_map(reg: Registered) -> np.ndarray:
    """Ink of every pixel, 0 (paper) .. 1 (black), over the local paper white."""
    return np.clip(1.0 - reg.image.astype(np.float32) / reg.white, 0.0, 1.0)


def align_field(ink: np.ndarray, centres_px: np.ndarray, ring_px: float) -> tuple[int, int]:
    """The shift (dx, dy), within ALIGN_MM, that best puts the printed rings of bubbles at
    ``centres_px`` on the ink: template matching of a drawing of the rings."""
    pad = round(ALIGN_MM * PX_PER_MM)
    r = int(np.ceil(ring_px)) + 2
    x0 = int(np.floor(centres_px[:, 0].min())) - r - pad
    y0 = int(np.floor(centres_px[:, 1].min())) - r - pad
    x1 = int(np.ceil(centres_px[:, 0].max())) + r + pad + 1
    y1 = int(np.ceil(centres_px[:, 1].max())) + r + pad + 1
    h, w = ink.shape
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        return 0, 0
    region = ink[y0:y1, x0:x1]
    tw, th = x1 - x0 - 2 * pad, y1 - y0 - 2 * pad
    template = np.zeros((th, tw), dtype=np.float32)
    for cx, cy in centres_px:
        cv2.circle(template, (round(cx - x0 - pad), round(cy - y0 - pad)), round(ring_px),
                   1.0, thickness=max(1, round(0.3 * PX_PER_MM)))
    score = cv2.matchTemplate(region, template, cv2.TM_CCORR)
    _, _, _, best = cv2.minMaxLoc(score)
    return best[0] - pad, best[1] - pad


def darkness(ink: np.ndarray, centres_px: np.ndarray, radius_px: float) -> np.ndarray:
    """The mean ink in a disc of ``radius_px`` around each centre (N,)."""
    half = int(np.ceil(radius_px))
    disc = _disc(radius_px, half)
    h, w = ink.shape
    out = np.zeros(len(centres_px), dtype=np.float32)
    for i, (cx, cy) in enumerate(centres_px):
        x, y = int(round(cx)), int(round(cy))
        if x - half < 0 or y - half < 0 or x + half + 1 > w or y + half + 1 > h:
            out[i] = np.nan
            continue
        patch = ink[y - half:y + half + 1, x - half:x + half + 1]
        out[i] = float((patch * disc).sum() / disc.sum())
    return out


def ring_contrast(ink: np.ndarray, centres_px: np.ndarray, ring_px: float) -> float:
    """How much darker the printed rings are than just outside them, on the median bubble:
    a sheet read against the wrong layout (or badly registered) has no rings where it looks."""
    on = _ring_mean(ink, centres_px, ring_px)
    off = _ring_mean(ink, centres_px, ring_px + 0.9 * PX_PER_MM)
    return float(np.nanmedian(on - off)) if len(on) else 0.0


def _ring_mean(ink: np.ndarray, centres_px: np.ndarray, radius: float) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    xs = (centres_px[:, 0:1] + radius * np.cos(angles)[None, :]).round().astype(int)
    ys = (centres_px[:, 1:2] + radius * np.sin(angles)[None, :]).round().astype(int)
    h, w = ink.shape
    xs, ys = np.clip(xs, 0, w - 1), np.clip(ys, 0, h - 1)
    return ink[ys, xs].mean(axis=1)


def crop_png(reg: Registered, box_mm: tuple[float, float, float, float]) -> bytes:
    """The region ``box_mm`` of the registered page as PNG bytes (for the review page)."""
    x, y, w, h = box_mm
    x0, y0 = max(0, int((x - 1) * PX_PER_MM)), max(0, int((y - 1) * PX_PER_MM))
    x1 = min(reg.image.shape[1], int((x + w + 1) * PX_PER_MM))
    y1 = min(reg.image.shape[0], int((y + h + 1) * PX_PER_MM))
    ok, data = cv2.imencode(".png", reg.image[y0:y1, x0:x1])
    return data.tobytes() if ok else b""


def page_png(reg: Registered, max_width: int = 1000) -> bytes:
    image = reg.image
    if image.shape[1] > max_width:
        f = max_width / image.shape[1]
        image = cv2.resize(image, (max_width, round(image.shape[0] * f)),
                           interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".png", image)
    return data.tobytes() if ok else b""
