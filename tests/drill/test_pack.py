"""The HTML pack as a file: self-contained, deterministic, answers scrambled (not shown in
the source at a glance) but readable by anyone, and saying so on the page; hostile bank
text escaped, written atomically (browser behaviour: test_browser.py)."""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import subprocess
import sys

import pytest

from quizgen.drill import check
from quizgen.drill.pack import pack_html
from quizgen.drill.problems import problems
from quizgen.render.text import plain_text
from quizgen.errors import QuizgenError
from quizgen.files import write_new
from quizgen.questions import generate_question, load_banks
from tests.drill.support import BANK, HOSTILE_TITLE, ROOT, hostile_bank


def decode_key(page: str) -> list[dict]:
    """The pack's answer blob, decoded the way its script does."""
    data = re.search(r'id="qg-data" hidden data-key="([^"]+)" data-blob="([^"]+)"', page)
    key, blob = base64.b64decode(data.group(1)), base64.b64decode(data.group(2))
    return json.loads(bytes(b ^ key[i % len(key)] for i, b in enumerate(blob)).decode("utf-8"))


@pytest.fixture(scope="module")
def questions(entries):
    return list(itertools.islice(problems(entries, 11, "en"), 25))


@pytest.fixture(scope="module")
def page(questions):
    return pack_html(questions, lang="en", seed=11)


def test_self_contained_and_phone_ready(page):
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                                  page).group(1))
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    # nothing to fetch: no external resources at all (the SVG namespace is no request)
    assert not re.search(r"""\b(src|href|action)\s*=\s*["']?(?!#)""", page)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_csp_hashes_match_the_inline_code(page):
    import hashlib

    for tag, directive in (("style", "style-src"), ("script", "script-src")):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.DOTALL).group(1)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in html.unescape(page)


def test_deterministic(questions, page):
    assert pack_html(questions, lang="en", seed=11) == page
    assert pack_html(questions, lang="en", seed=12) != page      # another key


def test_one_form_per_problem_with_every_part(questions, page):
    assert page.count('<form class="qg-form"') == len(questions)
    for q in questions:
        for part in q["parts"]:
            assert f'name="a.{part["id"]}"' in page


def test_key_is_not_readable_at_a_glance(questions, page):
    key = decode_key(page)
    assert len(key) == len(questions)
    visible = re.sub(r'data-blob="[^"]+"', "", page)
    for q, k in zip(questions, key):
        explanation = plain_text(q["explanation"])
        assert explanation[:40] not in visible                     # only in the blob
        assert explanation[:40] in plain_text(k["explanation"])
        assert "<svg" in k["ladder"] and "qg-blank" not in k["ladder"]
        for part, spec in zip(q["parts"], k["parts"]):
            assert spec["id"] == part["id"] and spec["x"] == check.expected(part, "en")
    # order items are shown by letter, never by their ids (which give the order away)
    for q in questions:
        for part in q["parts"]:
            for item in part.get("items", ()):
                assert f'value="{item["id"]}"' not in page


NOTICE = {"en": ("Self-study page", "anyone can read them", "not for exams"),
          "zh": ("自学练习页", "任何人都能读出", "不能用于考试")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_says_it_is_for_self_study_only(entries, lang):
    """The answers are in the file (the script that checks them must read them, and so can
    anyone): the page says so at its top, in its language, before any problem."""
    qs = list(itertools.islice(problems(entries, 4, lang), 3))
    page = pack_html(qs, lang=lang, seed=4)
    notice = re.search(r'<p class="qg-notice" role="note">(.*?)</p>', page, re.DOTALL)
    assert notice and page.index(notice.group(0)) < page.index('<section class="qg-problem"')
    text = html.unescape(notice.group(1))
    assert all(words in text for words in NOTICE[lang]), text
    other = "zh" if lang == "en" else "en"
    assert not any(words in text for words in NOTICE[other])
    # and it is true: every answer is read back from the page alone
    assert [[p["x"] for p in k["parts"]] for k in decode_key(page)] == \
        [[check.expected(p, lang) for p in q["parts"]] for q in qs]


def test_chinese_pack(entries):
    qs = list(itertools.islice(problems(entries, 3, "zh"), 3))
    page = pack_html(qs, lang="zh", seed=3)
    assert '<html lang="zh-CN">' in page and "检查" in page and "得分" in page


def test_hostile_bank_text_is_escaped(tmp_path):
    entry = load_banks([hostile_bank(tmp_path)])[0]
    q = generate_question(entry, 1, "en")
    page = pack_html([q], lang="en", seed=1)
    assert "<script>document" not in page and "javascript:" not in page
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page)            # no event handler attribute
    assert "&lt;img src=x onerror=document.title=1&gt;" in page      # the escaped value, as text
    assert "<iframe" not in page and "<style>body" not in page
    assert "&lt;/title&gt;&lt;script&gt;" in page                 # the title, as text
    key = decode_key(page)[0]
    assert "<script" not in key["explanation"] and "onload" not in key["explanation"]
    # the prompt's stray closing tags and open table cannot reach the page structure
    section = page[page.index('<section class="qg-problem"'):page.index("</section>")]
    assert section.count("<form") == section.count("</form>") == 1
    assert HOSTILE_TITLE not in page


def test_write_new_atomic_and_no_overwrite(tmp_path):
    target = tmp_path / "pack.html"
    write_new(target, b"one", force=False)
    with pytest.raises(QuizgenError, match="already exists"):
        write_new(target, b"two", force=False)
    assert target.read_bytes() == b"one"
    write_new(target, b"three", force=True)
    assert target.read_bytes() == b"three"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.html"]   # no temporary left over
    with pytest.raises(QuizgenError, match="does not exist"):
        write_new(tmp_path / "missing" / "x.html", b"", force=False)
    with pytest.raises(QuizgenError, match="directory"):
        write_new(tmp_path, b"", force=True)


def test_command_writes_a_pack(tmp_path):
    out = tmp_path / "drill.html"
    cmd = [sys.executable, "-m", "quizgen", "drill", "--only-banks", "--bank", str(BANK), "--html", str(out),
           "--count", "7", "--seed", "5", "--lang", "en", "--topic", "handshake"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert "7 problems (seed 5)" in first.stdout
    assert "self-study" in first.stderr and "not for exams" in first.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<form class="qg-form"') == 7
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 2 and "already exists (use --force" in again.stderr
    forced = subprocess.run(cmd + ["--force"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert forced.returncode == 0 and out.read_text(encoding="utf-8") == page   # same seed
    bad = subprocess.run(cmd[:-4] + ["--count", "0"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
