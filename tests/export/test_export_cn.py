"""The question bank for Chinese platforms: the Word file parsed back line by line as an
importer reads the ``1、【单选题】…`` convention, the Excel sheet read back with openpyxl, every
answer checked against the question data, the command's one-line errors, same bytes."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.export.cn_bank import HEADER, bank_docx, bank_xlsx, item
from quizgen.questions import generate_question, load_banks
from quizgen.questions.data import key_letters, key_text

ITEM = re.compile(r"^(\d+)、【(单选题|多选题|判断题|填空题|排序题|简答题)】(.*)$")


@pytest.fixture(scope="module")
def questions():
    return [generate_question(e, 7, "zh") for e in load_banks(None)]


def parse_word(data: bytes) -> list[dict]:
    """An importer's reading of the Word convention: a numbered 【type】 line opens a question;
    ``A. `` lines are options; 答案：, 解析：, 难易程度：, 知识点： lines close it."""
    import docx

    out: list[dict] = []
    current = None
    field = None
    for para in docx.Document(io.BytesIO(data)).paragraphs:
        text = para.text
        match = ITEM.match(text)
        if match:
            current = {"n": int(match.group(1)), "type": match.group(2),
                       "stem": [match.group(3)], "options": [], "images":
                       len(para._p.findall(".//{http://schemas.openxmlformats.org/"
                                           "drawingml/2006/picture}pic"))}
            out.append(current)
            field = "stem"
            continue
        if current is None or not text:
            if current is not None and para._p.findall(
                    ".//{http://schemas.openxmlformats.org/drawingml/2006/picture}pic"):
                current["images"] += 1
            continue
        for key, label in (("answer", "答案："), ("explanation", "解析："),
                           ("level", "难易程度："), ("topic", "知识点：")):
            if text.startswith(label):
                current[key] = text[len(label):]
                field = key
                break
        else:
            if re.match(r"^[A-Z]\. ", text) and field in ("stem", "options"):
                current["options"].append(text)
                field = "options"
            elif field == "stem":
                current["stem"].append(text)
            elif field == "explanation":
                current["explanation"] += "\n" + text
    return out


def _expected_answer(q: dict) -> str:
    kinds = [p["kind"] for p in q["parts"]]
    if kinds == ["choice"]:
        return key_letters(q["parts"][0]).replace(", ", "")
    if kinds == ["order"]:
        return key_letters(q["parts"][0]).replace(" → ", "")
    if kinds == ["truefalse"]:
        return "正确" if q["parts"][0]["answer"] else "错误"
    return None  # fill: checked blank by blank


def test_word_reads_back_as_the_importers_read_it(questions):
    items = parse_word(bank_docx(questions, diagram_png=lambda q: _PNG))
    assert [i["n"] for i in items] == list(range(1, len(questions) + 1))
    for q, got in zip(questions, items):
        want = _expected_answer(q)
        kinds = {p["kind"] for p in q["parts"]}
        if want is not None:
            assert got["answer"] == want, q["qid"]
        else:
            answers = got["answer"].split("；")
            assert sorted(answers) == sorted(key_text(p, "zh") for p in q["parts"]), q["qid"]
            stem = "\n".join(got["stem"])
            assert stem.count("______") == len(q["parts"]), q["qid"]
        if kinds == {"choice"}:
            assert got["type"] == ("多选题" if q["parts"][0].get("multiple") else "单选题")
            assert len(got["options"]) == len(q["parts"][0]["choices"])
        assert got["level"] == {1: "易", 2: "中", 3: "难"}[q["difficulty"]]
        assert got["topic"]
        assert got["images"] == (1 if q.get("diagram") else 0), q["qid"]
        assert "<" not in "".join(got["stem"])        # no HTML left


def test_fill_answers_follow_the_blanks_order(questions):
    q = next(q for q in questions if q["id"] == "hs-2-fill")
    it = item(q)
    from quizgen.questions.markup import BLANK_RE

    order = BLANK_RE.findall(q["prompt"])
    parts = {p["id"]: p for p in q["parts"]}
    assert it["answer"] == "；".join(key_text(parts[i], "zh") for i in order)
    assert "SYN=" in it["stem"] and "______" in it["stem"]


def test_excel_has_the_common_columns_and_exact_numbers(questions):
    import openpyxl

    data, skipped = bank_xlsx(questions)
    assert skipped == sum(1 for q in questions if q.get("diagram"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    kept = [q for q in questions if not q.get("diagram")]
    assert len(rows) - 1 == len(kept)
    for q, row in zip(kept, rows[1:]):
        assert all(isinstance(v, str) for v in row if v is not None)
        want = _expected_answer(q)
        if want is not None:
            assert row[3] == want
        else:
            assert sorted(row[3].split("；")) == sorted(key_text(p, "zh") for p in q["parts"])
    big = [r for r in rows[1:] if re.search(r"\d{10}", r[3] or "")]
    assert big, "some answer should be a 10-digit sequence number, kept as text"


def test_same_questions_same_bytes(questions, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a, b = bank_xlsx(questions[:10])[0], bank_xlsx(questions[:10])[0]
    assert a == b
    core = zipfile.ZipFile(io.BytesIO(a)).read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core and "created" in core
    assert bank_docx(questions[:10]) == bank_docx(questions[:10])


def test_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "bank.docx"
    result = runner.invoke(cli, ["export-cn", "--format", "word", "--ids",
                                 "hs-2-fill,choice-synack", "--variants", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 4 questions" in result.output
    assert len(parse_word(out.read_bytes())) == 4
    again = runner.invoke(cli, ["export-cn", "--format", "word", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    wrong = runner.invoke(cli, ["export-cn", "--format", "excel", "--out", str(tmp_path / "x.docx")])
    assert wrong.exit_code == 2 and len(wrong.output.strip().splitlines()) == 1
    assert "Traceback" not in wrong.output
    xlsx = tmp_path / "bank.xlsx"
    result = runner.invoke(cli, ["export-cn", "--format", "excel", "--out", str(xlsx)])
    assert result.exit_code == 0 and "left out" in result.output


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, "PNG")
    return buf.getvalue()


_PNG = _png()   # a stand-in diagram (the real ones are tested with the papers)
