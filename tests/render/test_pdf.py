"""PDFs read back with poppler: answers in the key only, the CJK font embedded, pages not
blank, the same bytes with SOURCE_DATE_EPOCH, a clear error without a Chinese font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import QuizgenError
from tests.render.support import FixtureSource, zh_questions

if not shutil.which("pdftotext"):   # scripts/bootstrap --test installs poppler-utils
    raise RuntimeError("the PDF tests need poppler-utils (pdftotext, pdffonts, pdftoppm)")

ACK, U = 3141592653, 2718281828  # answers found nowhere else on the page
SPEC = """\
title: 期中考试
course: 计算机网络
seed: 5
sections:
  - title: 填空题
    ids: [s-fill, s-compute]
    points: 6
  - title: 选择题
    ids: [s-state, s-tf]
"""


def _source():
    questions = zh_questions()
    for q in questions:
        for part in q["parts"]:
            if (q["id"], part["id"]) == ("s-fill", "ack"):
                part["answer"] = ACK
            if (q["id"], part["id"]) == ("s-compute", "u"):
                part["answer"] = U
    return FixtureSource(questions)


def _run(args, monkeypatch=None):
    return CliRunner().invoke(cli, args, obj={"question_source": _source()})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("pdf")
    spec = base / "exam.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    roster = base / "class.csv"
    roster.write_text("student_id,name\n2023001,张三\n2023002,李四\n", encoding="utf-8")
    outs = {}
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1764547200")
    mp.setenv("QUIZGEN_CACHE_DIR", str(base / "cache"))
    try:
        for name, jobs in (("a", "1"), ("b", "2")):
            result = _run(["paper", str(spec), "--roster", str(roster), "--out",
                           str(base / name), "--jobs", jobs])
            assert result.exit_code == 0, result.output
            outs[name] = base / name
    finally:
        mp.undo()
    return outs


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _pdfs(folder, kind):
    return sorted(folder.glob(f"*-{kind}.pdf"))


def test_key_has_the_answers_the_paper_does_not(rendered):
    for paper, key in zip(_pdfs(rendered["a"], "paper"), _pdfs(rendered["a"], "key")):
        paper_text, key_text = _text(paper), _text(key)
        assert str(ACK) in key_text and str(U) in key_text
        assert str(ACK) not in paper_text and str(U) not in paper_text
        assert "参考答案" in key_text and "解析" in key_text
        assert "姓名" in paper_text and "学号" in paper_text
        assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", paper_text)


def test_student_and_code_on_every_page(rendered):
    paper = _pdfs(rendered["a"], "paper")[1]
    code = paper.name.split("-")[1]
    pages = _text(paper).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 1 and "李四" in pages[0]
    assert all(code in page for page in pages)


def test_cjk_font_is_embedded(rendered):
    out = subprocess.run(["pdffonts", str(_pdfs(rendered["a"], "paper")[0])],
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    body = [r for r in rows if "qg-body" in r[0]]
    assert body, out
    # name type... emb sub uni: every font is embedded
    assert all(r[-5] == "yes" for r in rows), out


def test_page_is_not_blank(rendered, tmp_path):
    from PIL import Image

    pdf = _pdfs(rendered["a"], "key")[0]
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(image.histogram()[:200])  # pixels darker than light grey
    assert dark > 0.01 * image.width * image.height


def test_same_bytes_with_source_date_epoch_and_any_jobs(rendered):
    names = sorted(p.name for p in rendered["a"].glob("*.pdf"))
    assert len(names) == 4
    for name in names:
        assert (rendered["a"] / name).read_bytes() == (rendered["b"] / name).read_bytes()
    info = subprocess.run(["pdfinfo", str(rendered["a"] / names[0])], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"CreationDate:\s+Mon Dec  1 00:00:00 2025 UTC", info), info


def test_no_chinese_font_is_a_clear_error(monkeypatch, tmp_path):
    import quizgen.render.fonts as fonts

    monkeypatch.setattr(fonts, "cjk_faces", lambda: {})
    with pytest.raises(QuizgenError, match="no Chinese font is installed.*fonts-noto-cjk"):
        fonts.font_face_css(["<p>三次握手</p>"])
    spec = tmp_path / "exam.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    result = _run(["paper", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "fonts-noto-cjk" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_subset_fonts_are_small_and_cached(tmp_path):
    from quizgen.render.fonts import font_face_css

    css = font_face_css(["<p>三次握手 SYN=1</p>"], directory=tmp_path)
    files = sorted(tmp_path.glob("*.font"))
    assert len(files) == 2 and all(f.stat().st_size < 200_000 for f in files)
    stamp = [f.stat().st_mtime_ns for f in files]
    assert font_face_css(["<p>三次握手 SYN=1</p>"], directory=tmp_path) == css
    assert [f.stat().st_mtime_ns for f in sorted(tmp_path.glob("*.font"))] == stamp
