"""Every Word and Excel file quizgen writes is valid Office Open XML, as a validator nobody
here wrote reads it: openxml-audit, a port of the Open XML SDK's validator (ECMA-376 schemas,
then the SDK's semantic and package checks, and the Word/Excel app-compat rules that predict
a "Word found unreadable content" repair). The documents: the paper and key in each school
layout, an English paper, a roster paper with the key appended, the review report, and the
question bank for Chinese platforms as Word (with its diagrams) and as Excel.

A corrupted copy of a paper must fail the same check, so a validator that passed anything
would fail this test.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openxml_audit import FileFormat, OpenXmlValidator

from quizgen.commands.cnexport import _diagram_png
from quizgen.export.cn_bank import bank_docx, bank_xlsx
from quizgen.paper.assemble import BankSource, class_set, version_papers
from quizgen.paper.review import review
from quizgen.paper.spec import Student, parse_spec
from quizgen.questions import generate_question, load_banks
from quizgen.render.docx import key_docx, paper_docx
from quizgen.render.review import review_docx
from tests.paper.test_review import _spec as review_spec_text
from tests.render.test_docx import _spec

#: The oldest Word the papers are for, and the newest: a part valid for one may not be for
#: the other (the validator's schemas differ by version).
FORMATS = (FileFormat.OFFICE_2007, FileFormat.MICROSOFT_365)


def _documents() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for layout in ("plain", "sealed", "a3"):
        paper = list(class_set(parse_spec(_spec(layout), "exam.yaml"), BankSource()))[0]
        out[f"{layout}-paper.docx"] = paper_docx(paper)
        out[f"{layout}-key.docx"] = key_docx(paper)
    english = parse_spec(_spec("plain", lang="en").replace("versions: 2\n", ""), "exam.yaml")
    paper = list(class_set(english, BankSource()))[0]
    out["english-paper.docx"] = paper_docx(paper)
    spec = parse_spec(_spec("sealed").replace("versions: 2\n", ""), "exam.yaml")
    roster = [Student("2026001", "张三"), Student("2026002", "李四")]
    paper = list(class_set(spec, BankSource(), roster))[1]
    out["roster-paper-with-key.docx"] = paper_docx(paper, key_appended=True)
    review_spec = parse_spec(review_spec_text(3), "exam.yaml")
    out["review.docx"] = review_docx(review(review_spec, version_papers(review_spec,
                                                                        BankSource())))
    questions = [generate_question(e, 7, "zh") for e in load_banks(None)][:40]
    out["bank.docx"] = bank_docx(questions, title="TCP 连接管理题库", diagram_png=_diagram_png)
    out["bank.xlsx"] = bank_xlsx(questions)[0]
    # the marks of a class (quizgen grade / scan): Marks, Summary and Responses sheets
    from quizgen.grading.marks import grade_paper, key_responses
    from quizgen.grading.outputs import marks_xlsx

    papers = list(class_set(spec, BankSource(), roster))
    marks = [grade_paper(p, key_responses(p) if k == 0 else {}, "zh") for k, p in enumerate(papers)]
    out["marks.xlsx"] = marks_xlsx(marks, "zh", "期末考试")
    # the online exam's grades (quizgen exam: the teacher's xlsx download)
    from quizgen.exam.grades import GradeRow, grades_xlsx

    out["exam-grades.xlsx"] = grades_xlsx(
        [GradeRow("2026001", "张三", "K7Q2ZD", 37.5, 40.0, 1767225600.0),
         GradeRow("2026002", "李四", "Q2ZD7K", None, None, None)], "zh", "期末考试")
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ooxml")
    paths = {}
    for name, data in _documents().items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def _findings(path: Path, file_format: FileFormat) -> list[str]:
    result = OpenXmlValidator(file_format=file_format, max_errors=0).validate(path)
    return [f"{e.part_uri} {e.path} {e.description}" for e in result.errors]


@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.name.lower())
def test_every_office_file_is_valid_ooxml(files, file_format):
    found = {name: _findings(path, file_format) for name, path in files.items()}
    assert {name: f for name, f in found.items() if f} == {}
    assert len(found) == 13


def test_the_validator_catches_a_broken_paper(files, tmp_path):
    """The same paper with an unknown element and a value outside its enumeration."""
    src = zipfile.ZipFile(files["sealed-paper.docx"])
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b'<w:body><w:p><w:pPr><w:jc w:val="sideways"/>'
                                    b"<w:bogus/></w:pPr></w:p>", 1)
            out.writestr(info, data)
    found = " | ".join(_findings(broken, FileFormat.OFFICE_2007))
    assert "bogus" in found and "sideways" in found


def test_no_stale_copy_of_the_styles(files):
    """python-docx's template carries Word 2010's stylesWithEffects.xml, a copy of the styles
    as they were before quizgen changed them; Word repairs a file whose two copies differ."""
    for name, path in files.items():
        if name.endswith(".docx"):
            names = zipfile.ZipFile(io.BytesIO(path.read_bytes())).namelist()
            assert "word/stylesWithEffects.xml" not in names, name
