"""A bank's HTML cannot reach the machine's files or the network on any output path.

The bank below puts into a prompt and an explanation every way we know to make a renderer read
a local file or a URL (attachments, objects, images, stylesheets, CSS imports, SVG, frames) and
to run script. A paper and its key (HTML and PDF), the drill page and every export are built
from it while a listener on 127.0.0.1 waits for the request WeasyPrint would make. Checked by
tools nobody here wrote: poppler's pdfdetach lists the PDFs' embedded files, pdftotext their
text, and html.parser the tags of every written HTML file.
"""

from __future__ import annotations

import html.parser
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from quizgen.safehtml import clean

ROOT = Path(__file__).resolve().parents[2]
QUIZGEN = [sys.executable, "-m", "quizgen"]
FORBIDDEN_TAGS = {"script", "link", "object", "embed", "iframe", "frame", "img", "image", "a",
                  "style", "form", "input", "base", "meta", "svg", "video", "audio", "source"}


def payloads(port: int) -> list[str]:
    here = f"http://127.0.0.1:{port}"
    return [
        '<link rel="attachment" href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/shadow">shadow</a>',
        '<object data="file:///etc/hostname"></object>',
        '<embed src="file:///etc/hostname">',
        f'<img src="{here}/img">',
        f'<style>@import url({here}/import);</style>',
        f'<p style="background: url({here}/style-attr)">styled</p>',
        f'<link rel="stylesheet" href="{here}/sheet">',
        f'<svg><image href="{here}/svg-image"/></svg>',
        f'<iframe src="{here}/frame"></iframe>',
        f'<video poster="{here}/poster"></video>',
        f'<base href="{here}/base/">',
        f'<table background="{here}/table-bg"><tr><td background="{here}/td-bg">t</td></tr></table>',
        '<script>document.title = "pwned"</script>',
        '<p onclick="alert(1)">click</p>',
        '<math><mi xlink:href="file:///etc/passwd">m</mi></math>',
        f'<form action="{here}/form"><input name="q"></form>',
        '<!-- <script>alert(2)</script> -->',
    ]


def hostile_bank(port: int) -> str:
    junk = "".join(payloads(port)).replace("\\", "\\\\").replace('"', '\\"')
    return f"""bank: hostile
entries:
  - id: evil-fill
    type: fill
    topic: evil
    difficulty: 1
    points: 2
    scenario: {{preset: normal}}
    ask: {{segment: synack, fields: [SYN, ACK, seq, ack]}}
    title: {{zh: 恶意, en: Evil}}
    prompt:
      zh: "<p>填写 {{{{ m.inline(seg.syn) }}}}</p>{junk}{{{{ m.segment_row(asked, blanks) }}}}"
      en: "<p>Fill in</p>{junk}{{{{ m.segment_row(asked, blanks) }}}}"
    explanation:
      zh: "<p>解析</p>{junk}"
      en: "<p>Why</p>{junk}"
"""


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\nbody{}")
                except OSError:
                    self.hits.append(b"?")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lis = Listener()
    yield lis
    lis.close()


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def tags_of(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    return parser


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*QUIZGEN, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_clean_keeps_quizgen_markup_and_drops_the_rest():
    ours = ('<p>A <span class="qg-inline">(SYN=1, seq=1)</span> <sup>32</sup><br></p>'
            '<table class="qg-seg"><tbody><tr><th>seq</th></tr><tr><td>'
            '<span class="qg-blank" data-part="seq"></span></td></tr></tbody></table>')
    assert clean(ours) == ours
    dirty = "".join(payloads(9))
    cleaned = clean(dirty)
    parsed = tags_of(cleaned)
    assert not parsed.tags & FORBIDDEN_TAGS, parsed.tags
    assert not {a for a in parsed.attrs if a.startswith("on")} and "style" not in parsed.attrs
    assert "file:" not in cleaned and "http:" not in cleaned and "alert" not in cleaned
    assert clean(cleaned) == cleaned


def test_paper_key_drill_and_exports_of_a_hostile_bank(tmp_path, listener):
    assert shutil.which("pdfdetach"), "poppler-utils (pdfdetach) is missing: run scripts/bootstrap --test"
    bank = tmp_path / "hostile.yaml"
    bank.write_text(hostile_bank(listener.port), encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    for lang in ("zh", "en"):
        spec.write_text(f"title: Hostile\nlang: {lang}\nseed: 3\nsections:\n"
                        "  - title: One\n    ids: [evil-fill]\n    points: 4\n", encoding="utf-8")
        check = run("banks", "check", str(bank), cwd=tmp_path)
        assert check.returncode == 0, check.stderr
        out = tmp_path / f"out-{lang}"
        made = run("paper", str(spec), "--bank", str(bank), "--out", str(out), "--jobs", "1",
                   cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        pdfs = sorted(out.glob("*.pdf"))
        htmls = sorted(out.glob("*.html"))
        assert len(pdfs) == 2 and len(htmls) == 2, sorted(p.name for p in out.iterdir())
        for pdf in pdfs:
            listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True,
                                     text=True, check=True).stdout
            assert listing.strip() == "0 embedded files", (pdf.name, listing)
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            assert "root:" not in text and "pwned" not in text
        for page in htmls:
            text = page.read_text(encoding="utf-8")
            assert "file:///etc" not in text and f"127.0.0.1:{listener.port}" not in text
            parsed = tags_of(text)
            # the paper's own <style> and <meta> are the template's; none may come from the bank
            assert not parsed.tags & (FORBIDDEN_TAGS - {"style", "meta"}), (page.name, parsed.tags)
            assert text.count("<style") == 1 and "@import" not in text
            assert not {a for a in parsed.attrs if a.startswith("on")}
    drill = tmp_path / "drill.html"
    made = run("drill", "--only-banks", "--bank", str(bank), "--html", str(drill), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = drill.read_text(encoding="utf-8")
    assert "file:///etc" not in text and f"127.0.0.1:{listener.port}" not in text
    for fmt, name in (("moodle", "q.xml"), ("gift", "q.gift"), ("qti12", "q12.zip"),
                      ("qti21", "q21.zip")):
        made = run("export", "--format", fmt, "--only-banks", "--bank", str(bank), "--out", str(tmp_path / name),
                   cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        path = tmp_path / name
        texts = ([zipfile.ZipFile(path).read(n).decode("utf-8") for n in
                  zipfile.ZipFile(path).namelist() if not n.endswith((".png", ".svg"))]
                 if name.endswith(".zip") else [path.read_text(encoding="utf-8")])
        for t in texts:
            assert "file:///etc" not in t and f"127.0.0.1:{listener.port}" not in t, fmt
            for word in ("script", "object", "iframe", "embed"):
                assert f"<{word}" not in t and f"&lt;{word}" not in t, (fmt, word)
    assert listener.hits == [], listener.hits


def test_the_pdf_renderer_fetches_nothing_but_its_own_fonts(tmp_path, listener):
    """Even HTML that was never sanitised (the second wall): WeasyPrint is handed a fetcher
    that refuses file: and http: URLs."""
    from quizgen.render.fonts import font_face_css
    from quizgen.render.pdf import PdfRenderer

    page = (f'<html><head><link rel="attachment" href="file:///etc/passwd">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css"></head><body>'
            f'<a rel="attachment" href="file:///etc/hostname">h</a>'
            f'<img src="http://127.0.0.1:{listener.port}/i.png">'
            f'<object data="file:///etc/hostname"></object><p>中文 text</p></body></html>')
    data, pages = PdfRenderer(font_face_css([page])).render(page)
    target = tmp_path / "raw.pdf"
    target.write_bytes(data)
    listing = subprocess.run(["pdfdetach", "-list", str(target)], capture_output=True,
                             text=True, check=True).stdout
    assert listing.strip() == "0 embedded files", listing
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True,
                           check=True).stdout
    assert "Noto" in fonts or "CID" in fonts, fonts       # its own fonts did load
    assert pages == 1 and listener.hits == []


def test_clean_drops_control_characters_and_lone_surrogates():
    """A terminal obeys ESC sequences and XML refuses control characters; a lone surrogate
    cannot be written to any file (UnicodeEncodeError in every writer)."""
    assert clean("a\x1b[2Jb\x01c\x7fd\x85e\tf\ng") == "a[2Jbcde\tf\ng"
    assert clean("x\ud800y") == "x\ufffdy"
    clean("\ud83d\ude00").encode("utf-8")
