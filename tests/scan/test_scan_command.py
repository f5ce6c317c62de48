"""``quizgen scan`` end to end: a class set printed with ``quizgen paper --sheets``, filled in
from a known answer list, scanned as one shuffled PDF; the review loop; bad input."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from quizgen.grading.marks import grade_paper, response_keys
from quizgen.grading.outputs import marks_csv
from quizgen.paper import BankSource, class_set, load_roster, load_spec
from quizgen.sheets.layout import fingerprint, options_of, sheet_layout
from tests.scan import synth

SPEC = """title: TCP quiz (scanned)
course: Networks
lang: en
seed: 8080
answer_sheet: {numeric: digits}
sections:
  - {title: Handshake, topic: handshake, count: 4, points: 5}
  - {title: Teardown, topic: teardown, count: 4, points: 5}
"""


def quizgen(*args, cwd=None, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "quizgen", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def one_line_error(r):
    err = r.stderr.strip()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "\n" not in err and "Traceback" not in err and err.startswith("error: "), err
    return err


def pdf_of(images, path: Path, dpi: int = 200) -> None:
    from PIL import Image

    pages = [Image.fromarray(im).convert("L") for im in images]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=dpi)


def answer_list(spec, paper, rng):
    """A random answer a part (drawn from what the sheet offers), as the student means it:
    response key -> raw text, and which bubbles that is (key -> [(group, value)])."""
    layout = sheet_layout(paper, options_of(spec), fingerprint(spec))
    fields = {f.key: f for f in layout.fields()}
    responses, bubbles = {}, {}
    for rk in response_keys(paper):
        f = fields[rk.key]
        if rng.random() < 0.08:                 # left blank
            responses[rk.key] = None
            continue
        if f.kind == "digits":
            text = str(int(rng.integers(0, 2**32)) if rng.random() < 0.5 else
                       int(rng.integers(0, 10_000)))
            start = 10 - len(text)
            bubbles[rk.key] = [(start + k, d) for k, d in enumerate(text)]
        elif f.kind == "order":
            text = "".join(rng.permutation(list(rk.letters)))
            bubbles[rk.key] = list(enumerate(text))
        elif f.kind == "choice" and rk.multiple:
            picks = sorted(rng.choice(list(rk.letters), 2, replace=False))
            text = "".join(picks)
            bubbles[rk.key] = [(0, v) for v in picks]
        else:
            values = [b.value for b in f.groups[0]]
            text = str(rng.choice(values))
            bubbles[rk.key] = [(0, text)]
        responses[rk.key] = text
    return responses, bubbles


@pytest.fixture(scope="module")
def class_set_40(tmp_path_factory):
    """A folder with spec.yaml, a roster of 40 and the set printed with --sheets."""
    folder = tmp_path_factory.mktemp("class40")
    (folder / "spec.yaml").write_text(SPEC, encoding="utf-8")
    rows = ["student_id,name"] + [f"2026{n:03d},Student {n}" for n in range(1, 41)]
    (folder / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = quizgen("paper", "spec.yaml", "--roster", "roster.csv", "--sheets", "--format", "html",
                "--out", "printed", cwd=folder)
    assert r.returncode == 0, r.stderr
    return folder


def test_forty_students_filled_from_an_answer_list_scanned_shuffled_give_the_expected_marks(
        class_set_40):
    folder = class_set_40
    spec = load_spec(folder / "spec.yaml")
    roster = load_roster(folder / "roster.csv")
    rng = np.random.default_rng(40)
    images, expected = [], []
    for paper in class_set(spec, BankSource(), roster):
        sheet = folder / "printed" / f"{paper['student']['id']}-{paper['code']}-sheet.pdf"
        layout = sheet_layout(paper, options_of(spec), fingerprint(spec))
        responses, bubbles = answer_list(spec, paper, rng)
        marks = [synth.Mark(key, g, v, "full") for key, bs in bubbles.items() for g, v in bs]
        pages = synth.fill(synth.rasterise(sheet.read_bytes()), layout, marks, rng)
        for page in pages:
            images.append(synth.scan_like(page, rng, dpi=200, angle=float(rng.uniform(-4, 4)),
                                          upside_down=bool(rng.random() < 0.3), jpeg=80))
        graded = grade_paper(paper, responses)
        graded.student_id, graded.student_name = paper["student"]["id"], paper["student"]["name"]
        expected.append(graded)
    order = rng.permutation(len(images))
    pdf_of([images[i] for i in order], folder / "stack.pdf")
    r = quizgen("scan", "stack.pdf", "--spec", "spec.yaml", "--roster", "roster.csv",
                "--out", "scanned", "--no-pdfs", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "40 sheets graded, 0 waiting for review" in r.stdout, r.stdout
    expected.sort(key=lambda m: (m.student_id, m.code))
    got = (folder / "scanned" / "scan-marks.csv").read_bytes()
    assert got == marks_csv(expected, spec.lang)
    assert got.startswith(b"\xef\xbb\xbf")
    assert (folder / "scanned" / "scan-marks.xlsx").exists()
    totals = {m.total for m in expected}
    assert len(totals) > 5                         # the answers differ: the marks do too
    sheets = list(csv.DictReader(io.StringIO((folder / "scanned" / "scan-sheets.csv")
                                             .read_text(encoding="utf-8-sig"))))
    assert len(sheets) == len(images) and {s["status"] for s in sheets} == {"graded"}


def test_the_same_sheet_twice_another_exam_and_bad_files_are_flagged_and_nothing_is_lost(
        class_set_40, tmp_path):
    folder = class_set_40
    spec = load_spec(folder / "spec.yaml")
    roster = load_roster(folder / "roster.csv")
    papers = list(class_set(spec, BankSource(), roster))[:2]
    rng = np.random.default_rng(2)
    scans = []
    for paper in papers:         # each a sheet of two pages, unfilled: all blank answers
        sheet = folder / "printed" / f"{paper['student']['id']}-{paper['code']}-sheet.pdf"
        scans += [synth.scan_like(page, rng, dpi=200, angle=1.0)
                  for page in synth.rasterise(sheet.read_bytes())]
    # a sheet of another exam: the same spec with another seed
    other = tmp_path / "other.yaml"
    other.write_text(SPEC.replace("seed: 8080", "seed: 8081"), encoding="utf-8")
    r = quizgen("paper", other, "--sheets", "--format", "html", "--out", tmp_path / "other")
    assert r.returncode == 0, r.stderr
    foreign = next((tmp_path / "other").glob("*-sheet.pdf"))
    scans.append(synth.scan_like(synth.rasterise(foreign.read_bytes())[0], rng, dpi=200,
                                 angle=-1.0))
    scans.append(scans[0].copy())                        # p6: the same page as p1
    scans.append(np.full((2200, 1700), 255, np.uint8))             # a blank page
    noise = (rng.random((1500, 1100)) * 255).astype(np.uint8)       # an image of something else
    pdf_of(scans, tmp_path / "stack.pdf")
    import cv2

    cv2.imwrite(str(tmp_path / "noise.png"), noise)
    cv2.imwrite(str(tmp_path / "huge.png"), np.zeros((8000, 8000), np.uint8))   # 64 Mpx
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 10)
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    text_pdf = tmp_path / "text.pdf"
    from quizgen.render.pdf import html_to_pdf

    text_pdf.write_bytes(html_to_pdf("<p>Minutes of the staff meeting</p>"))
    r = quizgen("scan", "stack.pdf", "noise.png", "corrupt.pdf", "corrupt.jpg", "text.pdf",
                "huge.png",
                "--spec", folder / "spec.yaml", "--roster", folder / "roster.csv",
                "--out", "out", "--no-pdfs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    warnings = r.stderr.strip().splitlines()
    assert any("stack.pdf p5" in w and "another exam" in w for w in warnings), warnings
    assert any("stack.pdf p7" in w and "no answer sheet" in w for w in warnings), warnings
    assert any(w.startswith("warning: noise.png") for w in warnings), warnings
    assert any("corrupt.pdf" in w and "not a readable PDF" in w for w in warnings), warnings
    assert any("corrupt.jpg" in w for w in warnings), warnings
    assert any("text.pdf p1" in w and "no answer sheet" in w for w in warnings), warnings
    assert any("huge.png" in w and "60 megapixels" in w for w in warnings), warnings
    # one reading process or several: the same files, byte for byte
    r1 = quizgen("scan", "stack.pdf", "noise.png", "corrupt.pdf", "corrupt.jpg", "text.pdf",
                 "huge.png", "--spec", folder / "spec.yaml", "--roster", folder / "roster.csv",
                 "--out", "out1", "--no-pdfs", "--jobs", "1", cwd=tmp_path)
    assert r1.returncode == 0 and r1.stderr == r.stderr, r1.stderr
    for produced in (tmp_path / "out").iterdir():
        assert produced.read_bytes() == (tmp_path / "out1" / produced.name).read_bytes()
    # the second student's sheet is graded; the first waits: it was scanned twice
    assert "1 sheets graded, 1 waiting for review" in r.stdout, r.stdout
    marks = (tmp_path / "out" / "scan-marks.csv").read_text(encoding="utf-8-sig")
    assert papers[1]["code"] in marks and papers[0]["code"] not in marks
    review = list(csv.DictReader(io.StringIO((tmp_path / "out" / "scan-review.csv")
                                             .read_text(encoding="utf-8-sig"))))
    assert {row["item"] for row in review} == {"stack.pdf p1|duplicate", "stack.pdf p6|duplicate"}
    html = (tmp_path / "out" / "scan-review.html").read_text(encoding="utf-8")
    assert "stack.pdf p6|duplicate" in html
    # the teacher keeps one copy: both sheets graded
    for row in review:
        row["answer"] = "keep" if row["item"] == "stack.pdf p1|duplicate" else ""
    with open(tmp_path / "answered.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(review[0]))
        writer.writeheader()
        writer.writerows(review)
    r = quizgen("scan", "stack.pdf", "--spec", folder / "spec.yaml", "--roster",
                folder / "roster.csv", "--review", "answered.csv", "--out", "out", "--force",
                "--no-pdfs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 sheets graded, 0 waiting for review" in r.stdout, r.stdout


def test_scan_refuses_bad_arguments_in_one_line(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    err = one_line_error(quizgen("scan", "missing.pdf", "--spec", "spec.yaml", cwd=tmp_path))
    assert "missing.pdf" in err and "no such file" in err
    (tmp_path / "bad.yaml").write_text(SPEC.replace("numeric: digits", "numeric: roman"),
                                       encoding="utf-8")
    (tmp_path / "x.png").write_bytes(b"x")
    err = one_line_error(quizgen("scan", "x.png", "--spec", "bad.yaml", cwd=tmp_path))
    assert "bad.yaml:5: answer_sheet.numeric" in err
    (tmp_path / "review.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    err = one_line_error(quizgen("scan", "x.png", "--spec", "spec.yaml", "--review",
                                 "review.csv", cwd=tmp_path))
    assert "review.csv:1" in err


def test_a_pdf_of_too_many_pages_is_refused_before_any_work(tmp_path):
    import pypdfium2 as pdfium

    from quizgen.scan.run import MAX_PAGES

    doc = pdfium.PdfDocument.new()
    for _ in range(MAX_PAGES + 1):
        doc.new_page(595, 842)
    doc.save(str(tmp_path / "huge.pdf"))
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    err = one_line_error(quizgen("scan", "huge.pdf", "--spec", "spec.yaml", "--out", "out",
                                 cwd=tmp_path))
    assert f"{MAX_PAGES + 1:,} pages" in err and "at most" in err
    assert not (tmp_path / "out").exists()


ANONYMOUS = """title: 计算机网络 测验
lang: zh
seed: 9090
versions: 2
sections:
  - {title: 三次握手, topic: handshake, count: 4, points: 4}
  - {title: 连接释放, topic: teardown, count: 4, points: 4}
"""


def key_bubbles(paper, layout):
    """The bubbles a student with every answer right fills (from the paper's key)."""
    from quizgen.grading.marks import key_responses
    from quizgen.questions.names import normalise_state

    fields = {f.key: f for f in layout.fields()}
    out = {}
    for key, text in key_responses(paper).items():
        f = fields.get(key)
        if f is None:
            continue                                 # marked by hand: a score field instead
        if f.kind == "truefalse":
            out[key] = [(0, "t" if text == "y" else "f")]
        elif f.kind == "state":
            out[key] = [(0, normalise_state(text))]
        elif f.kind == "order":
            out[key] = list(enumerate(text))
        elif f.kind == "digits":
            out[key] = [(10 - len(text) + k, d) for k, d in enumerate(text)]
        elif f.kind == "choice":
            out[key] = [(0, letter) for letter in text]
        else:
            out[key] = [(0, text)]
    return out


def test_review_loop_two_marks_a_missing_score_and_an_anonymous_id(tmp_path):
    """An anonymous paper (id grid) with hand-marked parts: the first run reads what it can
    and lists what it will not call; the teacher's answers in the review CSV make the marks
    final, and they are what the sheet and the answers say."""
    (tmp_path / "spec.yaml").write_text(ANONYMOUS, encoding="utf-8")
    r = quizgen("paper", "spec.yaml", "--sheets", "--format", "html", "--out", "printed",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    spec = load_spec(tmp_path / "spec.yaml")
    paper = next(iter(class_set(spec, BankSource())))
    layout = sheet_layout(paper, options_of(spec), fingerprint(spec))
    assert len(layout.pages) == 1
    fields = layout.fields()
    scores = [f for f in fields if f.kind == "score"]
    choices = [f for f in fields if f.kind == "choice"]
    assert len(scores) >= 2 and choices, [f.kind for f in fields]
    bubbles = key_bubbles(paper, layout)
    marks = [synth.Mark(k, g, v, "full") for k, bs in bubbles.items() for g, v in bs]
    marks += [synth.Mark("id", k, d, "full") for k, d in enumerate("2026007")]
    full = scores[0].groups[0][-1].value             # full points for the first
    marks.append(synth.Mark(scores[0].key, 0, full, "full"))
    for f in scores[2:]:
        marks.append(synth.Mark(f.key, 0, "0", "full"))  # nothing for the others
    # scores[1] left without a score; the first choice gets a second mark
    wrong = next(b.value for b in choices[0].groups[0] if (0, b.value) not in
                 bubbles[choices[0].key])
    marks.append(synth.Mark(choices[0].key, 0, wrong, "full"))
    rng = np.random.default_rng(9)
    sheet_pdf = next((tmp_path / "printed").glob(f"{paper['code']}-sheet.pdf"))
    page = synth.fill(synth.rasterise(sheet_pdf.read_bytes()), layout, marks, rng)[0]
    import cv2

    cv2.imwrite(str(tmp_path / "photo.jpg"), synth.photo_like(page, rng))
    r = quizgen("scan", "photo.jpg", "--spec", "spec.yaml", "--out", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 sheets graded, 1 waiting for review" in r.stdout, r.stdout
    assert not (tmp_path / "out" / "scan-marks.csv").exists()   # not final: not written
    review = list(csv.DictReader(io.StringIO((tmp_path / "out" / "scan-review.csv")
                                             .read_text(encoding="utf-8-sig"))))
    by_item = {row["item"]: row for row in review}
    assert set(by_item) == {f"photo.jpg|{choices[0].key}", f"photo.jpg|{scores[1].key}"}
    assert "two or more marks" in by_item[f"photo.jpg|{choices[0].key}"]["problem"]
    assert "no score" in by_item[f"photo.jpg|{scores[1].key}"]["problem"]
    assert "data:image/png;base64," in (tmp_path / "out" / "scan-review.html").read_text(
        encoding="utf-8")
    # the teacher decides: the right letter was meant; half a point for the unscored part
    right = "".join(v for _, v in bubbles[choices[0].key])
    by_item[f"photo.jpg|{choices[0].key}"]["answer"] = right
    by_item[f"photo.jpg|{scores[1].key}"]["answer"] = "0.5"
    with open(tmp_path / "answered.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(review[0]))
        writer.writeheader()
        writer.writerows(by_item.values())
    r = quizgen("scan", "photo.jpg", "--spec", "spec.yaml", "--review", "answered.csv",
                "--out", "out", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 sheets graded, 0 waiting for review" in r.stdout, r.stdout
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "scan-marks.csv")
                                       .read_text(encoding="utf-8-sig"))))
    assert rows[1][0] == "2026007" and rows[1][2] == paper["code"]
    keys = {rk.key: rk for rk in response_keys(paper)}
    lost = sum(keys[f.key.removesuffix("#score")].points for f in scores[2:])
    lost += keys[scores[1].key.removesuffix("#score")].points - 0.5
    expected_total = sum(rk.points for rk in keys.values()) - lost
    assert float(rows[1][-1]) == pytest.approx(expected_total)
    pdfs = list((tmp_path / "out").glob("*-result.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")


def test_an_unreadable_code_waits_for_the_code_and_a_wrong_review_answer_is_one_line(tmp_path):
    (tmp_path / "spec.yaml").write_text(ANONYMOUS, encoding="utf-8")
    spec = load_spec(tmp_path / "spec.yaml")
    r = quizgen("paper", "spec.yaml", "--sheets", "--format", "html", "--out", "printed",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    paper = next(iter(class_set(spec, BankSource())))
    layout = sheet_layout(paper, options_of(spec), fingerprint(spec))
    bubbles = key_bubbles(paper, layout)
    marks = [synth.Mark(k, g, v, "full") for k, bs in bubbles.items() for g, v in bs]
    marks += [synth.Mark("id", k, d, "full") for k, d in enumerate("31")]
    marks += [synth.Mark(f.key, 0, f.groups[0][-1].value, "full") for f in layout.fields()
              if f.kind == "score"]
    rng = np.random.default_rng(11)
    sheet_pdf = next((tmp_path / "printed").glob(f"{paper['code']}-sheet.pdf"))
    page = synth.fill(synth.rasterise(sheet_pdf.read_bytes()), layout, marks, rng)[0]
    qx, qy, qs = (round(v * synth.RENDER_DPI / 25.4) for v in layout.pages[0].qr)
    page[qy + qs // 3:qy + qs // 2, qx:qx + qs] = 0            # a stroke of ink across the QR
    import cv2

    cv2.imwrite(str(tmp_path / "scan.png"), synth.scan_like(page, rng, dpi=200, angle=-2.0,
                                                            upside_down=True))
    r = quizgen("scan", "scan.png", "--spec", "spec.yaml", "--out", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 sheets graded" in r.stdout and "1 items to review" in r.stdout, r.stdout
    review = (tmp_path / "out" / "scan-review.csv").read_text(encoding="utf-8-sig")
    assert "scan.png|code" in review and "cannot be read" in review
    (tmp_path / "answered.csv").write_text(review.replace("\r\n", "\n").strip() +
                                           paper["code"] + "\n", encoding="utf-8")
    for out in ("out", "again"):             # twice: the same bytes, the student's PDF too
        r = quizgen("scan", "scan.png", "--spec", "spec.yaml", "--review", "answered.csv",
                    "--out", out, "--force", cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1"})
        assert r.returncode == 0, r.stderr
        assert "1 sheets graded, 0 waiting" in r.stdout, r.stdout
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "31-" + paper["code"] + "-result.pdf" in names
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name
                                                          ).read_bytes(), name
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "scan-marks.csv")
                                       .read_text(encoding="utf-8-sig"))))
    assert rows[1][0] == "31" and float(rows[1][-1]) == sum(
        rk.points for rk in response_keys(paper))              # every answer right
    # an answer that is no paper code is one line naming the item
    (tmp_path / "bad.csv").write_text(review.replace("\r\n", "\n").strip() + "NOPE!\n",
                                      encoding="utf-8")
    err = one_line_error(quizgen("scan", "scan.png", "--spec", "spec.yaml", "--review",
                                 "bad.csv", "--out", "out2", cwd=tmp_path))
    assert "scan.png|code" in err and not (tmp_path / "out2").exists()
