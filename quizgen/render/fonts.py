"""Fonts: the page's font stack, and small subsets of the installed fonts for PDF.

The Noto CJK fonts are collections of ~65,000 glyphs (20 MB). WeasyPrint subsets every
font it embeds, per document, with fontTools: for these fonts that takes seconds per
document and dominates a naive render. So a batch subsets each face it uses *once*, to the
characters the whole batch uses (cached on disk, keyed by font file and characters), and
WeasyPrint embeds those small fonts whole (``full_fonts``), never touching the big ones.

Text is set in ``qg-body``: Noto Serif CJK SC (宋体 style, with its Latin) for normal text
and Noto Sans CJK SC Bold (黑体) for bold, as Chinese exam papers are. Characters these lack
(an emoji, a rare symbol) come from ``qg-fallback``, a subset of the installed font that
covers most of them. A character no installed font covers is an error, never a tofu box.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from quizgen.errors import QuizgenError

BODY_FAMILY = "qg-body"
FALLBACK_FAMILY = "qg-fallback"
#: The CSS font-family of papers, keys and diagrams: the PDF's embedded subsets first, then
#: what a browser showing the HTML is likely to have.
FONT_STACK = (f'{BODY_FAMILY}, {FALLBACK_FAMILY}, "Noto Serif CJK SC", "Source Han Serif SC", '
              '"Songti SC", SimSun, serif')

# (family, bold) in order of preference for each weight of qg-body
_CJK_PREFERENCE = {
    "regular": (("Noto Serif CJK SC", False), ("Source Han Serif SC", False),
                ("Noto Sans CJK SC", False), ("Source Han Sans SC", False)),
    "bold": (("Noto Sans CJK SC", True), ("Source Han Sans SC", True),
             ("Noto Serif CJK SC", True), ("Source Han Serif SC", True)),
}
_SUBSET_VERSION = "2"  # bump when the subsetting options change
_FC_FORMAT = "%{file}\\t%{index}\\t%{family[0]}\\t%{weight}\\n"


@dataclass(frozen=True, order=True)
class Face:
    family: str
    bold: bool
    file: str
    index: int


def needs_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def _fc_list(pattern: str) -> list[Face]:
    exe = shutil.which("fc-list")
    if exe is None:
        raise QuizgenError("fc-list (fontconfig) is not installed, so no font can be found "
                           "for the PDF; install the Debian package fontconfig")
    out = subprocess.run([exe, pattern, "--format", _FC_FORMAT], capture_output=True,
                         text=True, check=False).stdout
    faces = set()
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] and parts[3].isdigit():
            faces.add(Face(parts[2], int(parts[3]) >= 180, parts[0], int(parts[1] or 0)))
    return sorted(faces)


@lru_cache(maxsize=None)
def cjk_faces() -> dict[str, Face]:
    """The installed Chinese faces for qg-body's regular and bold weights ({} if none)."""
    faces = _fc_list(":lang=zh")
    if not faces:
        return {}
    chosen = {}
    for weight, preference in _CJK_PREFERENCE.items():
        want_bold = weight == "bold"
        pick = next((f for family, bold in preference for f in faces
                     if f.family == family and f.bold == bold), None)
        chosen[weight] = pick or next((f for f in faces if f.bold == want_bold), faces[0])
    return chosen


@lru_cache(maxsize=None)
def _plain_faces() -> dict[str, Face]:
    """Latin-only papers on a machine without CJK fonts: the default serif."""
    faces = {}
    for weight, pattern in (("regular", "serif:weight=regular"), ("bold", "serif:bold")):
        exe = shutil.which("fc-match")
        out = subprocess.run([exe or "fc-match", pattern, "--format", _FC_FORMAT],
                             capture_output=True, text=True, check=False).stdout.split("\t")
        if len(out) == 4 and out[0]:
            faces[weight] = Face(out[2], weight == "bold", out[0], int(out[1] or 0))
    return faces


def cache_dir() -> Path:
    base = os.environ.get("QUIZGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "quizgen")
    return Path(base) / "fonts"


def _writable(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
        return path
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"quizgen-fonts-{os.getuid()}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _cmap(face: Face) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def subset_face(face: Face, codepoints: Iterable[int], directory: Path | None = None
                ) -> tuple[Path, frozenset[int]]:
    """A subset of ``face`` with the ``codepoints`` it has, cached; returns the file and
    the code points it covers. Same inputs, same bytes."""
    wanted = sorted(set(codepoints))
    stat = os.stat(face.file)
    key = hashlib.sha256(json.dumps(
        [_SUBSET_VERSION, face.file, face.index, stat.st_size, stat.st_mtime_ns, wanted]
    ).encode()).hexdigest()[:24]
    directory = _writable(directory or cache_dir())
    slug = "".join(ch if ch.isalnum() else "-" for ch in face.family) + (
        "-Bold" if face.bold else "")
    target, meta = directory / f"{slug}-{key}.font", directory / f"{slug}-{key}.json"
    if target.exists() and meta.exists():
        return target, frozenset(json.loads(meta.read_text())["covered"])

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []  # shaping is done; the PDF needs outlines and widths
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx",
                            "DSIG", "FFTM"]
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
        covered = sorted(set(font.getBestCmap()) & set(wanted))
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=covered)
        subsetter.subset(font)
        font.recalcTimestamp = False
        _atomic_write(target, lambda fh: font.save(fh))
    _atomic_write(meta, lambda fh: fh.write(json.dumps({"covered": covered}).encode()))
    return target, frozenset(covered)


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _drawn(ch: str) -> bool:
    """A character a font must have a glyph for (spaces included: a font without one draws
    its .notdef box)."""
    return unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")


def _fallback(missing: set[int]) -> Face | None:
    """The installed face covering most of ``missing`` (first by name on a tie)."""
    score: dict[Face, int] = {}
    for cp in sorted(missing):
        for face in _fc_list(f":charset={cp:x}"):
            score[face] = score.get(face, 0) + 1
    regular = [f for f in score if not f.bold] or list(score)
    return min(regular, key=lambda f: (-score[f], f)) if regular else None


def font_face_css(texts: Iterable[str], directory: Path | None = None) -> str:
    """``@font-face`` rules for qg-body (and qg-fallback when needed) covering every
    character of ``texts`` (the batch's HTML), as subsets built once and cached.

    Raises QuizgenError when a needed Chinese font, or any font for some character, is
    not installed."""
    chars = set(map(chr, range(0x20, 0x7F)))
    for text in texts:
        chars.update(text)
    wanted = {ord(ch) for ch in chars if _drawn(ch)}
    faces = cjk_faces()
    if not faces:
        if needs_cjk("".join(chars)):
            raise QuizgenError("no Chinese font is installed (fc-list :lang=zh finds none), so "
                               "the PDF cannot show Chinese; install fonts-noto-cjk")
        faces = _plain_faces()
        if not faces:
            raise QuizgenError("no font is installed for the PDF (fc-match serif finds none)")
    rules: list[str] = []
    covered_all: set[int] = set()
    for weight in ("regular", "bold"):
        path, covered = subset_face(faces[weight], wanted, directory)
        covered_all |= covered if weight == "regular" else set()
        rules.append(_rule(BODY_FAMILY, path, "bold" if weight == "bold" else "normal"))
    missing = {cp for cp in wanted - covered_all if not chr(cp).isspace()}
    if missing:
        face = _fallback(missing)
        if face is not None:
            path, covered = subset_face(face, missing, directory)
            rules.append(_rule(FALLBACK_FAMILY, path, "normal"))
            missing -= covered
            if missing:  # a second one for what remains, found the same way
                extra = _fallback(missing)
                missing -= set() if extra is None else {cp for cp in missing if
                                                        cp in _cmap(extra)}
        if missing:
            shown = ", ".join(f"{chr(cp)!r} (U+{cp:04X})" for cp in sorted(missing)[:5])
            raise QuizgenError(f"no installed font has the character(s) {shown}; "
                               "install a font that does (e.g. fonts-noto-core)")
    return "\n".join(rules)


def _rule(family: str, path: Path, weight: str) -> str:
    return (f'@font-face {{ font-family: {family}; font-weight: {weight}; '
            f'font-style: normal; src: url("{path.resolve().as_uri()}"); }}')
