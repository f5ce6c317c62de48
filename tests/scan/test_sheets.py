"""Answer sheets: the layout is data that depends only on the paper and the spec's options;
every gradable part has its field; nothing overlaps; ``quizgen paper --sheets`` writes them."""

import itertools
import subprocess
import sys

import pytest

from quizgen.errors import QuizgenError
from quizgen.grading.marks import response_keys
from quizgen.paper import BankSource, class_set, load_roster, parse_spec
from quizgen.sheets.layout import (BUBBLE_R, MARKER, PAGE_SIZES, SheetOptions, fingerprint,
                                   options_of, parse_payload, qr_payload, sheet_layout)
from quizgen.sheets.render import sheet_html

SPEC = """title: Sheets
lang: en
seed: 515
answer_sheet: {paper: Letter, numeric: digits}
sections:
  - {title: A, topic: handshake, count: 5, points: 4}
  - {title: B, topic: teardown, count: 5, points: 4}
  - {title: C, topic: lifecycle, count: 3, points: 2}
"""


def papers(text=SPEC, roster=None):
    spec = parse_spec(text)
    return spec, list(class_set(spec, BankSource(), roster))


@pytest.mark.parametrize("numeric", ["digits", "write"])
def test_every_gradable_part_has_one_field_in_paper_order_and_nothing_overlaps(numeric):
    spec, (paper,) = papers()
    layout = sheet_layout(paper, SheetOptions("Letter", numeric), fingerprint(spec))
    width, height = PAGE_SIZES["Letter"]
    keys = [f.key.removesuffix("#score") for f in layout.fields() if f.kind != "id"]
    assert keys == [rk.key for rk in response_keys(paper)]
    kinds = {f.kind for f in layout.fields()}
    assert ("digits" in kinds) == (numeric == "digits") and "order" in kinds
    assert ("score" in kinds) == (numeric == "write")
    for page in layout.pages:
        bubbles = [b for f in page.fields for g in f.groups for b in g]
        for b in bubbles:
            assert 15 < b.x < width - 15 and 20 < b.y < height - 18, b
            qx, qy, qs = page.qr
            assert not (qx - 3 < b.x < qx + qs + 3 and qy - 3 < b.y < qy + qs + 3)
        for a, b in itertools.combinations(bubbles, 2):
            assert (a.x - b.x) ** 2 + (a.y - b.y) ** 2 >= (2 * BUBBLE_R + 0.8) ** 2, (a, b)
        assert len(page.markers) == 4 and all(MARKER < x < width for x, _ in page.markers)
    assert len(layout.pages) > 1 and [p.number for p in layout.pages] == list(
        range(1, len(layout.pages) + 1))
    assert sum(f.kind == "id" for f in layout.fields()) == len(layout.pages)   # anonymous


def test_the_layout_depends_on_the_paper_and_options_only(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("student_id,name\n7,A\n8," + "Maximilian " * 6 + "\n", encoding="utf-8")
    spec, (a, b) = papers(SPEC.replace("seed: 515", "seed: 515\nversions: 1"),
                          load_roster(roster))
    assert a["code"] == b["code"]                  # one version: the same questions
    la = sheet_layout(a, options_of(spec), fingerprint(spec))
    lb = sheet_layout(b, options_of(spec), fingerprint(spec))
    assert [f for f in la.fields()] == [f for f in lb.fields()]   # a long name moves nothing
    assert sheet_html(la) == sheet_html(sheet_layout(a, options_of(spec), fingerprint(spec)))
    assert sheet_html(la) != sheet_html(lb)        # but each sheet prints its own student
    assert la.pages[0].payload.endswith("/7") and lb.pages[0].payload.endswith("/8")


def test_qr_payload_round_trip_and_junk_refused():
    text = qr_payload("B4P6ZF", 2, 3, "K3TZ", "学号 7/8")
    got = parse_payload(text)
    assert (got.code, got.page, got.pages, got.exam, got.student_id) == (
        "B4P6ZF", 2, 3, "K3TZ", "学号 7/8")
    for junk in ("", "hello", "QG1/B4P6ZF/3/2/K3TZ", "QG1/NOTACODE!/1/1/K3TZ",
                 "QG2/B4P6ZF/1/1/K3TZ", "QG1/B4P6ZF/x/1/K3TZ"):
        assert parse_payload(junk) is None, junk


def test_another_exam_has_another_fingerprint():
    a = parse_spec(SPEC)
    assert fingerprint(a) != fingerprint(parse_spec(SPEC.replace("seed: 515", "seed: 516")))
    assert fingerprint(a) != fingerprint(parse_spec(SPEC.replace("title: Sheets", "title: X")))


@pytest.mark.parametrize("bad,where", [
    ("answer_sheet: {paper: A3}", "answer_sheet.paper"),
    ("answer_sheet: {numeric: roman}", "answer_sheet.numeric"),
    ("answer_sheet: {colour: red}", "answer_sheet.colour"),
    ("answer_sheet: digits", "answer_sheet"),
])
def test_answer_sheet_spec_errors_name_the_line_and_field(bad, where):
    text = SPEC.replace("answer_sheet: {paper: Letter, numeric: digits}", bad)
    with pytest.raises(QuizgenError) as err:
        parse_spec(text, "exam.yaml")
    assert str(err.value).startswith(f"exam.yaml:4: {where}:"), str(err.value)


def test_paper_sheets_writes_a_pdf_sheet_per_paper_staged_with_the_set(tmp_path):
    import pypdfium2 as pdfium
    import zxingcpp

    (tmp_path / "spec.yaml").write_text(SPEC.replace("  - {title: C, topic: lifecycle, "
                                                     "count: 3, points: 2}\n", ""),
                                        encoding="utf-8")
    (tmp_path / "r.csv").write_text("student_id,name\n1,Ann\n2,Bo\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "quizgen", "paper", "spec.yaml", "--roster",
                        "r.csv", "--sheets", "--format", "html", "--out", "out"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sheets = sorted((tmp_path / "out").glob("*-sheet.pdf"))
    assert len(sheets) == 2 and not list((tmp_path / "out").glob("*-sheet.html"))
    manifest = (tmp_path / "out" / "spec-r.sha256").read_text()
    assert all(s.name in manifest for s in sheets)
    doc = pdfium.PdfDocument(str(sheets[0]))
    w, h = doc[0].get_size()
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (216, 279)       # Letter
    image = doc[0].render(scale=150 / 72, grayscale=True).to_numpy()
    found = zxingcpp.read_barcodes(image)
    payload = parse_payload(found[0].text)
    code = sheets[0].name.split("-")[1]
    assert payload.code == code and payload.student_id == "1" and payload.page == 1
    # a second run refuses to overwrite, naming the file, as for the papers
    r = subprocess.run([sys.executable, "-m", "quizgen", "paper", "spec.yaml", "--roster",
                        "r.csv", "--sheets", "--format", "html", "--out", "out"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "already exists" in r.stderr
