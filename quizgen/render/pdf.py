"""PDF through WeasyPrint, built for batches (a class set of papers and keys).

Where a naive render's time goes, and what is done about it:

* font subsetting: WeasyPrint subsets each embedded font per document; with the 20 MB Noto
  CJK collections and fontTools that is seconds a document. Here each face is subset once
  per batch to the batch's characters (``fonts.font_face_css``, cached on disk); WeasyPrint
  then subsets these small fonts per document only when HarfBuzz does it natively
  (milliseconds), and otherwise embeds them whole.
* fonts and WeasyPrint itself are loaded once per process: one ``FontConfiguration`` and
  one font stylesheet serve every document of the batch.
* layout and drawing remain (tens of milliseconds a page): ``jobs`` worker processes,
  forked after WeasyPrint is imported so they start at once, share them out.

WeasyPrint reads nothing quizgen did not make: its ``url_fetcher`` (:class:`_OwnAssets`)
serves the batch's own font files and ``data:`` URLs and refuses every other URL, ``file:``,
``http(s):`` or any scheme (bank HTML is sanitised before it gets here; this is the second wall).

With ``SOURCE_DATE_EPOCH`` set, the PDF's dates are that time, and the same HTML gives the
same bytes; without it they are now.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import re
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterable, Sequence

from quizgen.errors import QuizgenError
from quizgen.render.fonts import font_face_css

_WORKER: "PdfRenderer | None" = None


def _weasyprint():
    try:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
    except ImportError as exc:  # WeasyPrint or its system libraries (Pango)
        raise QuizgenError(f"writing PDF needs WeasyPrint and Pango ({exc}); install them "
                           "(pip install weasyprint; Debian: libpango-1.0-0)") from None
    return weasyprint, FontConfiguration


def _native_subsetting() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0): milliseconds a
    document, so each PDF gets just its glyphs. Without it WeasyPrint uses fontTools, which
    takes ~0.3 s a font even for our small subsets: then they are embedded whole."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def _pdf_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
                else datetime.datetime.now(datetime.timezone.utc))
    except (ValueError, OverflowError, OSError):
        raise QuizgenError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    return when.strftime("D:%Y%m%d%H%M%SZ")


_FONT_URL = re.compile(r'url\("(file:[^"]+)"\)')


def _own_assets(font_css: str):
    """A WeasyPrint URL fetcher serving only ``data:`` URLs and the font files ``font_css``
    names; anything else (a local file, a URL on the network) is refused."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    fonts = {url: Path(url2pathname(url.removeprefix("file:"))) for url in
             _FONT_URL.findall(font_css)}

    class _OwnAssets(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url in fonts:
                return URLFetcherResponse(url, fonts[url].read_bytes())
            raise ValueError(f"quizgen serves no {url.split(':', 1)[0]!r} URL to the PDF: "
                             f"{url[:80]}")

    return _OwnAssets(timeout=1, allowed_protocols={"data", "file"}, allow_redirects=False)


class PdfRenderer:
    """Renders HTML documents to PDF with one font configuration (make one per batch)."""

    def __init__(self, font_css: str) -> None:
        weasyprint, FontConfiguration = _weasyprint()
        self._html = weasyprint.HTML
        self._fetcher = _own_assets(font_css)
        self._font_config = FontConfiguration()
        self._stylesheets = [weasyprint.CSS(string=font_css, font_config=self._font_config,
                                            url_fetcher=self._fetcher)]
        self._date = _pdf_date()
        self._full_fonts = not _native_subsetting()

    @classmethod
    def for_documents(cls, htmls: Iterable[str]) -> "PdfRenderer":
        return cls(font_face_css(htmls))

    def _finish(self, document, pdf) -> None:
        import pydyf

        pdf.info["CreationDate"] = pydyf.String(self._date)
        pdf.info["ModDate"] = pydyf.String(self._date)

    def render(self, html: str) -> tuple[bytes, int]:
        """The PDF's bytes and its number of pages."""
        document = self._html(string=html, url_fetcher=self._fetcher).render(
            font_config=self._font_config, stylesheets=self._stylesheets)
        data = document.write_pdf(full_fonts=self._full_fonts, finisher=self._finish)
        return data, len(document.pages)

    def write(self, html: str, target: str | Path) -> int:
        data, pages = self.render(html)
        Path(target).write_bytes(data)
        return pages


def html_to_pdf(html: str) -> bytes:
    """One document (a batch of one: fonts are subset for it alone)."""
    return PdfRenderer.for_documents([html]).render(html)[0]


def _init_worker(font_css: str) -> None:
    global _WORKER
    _WORKER = PdfRenderer(font_css)


def _work(html: str, target: str) -> int:
    assert _WORKER is not None
    return _WORKER.write(html, target)


def write_pdfs(tasks: Sequence[tuple[str, str | Path]], *, jobs: int = 1,
               done: Callable[[int], None] | None = None, font_css: str | None = None) -> int:
    """Render each (html, target path) and write it; returns the number of pages.

    ``font_css`` is ``font_face_css`` of all the documents (made here when not given);
    ``done(pages)`` is called as each document is written (for a progress bar)."""
    if font_css is None:
        font_css = font_face_css(html for html, _ in tasks)
    pages = 0
    if jobs <= 1 or len(tasks) <= 1:
        renderer = PdfRenderer(font_css)
        for html, target in tasks:
            n = renderer.write(html, target)
            pages += n
            if done:
                done(n)
        return pages
    _weasyprint()  # imported before the fork, so that workers start at once
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context,
                             initializer=_init_worker, initargs=(font_css,)) as pool:
        pending: set = set()
        queue = list(reversed(tasks))
        while queue or pending:
            while queue and len(pending) < 2 * jobs:  # a bounded window: memory stays flat
                html, target = queue.pop()
                pending.add(pool.submit(_work, html, str(target)))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                n = future.result()
                pages += n
                if done:
                    done(n)
    return pages
