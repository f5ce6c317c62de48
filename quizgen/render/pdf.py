"""PDF through WeasyPrint, built for batches (a class set of papers and keys).

Where a naive render's time goes, and what is done about it:

* font subsetting: WeasyPrint subsets each embedded font per document; with the 20 MB Noto
  CJK collections and fontTools that is seconds a document. Here each face is subset once
  per batch to the batch's characters (``fonts.font_face_css``, cached on disk); WeasyPrint
  then subsets these small fonts per document only when HarfBuzz does it natively
  (milliseconds), and otherwise embeds them whole.
* fonts and WeasyPrint itself are loaded once per process: one ``FontConfiguration`` and
  one font stylesheet serve every document of the batch.
* the paper stylesheet: the part of each document's ``<style>`` after :data:`FIXED_CSS` is
  the same in every document, so it is parsed once per process and handed to WeasyPrint
  ready-made; only the few per-document rules before it (the page headers) are parsed per
  document. The cascade is unchanged: those rules are all ``@page`` rules, which never
  compete with the fixed ones.
* the diagrams: an inline SVG is parsed by the HTML parser and each of its elements goes
  through the CSS cascade, for nothing (WeasyPrint's SVG renderer styles it itself); each
  ladder diagram is handed over as an ``<img>`` of the same SVG instead
  (:func:`diagrams_as_images`), drawn the same way.
* the page headers and footers (five margin boxes on every page): the paper's CSS gives them
  widths when their texts fit (``templates/paper/paper.css.j2``), so that WeasyPrint does not
  measure each of them on every page to share the line out.
* Python's garbage collector: WeasyPrint makes millions of short-lived objects. After set-up
  everything alive is frozen out of the collector's sight (``gc.freeze``), the collector
  is off during a document and runs once after it: less time, and a lower peak.
* layout and drawing remain (tens of milliseconds a page): :class:`PdfWorkers` processes
  share them out. They are started first, before the parent builds the questions, the HTML
  and the font subsets, so that importing WeasyPrint and loading fontconfig in each of them
  overlaps that work instead of following it.

Worker processes die with their parent (``PR_SET_PDEATHSIG`` on Linux, elsewhere a thread
watching the parent), never touch the output folder (they return the PDF's bytes; the
parent writes them), and keep WeasyPrint's temporary font folders in one folder per run
(``quizgen-pdf-PID-*`` in the system's temporary folder), removed when the run ends, or by
a later run if the run was killed.

WeasyPrint reads nothing quizgen did not make: its ``url_fetcher`` (:class:`_OwnAssets`)
serves the batch's own font files and ``data:`` URLs and refuses every other URL, ``file:``,
``http(s):`` or any scheme (bank HTML is sanitised before it gets here; this is the second wall).

With ``SOURCE_DATE_EPOCH`` set, the PDF's dates are that time, and the same HTML gives the
same bytes; without it they are now.
"""

from __future__ import annotations

import datetime
import gc
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from multiprocessing.connection import Connection
from typing import Callable, Iterable, Iterator, Sequence, cast

from quizgen.errors import QuizgenError
from quizgen.render.fonts import font_face_css

#: The comment in a document's ``<style>`` after which its CSS is the same in every document
#: of a batch (``templates/paper/paper.css.j2`` writes it).
FIXED_CSS = "/* quizgen: the rest is the same in every document */"

_RUN_PREFIX = "quizgen-pdf-"


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


def _font_files(font_css: str) -> dict[str, Path]:
    from urllib.request import url2pathname

    return {url: Path(url2pathname(url.removeprefix("file:"))) for url in
            _FONT_URL.findall(font_css)}


def _own_assets(fonts: dict[str, Path]):
    """A WeasyPrint URL fetcher serving only ``data:`` URLs and the font files in ``fonts``
    (a dict that may grow); anything else (a local file, a URL on the network) is refused."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _OwnAssets(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url in fonts:
                return URLFetcherResponse(url, fonts[url].read_bytes())
            raise ValueError(f"quizgen serves no {url.split(':', 1)[0]!r} URL to the PDF: "
                             f"{url[:80]}")

    return _OwnAssets(timeout=1, allowed_protocols={"data", "file"}, allow_redirects=False)


_LADDER = re.compile(r'<svg xmlns="http://www.w3.org/2000/svg" class="qg-ladder"[^>]*>.*?</svg>',
                     re.S)


def diagrams_as_images(html: str) -> str:
    """``html`` with each ladder diagram (an inline ``<svg class="qg-ladder">``) handed over as
    an ``<img>`` of the same SVG (a ``data:`` URL). WeasyPrint draws both the same way, but an
    inline SVG is first parsed as HTML, element by element, and every one of its elements goes
    through the CSS cascade; an image's SVG is parsed as XML by the C parser, and skips the
    cascade. The page's CSS styles ``.qg-diagram img`` as it does ``.qg-diagram svg``."""
    import base64

    def image(match: re.Match) -> str:
        data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
        return f'<img class="qg-ladder" alt="" src="data:image/svg+xml;base64,{data}">'

    return _LADDER.sub(image, html)


def split_fixed_css(html: str) -> tuple[str, str | None]:
    """``html`` without the fixed part of its stylesheet, and that part (None if it has none)."""
    head, mark, rest = html.partition(FIXED_CSS)
    if not mark:
        return html, None
    fixed, end, tail = rest.partition("</style>")
    if not end:
        return html, None
    return head + end + tail, fixed


class PdfRenderer:
    """Renders HTML documents to PDF with one font configuration (make one per process).

    ``font_css`` (``font_face_css`` of the batch) may be given now or later
    (:meth:`use_fonts`), so that a worker can load WeasyPrint before the batch is known.
    ``shortcuts=False`` renders each HTML as it is (no fixed stylesheet parsed once, diagrams
    left inline): the same PDF, more slowly (the tests compare the two)."""

    def __init__(self, font_css: str | None = None, *, shortcuts: bool = True) -> None:
        self.shortcuts = shortcuts
        weasyprint, FontConfiguration = _weasyprint()
        self._html = weasyprint.HTML
        self._css = weasyprint.CSS
        self._fonts: dict[str, Path] = {}
        self._fetcher = _own_assets(self._fonts)
        self._font_config = FontConfiguration()
        self._font_sheets: dict[str, object] = {}
        self._fixed_sheets: dict[str, object] = {}
        self._font_sheet: object | None = None
        self._date = _pdf_date()
        self._full_fonts = not _native_subsetting()
        if font_css is not None:
            self.use_fonts(font_css)

    @classmethod
    def for_documents(cls, htmls: Iterable[str]) -> PdfRenderer:
        return cls(font_face_css(htmls))

    def use_fonts(self, font_css: str) -> None:
        """Set the batch's ``@font-face`` rules (each set is parsed once)."""
        sheet = self._font_sheets.get(font_css)
        if sheet is None:
            self._fonts.update(_font_files(font_css))
            sheet = self._css(string=font_css, font_config=self._font_config,
                              url_fetcher=self._fetcher)
            self._font_sheets[font_css] = sheet
        self._font_sheet = sheet

    def warm(self) -> None:
        """Render a tiny document, so that what WeasyPrint loads on first use (its layout,
        drawing and PDF modules, Pango's font map) is loaded before the first real one."""
        self._html(string='<p>x</p><svg width="9" height="9"><text y="8">x</text></svg>',
                   url_fetcher=self._fetcher).render(font_config=self._font_config
                                                     ).write_pdf()

    def _fixed(self, css: str):
        sheet = self._fixed_sheets.get(css)
        if sheet is None:
            if len(self._fixed_sheets) >= 8:   # a long-lived process rendering many kinds
                self._fixed_sheets.clear()
            sheet = self._css(string=css, font_config=self._font_config,
                              url_fetcher=self._fetcher)
            self._fixed_sheets[css] = sheet
        return sheet

    def _finish(self, document, pdf) -> None:
        import pydyf

        pdf.info["CreationDate"] = pydyf.String(self._date)
        pdf.info["ModDate"] = pydyf.String(self._date)

    def render(self, html: str) -> tuple[bytes, int]:
        """The PDF's bytes and its number of pages."""
        if self._font_sheet is None:
            self.use_fonts(font_face_css([html]))
        sheets = [self._font_sheet]
        if self.shortcuts:
            html, fixed = split_fixed_css(diagrams_as_images(html))
            if fixed is not None:
                sheets.append(self._fixed(fixed))
        document = self._html(string=html, url_fetcher=self._fetcher).render(
            font_config=self._font_config, stylesheets=sheets)
        data = document.write_pdf(full_fonts=self._full_fonts, finisher=self._finish)
        return data, len(document.pages)

    def write(self, html: str, target: str | Path) -> int:
        data, pages = self.render(html)
        Path(target).write_bytes(data)
        return pages


def html_to_pdf(html: str) -> bytes:
    """One document (a batch of one: fonts are subset for it alone)."""
    return PdfRenderer.for_documents([html]).render(html)[0]


@contextmanager
def _collector_between_documents() -> Iterator[Callable[[], int]]:
    """Freeze what is alive now out of the collector's sight and switch it off; yields the
    function to call after each document (a collection of what that document left). The
    collector's state is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield gc.collect
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


# ----------------------------------------------------------------------------- cores
def available_cpus() -> int:
    """The CPUs this process may run on: its affinity mask, bounded by a cgroup CPU quota
    (a container's ``cpu.max``), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


# --------------------------------------------------------------------------- workers
def _die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does: PR_SET_PDEATHSIG (Linux), else a thread
    watching the parent's pid."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:   # the parent died before we could ask
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.25)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="quizgen-parent-watch").start()


def _portable(exc: BaseException) -> BaseException:
    """``exc``, or a RuntimeError saying what it was when it cannot cross to the parent."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any unpicklable exception is reported, not raised
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _worker(conn, parent: int, run_dir: str, siblings: tuple = ()) -> None:
    """A worker process: loads WeasyPrint at once, then renders (font_css, html) tasks from
    ``conn`` and sends back ("ok", pdf bytes, pages) or ("error", exception). ``siblings``:
    the parent's ends of the workers' pipes (a forked child holds copies), closed here so that
    a worker sees its pipe end when the parent goes, even without PR_SET_PDEATHSIG."""
    _die_with_parent(parent)
    for other in siblings:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    tempfile.tempdir = run_dir                      # WeasyPrint's font folders: the run's
    renderer: PdfRenderer | None = None
    failure: BaseException | None = None
    try:
        renderer = PdfRenderer()
        renderer.warm()
    except BaseException as exc:  # noqa: BLE001 - reported with the first task
        failure = _portable(exc)
    with _collector_between_documents() as collect:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            font_css, html = task
            reply: tuple
            try:
                if failure is not None:
                    raise failure
                assert renderer is not None
                renderer.use_fonts(font_css)
                data, pages = renderer.render(html)
                reply = ("ok", data, pages)
            except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
                reply = ("error", _portable(exc))
            collect()
            try:
                conn.send(reply)
            except (BrokenPipeError, OSError):
                break
    del renderer
    gc.collect()


class PdfWorkers:
    """``jobs`` worker processes rendering PDFs, started at once so that each loads WeasyPrint
    while the parent prepares the batch. Use as a context manager, or call :meth:`close`
    (or :meth:`kill`, which stops them at once)."""

    def __init__(self, jobs: int) -> None:
        remove_stale_runs()
        fork = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if fork else None)
        self.run_dir = tempfile.mkdtemp(prefix=f"{_RUN_PREFIX}{os.getpid()}-")
        self._procs: list[multiprocessing.process.BaseProcess] = []
        self._conns: list[Connection] = []
        try:
            for _ in range(max(1, jobs)):
                mine, theirs = context.Pipe()
                siblings = (*self._conns, mine) if fork else ()
                proc = context.Process(target=_worker, name="quizgen-pdf", daemon=True,
                                       args=(theirs, os.getpid(), self.run_dir, siblings))
                proc.start()
                theirs.close()
                self._procs.append(proc)
                self._conns.append(mine)
        except BaseException:
            self.kill()
            raise

    @property
    def jobs(self) -> int:
        return len(self._procs)

    def render(self, htmls: Sequence[str], font_css: str) -> Iterator[tuple[int, bytes, int]]:
        """Yield (index, PDF bytes, pages) for each of ``htmls`` as it is done (in any order).

        One task at a time per worker: a worker is sent the next document when it has
        answered, so memory stays flat however large the batch, and neither side can block
        the other on a full pipe."""
        from multiprocessing.connection import wait

        queue = list(range(len(htmls)))[::-1]
        busy: dict[Connection, int] = {}
        idle = list(self._conns)
        try:
            while queue or busy:
                while queue and idle:
                    conn = idle.pop()
                    index = queue.pop()
                    conn.send((font_css, htmls[index]))
                    busy[conn] = index
                for ready in wait(list(busy)):
                    conn = cast(Connection, ready)
                    index = busy.pop(conn)
                    try:
                        reply = conn.recv()
                    except (EOFError, OSError):
                        proc = self._procs[self._conns.index(conn)]
                        proc.join(1)
                        raise RuntimeError(f"a PDF worker process died (exit status "
                                           f"{proc.exitcode})") from None
                    if reply[0] == "error":
                        raise cast(BaseException, reply[1])
                    idle.append(conn)
                    yield index, cast(bytes, reply[1]), cast(int, reply[2])
        except BaseException:
            self.kill()
            raise

    def close(self) -> None:
        """Let the workers finish and end; remove the run's temporary folder."""
        for conn in self._conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc in self._procs:
            proc.join(5)
        self.kill()

    def kill(self) -> None:
        """Stop the workers now (SIGKILL), wait for them, remove the run's temporary folder."""
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            proc.join(5)
        for conn in self._conns:
            conn.close()
        self._procs, self._conns = [], []
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> PdfWorkers:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.close()
        else:
            self.kill()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_runs() -> None:
    """Remove the temporary folders of runs whose process has died (killed before it could
    clean up); other runs' folders, and other users', are left alone."""
    base = Path(tempfile.gettempdir())
    try:
        candidates = list(base.glob(f"{_RUN_PREFIX}*-*"))
    except OSError:
        return
    for path in candidates:
        pid = path.name[len(_RUN_PREFIX):].split("-", 1)[0]
        try:
            if (pid.isascii() and pid.isdigit() and path.is_dir() and path.stat().st_uid == os.getuid()
                    and not _pid_alive(int(pid))):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def start_workers(jobs: int, documents: int | None = None) -> PdfWorkers | None:
    """Worker processes for a batch of about ``documents`` PDFs: ``jobs`` of them (no more
    than the documents), or None when one process will do (the batch renders in-process)."""
    count = min(jobs, documents) if documents is not None else jobs
    return PdfWorkers(count) if count > 1 else None


# ---------------------------------------------------------------------------- batches
def render_pdfs(htmls: Sequence[str], *, font_css: str | None = None, jobs: int = 1,
                workers: PdfWorkers | None = None) -> Iterator[tuple[int, bytes, int]]:
    """Yield (index, PDF bytes, pages) for each of ``htmls`` as it is done, in any order.

    ``font_css`` is ``font_face_css`` of all the documents (made here when not given). The
    documents are shared out among ``workers`` if given, else among ``jobs`` new worker
    processes, else (one job, or one document) rendered in this process."""
    if font_css is None:
        font_css = font_face_css(htmls)
    if workers is not None and len(htmls) > 0:
        yield from workers.render(htmls, font_css)
        return
    if jobs > 1 and len(htmls) > 1:
        with PdfWorkers(min(jobs, len(htmls))) as own:
            yield from own.render(htmls, font_css)
        return
    renderer = PdfRenderer(font_css)
    with _collector_between_documents() as collect:
        for index, html in enumerate(htmls):
            data, pages = renderer.render(html)
            collect()
            yield index, data, pages


def write_pdfs(tasks: Sequence[tuple[str, str | Path]], *, jobs: int = 1,
               done: Callable[[int], None] | None = None, font_css: str | None = None) -> int:
    """Render each (html, target path) and write it; returns the number of pages.

    ``font_css`` is ``font_face_css`` of all the documents (made here when not given);
    ``done(pages)`` is called as each document is written (for a progress bar)."""
    total = 0
    for index, data, pages in render_pdfs([html for html, _ in tasks], font_css=font_css,
                                          jobs=jobs):
        Path(tasks[index][1]).write_bytes(data)
        total += pages
        if done:
            done(pages)
    return total
