"""Word papers and keys, checked with tools nobody here wrote: LibreOffice (headless) converts
each layout's DOCX to PDF, poppler reads its text back (the questions, the Chinese, the key's
values; the page counts) and draws its first page (not blank); python-docx reads the package
back (East Asian fonts, table widths, alt text, page set-up); the package's parts, content
types and relationships are consistent. Golden files pin each layout's document and header.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from quizgen.paper.assemble import BankSource, build_paper, class_set
from quizgen.paper.spec import parse_spec
from quizgen.questions.data import key_text
from quizgen.render.docx import docx_documents, key_docx, paper_docx
from tests.golden import assert_golden
from tests.render.support import FixtureSource, zh_questions

GOLDEN = Path(__file__).resolve().parent / "golden"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ACK = 3141592653                    # an answer found nowhere else on the page

SPEC = """\
title: 计算机网络 期末考试
course: 计算机网络（2026 秋）
date: 2026-12-01
seed: 4242
versions: 2
layout: {layout}
exam_time: 120
instructions: |
  所有序号按模 2^32 计算。
sections:
  - title: 三次握手
    ids: [hs-2-fill, hs-state-b-syn, choice-synack, tf-syn-consumes]
    points: 5
  - title: 连接释放
    ids: [ladder-teardown, td-order-teardown, compute-u]
    points: 6
"""


def _spec(layout: str, **extra) -> str:
    text = SPEC.format(layout=layout)
    for key, value in extra.items():
        text = text.replace("sections:", f"{key}: {value}\nsections:", 1)
    return text


def _paper(layout: str, version: int = 1, **extra) -> dict:
    spec = parse_spec(_spec(layout, **extra), "exam.yaml")
    return [p for p in class_set(spec, BankSource())][version - 1]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _plain(html: str) -> str:
    from html import unescape
    return _flat(unescape(re.sub(r"<[^>]*>", "", html)))


@pytest.fixture(scope="module", autouse=True)
def _epoch():
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1767225600"     # 2026-01-01
    yield
    if old is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="module")
def papers():
    return {layout: _paper(layout) for layout in ("plain", "sealed", "a3")}


@pytest.fixture(scope="module")
def documents(papers):
    out = {}
    for layout, paper in papers.items():
        out[f"{layout}-paper"] = paper_docx(paper)
        out[f"{layout}-key"] = key_docx(paper)
    return out


@pytest.fixture(scope="module")
def converted(documents, tmp_path_factory):
    """Every document through LibreOffice in one run: name -> (PDF path, text)."""
    if not SOFFICE:
        if os.environ.get("CI"):
            raise RuntimeError("the DOCX tests need LibreOffice (scripts/bootstrap --test)")
        pytest.skip("LibreOffice is not installed (scripts/bootstrap --test installs it)")
    folder = tmp_path_factory.mktemp("lo")
    names = []
    for name, data in documents.items():
        (folder / f"{name}.docx").write_bytes(data)
        names.append(f"{name}.docx")
    profile = folder / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *names], cwd=folder,
                   check=True, capture_output=True, timeout=300)
    out = {}
    for name in documents:
        pdf = folder / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice made no PDF of {name}"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        out[name] = (pdf, text)
    return out


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


# --------------------------------------------------------------------------- LibreOffice
#: The page counts LibreOffice 7.4 gives these papers (Noto CJK standing in for 宋体/黑体).
PAGES = {"plain-paper": 2, "plain-key": 3, "sealed-paper": 2, "sealed-key": 3,
         "a3-paper": 1, "a3-key": 2}


def test_libreoffice_page_counts(converted):
    got = {name: _pages(pdf) for name, (pdf, _) in converted.items()}
    assert got == PAGES


@pytest.mark.parametrize("layout", ["plain", "sealed", "a3"])
def test_libreoffice_text_has_every_question_and_the_keys_values(converted, papers, layout):
    paper = papers[layout]
    paper_text = _flat(converted[f"{layout}-paper"][1])
    key_text_ = _flat(converted[f"{layout}-key"][1])
    assert "三次握手" in paper_text and "连接释放" in paper_text        # Chinese read back
    assert "满分：" in paper_text and "考试时间：120分钟" in paper_text
    number = 0
    for section in paper["sections"]:
        for q in section["questions"]:
            number += 1
            assert f"{number}．" in paper_text
            start = _plain(q["prompt"])[:12]
            assert start in paper_text, (q["id"], start)
            for part in q["parts"]:
                assert _flat(key_text(part, "zh")) in key_text_, (q["id"], part["id"])
    assert "【评分标准】" in key_text_ and "【解析】" in key_text_
    if layout != "plain":
        assert "密封线内不要答题" in paper_text
        assert "评卷人" in paper_text
        for word in ("学院", "班级", "姓名", "学号"):
            assert word in paper_text


def test_the_key_value_is_in_the_key_only(tmp_path):
    questions = zh_questions()
    for q in questions:
        for part in q["parts"]:
            if (q["id"], part["id"]) == ("s-fill", "ack"):
                part["answer"], part["answer_text"] = ACK, str(ACK)
    spec = parse_spec("title: 测验\nseed: 3\nsections:\n  - {title: 填空, ids: [s-fill]}\n")
    paper = build_paper(spec, "ABCDEF", FixtureSource(questions))
    assert str(ACK).encode() not in zipfile.ZipFile(io.BytesIO(paper_docx(paper))).read(
        "word/document.xml")
    assert str(ACK).encode() in zipfile.ZipFile(io.BytesIO(key_docx(paper))).read(
        "word/document.xml")


def test_libreoffice_first_pages_are_not_blank(converted, tmp_path):
    from PIL import Image

    for name, (pdf, _) in converted.items():
        subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(pdf),
                        str(tmp_path / name)], check=True)
        png = next(tmp_path.glob(f"{name}*.png"))
        image = Image.open(png).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 0.01 * image.width * image.height, name


# ------------------------------------------------------------------------- python-docx
def _doc(data: bytes):
    import docx
    return docx.Document(io.BytesIO(data))


def _fonts(style) -> dict[str, str]:
    fonts = style.element.rPr.find(f"{W}rFonts")
    return {k.split("}")[1]: v for k, v in fonts.attrib.items()}


def test_east_asian_fonts_are_named(documents):
    doc = _doc(documents["plain-paper"])
    assert _fonts(doc.styles["Normal"])["eastAsia"] == "宋体"
    assert _fonts(doc.styles["QG Section"])["eastAsia"] == "黑体"
    assert _fonts(doc.styles["QG Title"])["eastAsia"] == "黑体"
    defaults = doc.styles.element.find(f"{W}docDefaults")
    rfonts = defaults.find(f".//{W}rFonts")
    assert rfonts.get(f"{W}eastAsia") == "宋体"
    assert rfonts.get(f"{W}eastAsiaTheme") is None        # no theme font overrides it


def test_the_specs_fonts_and_margins():
    paper = _paper("plain", fonts="{body: 仿宋, heading: 楷体}",
                   margins="{left: 25, right: 20, top: 30, bottom: 25}")
    doc = _doc(paper_docx(paper))
    assert _fonts(doc.styles["Normal"])["eastAsia"] == "仿宋"
    assert _fonts(doc.styles["QG Section"])["eastAsia"] == "楷体"
    section = doc.sections[0]
    assert round(section.left_margin.mm) == 25 and round(section.top_margin.mm) == 30


def test_tables_have_explicit_widths_everywhere(documents):
    for name, data in documents.items():
        doc = _doc(data)
        assert doc.tables, name
        for table in doc.tables:
            tbl = table._tbl
            assert tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
            width = int(tbl.tblPr.find(f"{W}tblW").get(f"{W}w"))
            grid = [int(c.get(f"{W}w")) for c in tbl.tblGrid.findall(f"{W}gridCol")]
            assert grid and all(g > 0 for g in grid)
            assert abs(sum(grid) - width) <= len(grid)
            for row in table.rows:
                for tc in row._tr.tc_lst:
                    assert tc.tcPr.find(f"{W}tcW").get(f"{W}type") == "dxa"


def test_pages_layouts_and_alt_text(documents):
    a3 = _doc(documents["a3-paper"])
    section = a3.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (420, 297)
    assert section._sectPr.find(f"{W}cols").get(f"{W}num") == "2"
    plain = _doc(documents["plain-paper"])
    assert (round(plain.sections[0].page_width.mm), round(plain.sections[0].page_height.mm)) \
        == (210, 297)
    for name in ("plain-paper", "plain-key"):
        descr = [p.get("descr") for p in etree.fromstring(zipfile.ZipFile(io.BytesIO(
            documents[name])).read("word/document.xml")).iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
        assert descr and all(d and d.startswith("时序图") for d in descr), name
    header = zipfile.ZipFile(io.BytesIO(documents["sealed-paper"])).read("word/header1.xml")
    assert "密封线内不要答题".encode() in header and "学院".encode() in header


def test_the_diagram_is_a_print_resolution_png(documents):
    from PIL import Image

    z = zipfile.ZipFile(io.BytesIO(documents["plain-paper"]))
    media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert media and all(n.endswith(".png") for n in media)
    image = Image.open(io.BytesIO(z.read(media[0])))
    assert image.width >= 1700                     # 150 mm at 300 dpi


# ----------------------------------------------------------------------- the package
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def check_package(data: bytes) -> None:
    """Every part has a content type, every XML part parses, every internal relationship
    points at a part, and the main document is where the package says."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    types = etree.fromstring(z.read("[Content_Types].xml"))
    defaults = {d.get("Extension").lower() for d in types.iter(f"{CT}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{CT}Override")}
    for name in names - {"[Content_Types].xml"}:
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    for name in overrides:
        assert name in names, f"content type for missing part {name}"
    for name in names:
        if name.endswith((".xml", ".rels")):
            etree.fromstring(z.read(name))
        if name.endswith(".rels"):
            base = name.replace("_rels/", "").removesuffix(".rels")
            folder = base.rsplit("/", 1)[0] if "/" in base else ""
            for rel in etree.fromstring(z.read(name)).iter(f"{REL}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                path = target.lstrip("/") if target.startswith("/") else \
                    os.path.normpath(f"{folder}/{target}" if folder else target)
                assert path in names, f"{name}: {target}"
    assert "word/document.xml" in names and "docProps/thumbnail.jpeg" not in names


def test_packages_are_consistent(documents):
    for data in documents.values():
        check_package(data)


def test_same_paper_same_bytes_and_dates_from_source_date_epoch(papers):
    a, b = paper_docx(papers["sealed"]), paper_docx(papers["sealed"])
    assert a == b
    core = zipfile.ZipFile(io.BytesIO(a)).read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(a)).infolist())


def test_version_labels_and_file_names():
    spec = parse_spec(_spec("plain"), "exam.yaml")
    papers = list(class_set(spec, BankSource()))
    assert [p["version_label"] for p in papers] == ["A卷", "B卷"]
    docs = docx_documents(papers, False)
    assert [n for n, _ in docs] == [f"{papers[0]['code']}-paper", f"{papers[0]['code']}-key",
                                    f"{papers[1]['code']}-paper", f"{papers[1]['code']}-key"]
    text = zipfile.ZipFile(io.BytesIO(docs[2][1])).read("word/document.xml").decode()
    assert "B卷" in text


@pytest.mark.parametrize("layout", ["plain", "sealed", "a3"])
def test_golden_documents(documents, layout):
    for kind in ("paper", "key"):
        z = zipfile.ZipFile(io.BytesIO(documents[f"{layout}-{kind}"]))
        assert_golden(GOLDEN / f"docx-{layout}-{kind}.document.xml", z.read("word/document.xml"))
        assert_golden(GOLDEN / f"docx-{layout}-{kind}.header.xml", z.read("word/header1.xml"))
