"""A scan run: pages in (PDF stacks and photos, streamed one page at a time), sheets read,
review items out, marks for the sheets that need no one.

Each page is registered, its QR code read, its paper and layout regenerated from the code
(never guessed from the image), and its fields read (``quizgen.scan.read``). What a person
must decide is a :class:`ReviewItem`, named by a stable id (``FILE pPAGE|KEY``: the same
inputs give the same ids), which the teacher answers in the review CSV
(``quizgen.scan.review``); a run given that file (``--review``) takes the answers. A sheet is
graded (``quizgen.grading.marks.grade_paper``) only when every item on it is answered: its
marks are final; the others wait, listed.

Bounds: at most :data:`MAX_PAGES` pages a run, PDF pages rasterised at :data:`PDF_DPI` within
:data:`MAX_PIXELS`, images of at most :data:`MAX_PIXELS` pixels and :data:`MAX_FILE` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from quizgen.errors import QuizgenError

MAX_PAGES = 2000
MAX_PIXELS = 60_000_000
MAX_FILE = 500 * 1024 * 1024
PDF_DPI = 200
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")


@dataclass
class ReviewItem:
    id: str                   # "scan.pdf p3|5.2"
    source: str               # "scan.pdf p3"
    code: str
    student: str
    key: str                  # response key, "id", "code", "duplicate", "layout"
    problem: str
    reading: str
    crop: bytes = b""         # PNG
    answer: str | None = None  # the teacher's, from the review file
    values: tuple[str, ...] = ()   # a field's bubbles' values: what an answer may be made of
    points: float = 0.0       # a score field's full points


@dataclass
class PageResult:
    source: str
    code: str = ""
    student_id: str = ""
    page: int = 0
    pages: int = 0
    status: str = "read"      # read | skipped
    note: str = ""
    values: dict[str, str | None] = field(default_factory=dict)   # field key -> reading
    flagged: dict[str, ReviewItem] = field(default_factory=dict)   # field key -> its item
    image: bytes = b""        # the registered page as PNG (for the student's PDF)
    marks_png: list[tuple[str, tuple[float, float, float, float]]] = field(
        default_factory=list)  # (field key, box) on this page
    readings: list[Any] = field(default_factory=list)   # quizgen.scan.read.FieldReading


@dataclass
class Sheet:
    code: str
    student_id: str
    name: str
    paper: dict
    layout: Any
    pages: dict[int, PageResult] = field(default_factory=dict)
    items: list[ReviewItem] = field(default_factory=list)
    responses: dict[str, str | None] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    marks: Any = None

    @property
    def open_items(self) -> list[ReviewItem]:
        return [i for i in self.items if i.answer is None]


@dataclass
class ScanResult:
    sheets: list[Sheet]
    items: list[ReviewItem]              # every item, answered or not, in reading order
    pages: list[PageResult]
    warnings: list[str]

    @property
    def final(self) -> list[Sheet]:
        return [s for s in self.sheets if s.marks is not None]

    @property
    def waiting(self) -> list[Sheet]:
        return [s for s in self.sheets if s.marks is None]


# ------------------------------------------------------------------------ input pages
def _label(path: str) -> str:
    return Path(path).name


def check_inputs(paths: Sequence[str]) -> None:
    """Every input exists and is a regular file (before any work: one line, exit 2)."""
    import os
    import stat

    if not paths:
        raise QuizgenError("no scans given", field="INPUT")
    for p in paths:
        try:
            info = os.stat(p)
        except FileNotFoundError:
            raise QuizgenError("no such file (a scan)", file=p) from None
        except OSError as exc:
            raise QuizgenError(f"cannot read the scan: {exc.strerror}", file=p) from None
        if not stat.S_ISREG(info.st_mode):
            raise QuizgenError("is not a regular file (a folder, device or pipe), not a scan",
                               file=p)
        if info.st_size > MAX_FILE:
            raise QuizgenError(f"is {info.st_size:,} bytes: too large for a scan (at most "
                               f"{MAX_FILE:,})", file=p)


def count_pages(paths: Sequence[str]) -> int:
    """How many pages the inputs hold (a PDF's page count, 1 an image); a file that cannot
    be opened counts 1 (it is reported when read)."""
    return sum(_pdf_count(p) if _is_pdf(p) else 1 for p in paths)


def _is_pdf(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(5) == b"%PDF-"


def iter_pages(paths: Sequence[str], select: Callable[[int], bool] = lambda n: True
               ) -> Iterator[tuple[int, str, Any]]:
    """(page number in the run, source, grey image or a problem's text) of every page of
    ``paths`` that ``select`` picks (by number: the others are not decoded), one at a time.
    A file that cannot be opened counts as one page, as in :func:`count_pages`."""
    import numpy as np

    from quizgen.scan.image import cv2, to_grey

    number = 0
    for path in paths:
        name = _label(path)
        if _is_pdf(path):
            for k, source, image in _pdf_pages(path, name, lambda k: select(number + k)):
                yield number + k, source, image
            number += _pdf_count(path)
            continue
        number += 1
        if not select(number - 1):
            continue
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE + 1)
        try:
            image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
        except cv2.error:            # over OPENCV_IO_MAX_IMAGE_PIXELS, or a broken header
            image = None
        if image is None:
            yield number - 1, name, (f"not a PDF or an image that can be read (or over "
                                     f"{MAX_PIXELS // 1_000_000} megapixels)")
            continue
        if image.dtype != np.uint8:
            image = cv2.convertScaleAbs(image, alpha=255.0 / max(1.0, float(image.max())))
        yield number - 1, name, to_grey(image)


#: pdfium keeps every image it decodes until its document is closed: the document is opened
#: again after this many pages, so that memory does not grow with the stack.
PAGES_PER_OPEN = 16


def _pdf_count(path: str) -> int:
    """A PDF's pages (1 if it cannot be opened: it is one problem)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
    except Exception:            # noqa: BLE001 - pdfium's errors are untyped
        return 1
    try:
        return len(doc)
    finally:
        doc.close()


def _pdf_pages(path: str, name: str, select: Callable[[int], bool]
               ) -> Iterator[tuple[int, str, Any]]:
    import numpy as np
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
        count = len(doc)
    except Exception as exc:     # noqa: BLE001 - pdfium's errors are untyped
        if select(0):
            yield 0, name, f"not a readable PDF ({type(exc).__name__})"
        return
    decoded = 0
    try:
        for i in range(count):
            if not select(i):
                continue
            if decoded and decoded % PAGES_PER_OPEN == 0:
                doc.close()
                doc = pdfium.PdfDocument(path)
            decoded += 1
            source = f"{name} p{i + 1}"
            try:
                page = doc[i]
                w, h = page.get_size()
                scale = PDF_DPI / 72
                if w * h * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w * h)) ** 0.5
                if w * scale < 200 or h * scale < 200:
                    yield i, source, "the page is too small to be a scanned sheet"
                    continue
                array = _page_image(page, w, h)
                if array is None:
                    array = page.render(scale=scale, grayscale=True).to_numpy()
                page.close()
            except Exception as exc:     # noqa: BLE001
                yield i, source, f"the page cannot be drawn ({type(exc).__name__})"
                continue
            yield i, source, np.array(array[..., 0] if array.ndim == 3 else array)
    finally:
        doc.close()


def _page_image(page: Any, width: float, height: float) -> Any:
    """A scanned page's own image, at its own resolution, when the page is one image that
    covers it (a scanner's PDF): decoding it is a quarter of the time of drawing the page.
    None for any other page (it is drawn instead), or an image over MAX_PIXELS."""
    import pypdfium2.raw as pdfium_c

    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) != 1:
        return None
    image = images[0]
    try:
        left, bottom, right, top = image.get_bounds()
        w_px, h_px = image.get_px_size()
        if (right - left) * (top - bottom) < 0.8 * width * height or w_px * h_px > MAX_PIXELS:
            return None
        if min(w_px, h_px) < 200:
            return None
        return image.get_bitmap(render=False).to_numpy()
    except Exception:            # noqa: BLE001 - an odd image: the page is drawn instead
        return None


# ------------------------------------------------------------------------ the run
class _Exam:
    """The spec's papers and layouts, made once per code."""

    def __init__(self, spec: Any, source: Any, roster: Sequence[Any] | None) -> None:
        from quizgen.paper.assemble import plan_codes
        from quizgen.sheets.layout import fingerprint, options_of

        self.spec, self.source = spec, source
        self.options = options_of(spec)
        self.exam = fingerprint(spec)
        self.roster = {s.id: s for s in roster} if roster else None
        self.owner: dict[str, Any] = {}
        if roster:
            for code, student, _ in plan_codes(spec, roster):
                self.owner.setdefault(code, []).append(student)
        self._papers: dict[str, dict] = {}
        self._layouts: dict[tuple[str, str], Any] = {}

    def paper(self, code: str) -> dict:
        from quizgen.paper.assemble import paper_for_code

        if code not in self._papers:
            self._papers[code] = paper_for_code(self.spec, code, self.source)
        return self._papers[code]

    def layout(self, code: str, student_id: str) -> Any:
        from quizgen.sheets.layout import sheet_layout

        key = (code, student_id)
        if key not in self._layouts:
            paper = dict(self.paper(code))
            paper["student"] = {"id": student_id, "name": ""} if student_id else None
            self._layouts[key] = sheet_layout(paper, self.options, self.exam)
        return self._layouts[key]


def scan(paths: Sequence[str], spec: Any, source: Any, roster: Sequence[Any] | None = None,
         answers: Mapping[str, str] | None = None, *, keep_images: bool = True,
         progress: Callable[[str], None] | None = None, jobs: int = 1) -> ScanResult:
    """Read every page of ``paths``; ``answers``: the review file's (item id -> answer);
    ``jobs`` processes share the pages (each decodes only its own)."""
    check_inputs(paths)
    pages = count_pages(paths)
    if pages > MAX_PAGES:
        raise QuizgenError(f"the scans hold {pages:,} pages; at most {MAX_PAGES:,} are read "
                           "in one run (split the stack)", field="INPUT")
    exam = _Exam(spec, source, roster)
    answers = dict(answers or {})
    jobs = max(1, min(jobs, pages))
    if jobs > 1 and not isinstance(source, _bank_source()):
        jobs = 1             # a question source of the caller's own: read in this process
    if jobs == 1:
        results = _read_share(paths, exam, answers, keep_images, 1, 0)
    else:
        results = _read_in_workers(paths, exam, answers, keep_images, jobs)
    items: list[ReviewItem] = []
    warnings: list[str] = []
    for result in results:
        if result.status == "skipped":
            warnings.append(f"{result.source}: {result.note}; skipped")
        items.extend(result.flagged.values())
        if progress:
            progress(result.source)
    sheets = assemble(results, exam, answers, items, warnings)
    return ScanResult(sheets, items, results, warnings)


def _bank_source() -> type:
    from quizgen.paper import BankSource

    return BankSource


def _read_share(paths: Sequence[str], exam: _Exam, answers: Mapping[str, str],
                keep_images: bool, jobs: int, share: int) -> list[PageResult]:
    """The pages numbered ``share`` modulo ``jobs``, read."""
    results = []
    for _, source_name, image in iter_pages(paths, lambda n: n % jobs == share):
        if isinstance(image, str):
            results.append(PageResult(source_name, status="skipped", note=image))
            continue
        try:
            result = read_one(source_name, image, exam, answers, keep_images)
        except QuizgenError:
            raise
        except Exception as exc:     # noqa: BLE001 - one odd page must not lose the others
            result = PageResult(source_name, status="skipped",
                                note=f"the page could not be read ({type(exc).__name__})")
        results.append(result)
    return results


#: What the worker processes share with the parent (set before they are forked).
_SHARED: dict[str, Any] = {}


def _worker_share(share: int) -> list[PageResult]:
    from quizgen.scan.image import cv2

    cv2.setNumThreads(1)             # a process a core: no thread pools on top
    return _read_share(_SHARED["paths"], _SHARED["exam"], _SHARED["answers"],
                       _SHARED["keep"], _SHARED["jobs"], share)


def _read_in_workers(paths: Sequence[str], exam: _Exam, answers: Mapping[str, str],
                     keep_images: bool, jobs: int) -> list[PageResult]:
    """The pages shared out among ``jobs`` forked processes (page n to process n mod jobs),
    put back in order. Where fork is not available, they are read here."""
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return _read_share(paths, exam, answers, keep_images, 1, 0)
    _SHARED.update(paths=list(paths), exam=exam, answers=dict(answers), keep=keep_images,
                   jobs=jobs)
    try:
        with context.Pool(jobs) as pool:
            shares = pool.map(_worker_share, range(jobs))
    finally:
        _SHARED.clear()
    out: list[PageResult] = []
    for k in range(max(len(s) for s in shares)):
        out.extend(s[k] for s in shares if k < len(s))
    return out


def read_one(source_name: str, image: Any, exam: _Exam, answers: Mapping[str, str],
             keep_images: bool = True) -> PageResult:
    """One page: registered, its code read (or given in the review), its fields read."""
    from quizgen.paper.codes import normalize_code
    from quizgen.scan import image as im
    from quizgen.scan.read import MIN_RING, read_page, shown
    from quizgen.sheets.layout import PAGE_SIZES, marker_centres, parse_payload, qr_box

    result = PageResult(source_name)
    size = PAGE_SIZES[exam.options.paper]
    markers = marker_centres(*size)
    qr_place = qr_box(size[0])
    try:
        reg = im.warp(image, markers, size)
    except im.NoSheet as exc:
        result.status, result.note = "skipped", str(exc)
        return result
    text, turned = im.read_qr(reg, qr_place, size)
    if turned:
        reg = im.turn(reg, size)
    payload = parse_payload(text) if text else None
    item_id = f"{source_name}|code"
    if payload is None:
        given = answers.get(item_id, "").strip()
        if not given:
            if text:
                note = f"its QR code is not a quizgen answer sheet's ({text[:40]!r})"
            else:
                note = "the paper code (QR) cannot be read"
            if im.qr_ink(im.turn(reg, size), qr_place) > im.qr_ink(reg, qr_place):
                reg = im.turn(reg, size)         # the crop shows the QR's place, inked
            item = ReviewItem(item_id, source_name, "", "", "code", note,
                              "write the code printed under the QR code (CODE, or CODE/PAGE "
                              "for a page after the first; STUDENT after a space for a "
                              "roster paper), or drop",
                              crop=im.crop_png(reg, (qr_place[0] - 4, 4.0, 32.0, 36.0)))
            result.flagged["code"] = item
            result.note = note
            return result
        if given.lower() == "drop":
            result.status, result.note = "skipped", "dropped in review"
            return result
        try:
            code_text, _, sid = given.partition(" ")
            code, _, page_text = code_text.partition("/")
            code = normalize_code(code)
            page_no = int(page_text or 1)
        except (QuizgenError, ValueError):
            raise QuizgenError(f"the answer {given!r} for {item_id} is not a paper code",
                               field=item_id) from None
        payload_code, payload_page, payload_sid = code, page_no, sid.strip()
        payload_pages = 0
        payload_exam = exam.exam
    else:
        payload_code, payload_page, payload_sid = payload.code, payload.page, payload.student_id
        payload_pages, payload_exam = payload.pages, payload.exam
    if payload_exam != exam.exam:
        result.status = "skipped"
        result.note = (f"a sheet of another exam (its code names exam {payload_exam}; this "
                       f"spec's sheets are {exam.exam})")
        return result
    try:
        exam.paper(payload_code)
    except QuizgenError as exc:
        result.status, result.note = "skipped", f"paper code {payload_code}: {exc.message}"
        return result
    layout = exam.layout(payload_code, payload_sid)
    result.code, result.student_id, result.page = payload_code, payload_sid, payload_page
    result.pages = len(layout.pages)
    if payload_pages and payload_pages != len(layout.pages) or \
            not 1 <= payload_page <= len(layout.pages):
        result.status = "skipped"
        result.note = (f"page {payload_page} of {payload_pages or '?'}, but paper "
                       f"{payload_code}'s sheet has {len(layout.pages)} pages (another spec?)")
        return result
    page = layout.pages[payload_page - 1]
    reading = read_page(reg, page)
    if payload is None:          # the code came from the review: which way up is the page?
        turned_reading = read_page(im.turn(reg, size), page)
        if turned_reading.ring > reading.ring:
            reg, reading = im.turn(reg, size), turned_reading
    student = payload_sid or "?"
    if keep_images:
        result.image = im.page_png(reg)
    if page.fields and reading.ring < MIN_RING:
        if answers.get(f"{source_name}|layout", "").strip().lower() == "drop":
            result.status, result.note = "skipped", "dropped in review"
            return result
        item = ReviewItem(f"{source_name}|layout", source_name, payload_code, student,
                          "layout", "the printed circles are not where paper "
                          f"{payload_code}'s layout puts them (a damaged or foreign sheet?)",
                          "drop, or rescan the page", crop=im.page_png(reg, 500))
        result.flagged["layout"] = item
        return result
    result.readings = reading.fields
    for fr in reading.fields:
        key = fr.field.key
        result.values[key] = fr.value
        result.marks_png.append((key, fr.field.box))
        if fr.problem:
            item = ReviewItem(f"{source_name}|{key}", source_name, payload_code, student,
                              key, fr.problem, shown(fr), crop=im.crop_png(reg, fr.field.box),
                              values=tuple(dict.fromkeys(b.value for g in fr.field.groups
                                                         for b in g)),
                              points=fr.field.points)
            result.flagged[key] = item
    if student == "?" and result.values.get("id"):      # an anonymous sheet: its id grid
        for item in result.flagged.values():
            item.student = str(result.values["id"])
    return result


def _identity(r: PageResult, exam: _Exam, answers: Mapping[str, str]) -> str:
    """Whose sheet a page is: the student id in its QR code (a roster paper), else the id
    its id grid reads (or the review's answer for it), else the roster's one owner of the
    code; "" when it cannot be told without a person."""
    if r.student_id:
        return r.student_id
    item = r.flagged.get("id")
    if item is not None:
        return item.answer or ""
    if answers.get(f"{r.source}|id", "").strip():          # an empty id grid, answered
        return answers[f"{r.source}|id"].strip()
    if r.values.get("id"):
        return str(r.values["id"])
    owners = exam.owner.get(r.code, [])
    return owners[0].id if len(owners) == 1 else ""


def assemble(results: list[PageResult], exam: _Exam, answers: Mapping[str, str],
             items: list[ReviewItem], warnings: list[str]) -> list[Sheet]:
    """The pages put together into sheets (duplicates flagged, missing pages waited for), the
    review's answers applied, and each complete sheet graded. A page whose student cannot be
    told (an id grid left empty or unclear) is a sheet of its own, waiting for review."""
    from quizgen.grading.marks import grade_paper

    for item in items:
        if item.id in answers and answers[item.id].strip():
            item.answer = answers[item.id].strip()
    seen: dict[tuple[str, str, int], list[PageResult]] = {}
    for r in results:
        if r.status == "read" and r.code:
            who = _identity(r, exam, answers) or f"?{r.source}"
            seen.setdefault((r.code, who, r.page), []).append(r)
    sheets: dict[tuple[str, str], Sheet] = {}
    for (code, who, page_no), copies in seen.items():
        sid = "" if who.startswith("?") else who
        chosen = copies[0]
        if len(copies) > 1:
            said = {c.source: answers.get(f"{c.source}|duplicate", "").strip().lower()
                    for c in copies}
            kept = [c for c in copies if said[c.source] == "keep"]
            for c in copies:
                others = ", ".join(o.source for o in copies if o is not c)
                if len(copies) > 4:
                    others = f"{others.split(', ')[0]} and {len(copies) - 2} more"
                item = ReviewItem(f"{c.source}|duplicate", c.source, code, sid or "?",
                                  "duplicate", f"the same sheet (paper {code}, student "
                                  f"{sid or '?'}, page {page_no}) was also scanned as {others}",
                                  "keep or drop")
                if len(kept) == 1:
                    item.answer = "keep" if c is kept[0] else "drop"
                items.append(item)
                c.flagged["duplicate"] = item
            if len(kept) == 1:
                chosen = kept[0]
        sheet = sheets.get((code, who))
        if sheet is None:
            sheet = Sheet(code, sid, "", dict(exam.paper(code)), exam.layout(code, chosen
                                                                              .student_id))
            sheets[(code, who)] = sheet
        sheet.pages[page_no] = chosen
        sheet.items.extend(chosen.flagged.values())
        for c in copies:
            if c is not chosen:
                sheet.items.append(c.flagged["duplicate"])
    out = []
    for sheet in sheets.values():
        before = len(sheet.items)
        _resolve(sheet, exam, warnings, answers)
        items.extend(sheet.items[before:])          # the sheet's own: pages missing, no id
        if not sheet.open_items and len(sheet.pages) == len(sheet.layout.pages):
            marks = grade_paper(sheet.paper, sheet.responses, sheet.paper.get("lang"),
                                scores=sheet.scores)
            marks.student_id, marks.student_name = sheet.student_id, sheet.name
            sheet.marks = marks
        out.append(sheet)
    # pages whose code could not be read are on no sheet: their items stay open
    return out


def _resolve(sheet: Sheet, exam: _Exam, warnings: list[str],
             answers: Mapping[str, str]) -> None:
    """The sheet's responses, its student's name, and its review answers applied."""
    from quizgen.scan.review import apply_answer

    missing = [n for n in range(1, len(sheet.layout.pages) + 1) if n not in sheet.pages]
    if missing:
        item = ReviewItem(f"{sheet.code} {sheet.student_id or '?'}|pages", "", sheet.code,
                          sheet.student_id or "?", "pages",
                          f"page {', '.join(map(str, missing))} of the sheet was not scanned "
                          "(or its student id does not match the other pages')",
                          "scan it and run again")
        sheet.items.append(item)
    values: dict[str, str | None] = {}
    for page in sheet.pages.values():
        values.update(page.values)
        for key, item in page.flagged.items():
            if item.answer is not None and key not in ("duplicate", "layout", "id", "code"):
                values[key] = apply_answer(item)
    values.pop("id", None)
    sid = sheet.student_id
    if not sid and not any(i.key == "id" and i.answer is None for i in sheet.items):
        source = _first_source(sheet)
        item = ReviewItem(f"{source}|id", source, sheet.code, "?", "id",
                          "no student id on the sheet", "write the student's id")
        sheet.items.append(item)
    roster = exam.roster
    if roster is not None and sid:
        if sid in roster:
            sheet.name = roster[sid].name
        else:
            warnings.append(f"paper {sheet.code}: student id {sid} is not on the roster")
    for key, value in values.items():
        if key.endswith("#score"):
            if value is not None:
                sheet.scores[key.removesuffix("#score")] = float(value)
        else:
            sheet.responses[key] = value


def _first_source(sheet: Sheet) -> str:
    return next(iter(sheet.pages.values())).source if sheet.pages else sheet.code
