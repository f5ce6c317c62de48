"""``quizgen grade``: a 40-student class set graded from an answers file made from each
paper's key, with the exact marks expected; the files read back by csv and openpyxl."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from tests.grading.support import (
    SOURCE,
    STUDENTS,
    answers_csv,
    class_answers,
    expected_marks_csv,
    papers,
    plan,
    write_inputs,
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={"question_source": SOURCE})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grade")
    spec, roster = write_inputs(folder)
    header, rows = class_answers(papers())
    (folder / "answers.csv").write_bytes(answers_csv(rows, header))
    result = run("grade", str(folder / "answers.csv"), "--spec", str(spec), "--roster",
                 str(roster), "--out", str(folder / "out"))
    assert result.exit_code == 0, result.output
    return folder, result


def test_the_class_is_forty_students_with_different_papers():
    ps = papers()
    assert len(ps) == STUDENTS
    assert len({p["code"] for p in ps}) == STUDENTS
    assert len({tuple(q["qid"] for s in p["sections"] for q in s["questions"])
                for p in ps}) == STUDENTS


def test_marks_csv_is_exactly_the_expected_one(graded):
    folder, _ = graded
    data = (folder / "out" / "answers-marks.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")                 # the BOM Excel needs
    assert data.decode("utf-8") == expected_marks_csv(papers())


def test_marks_csv_reads_back_with_csv(graded):
    folder, _ = graded
    with open(folder / "out" / "answers-marks.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == STUDENTS
    by_id = {r["student_id"]: r for r in rows}
    assert by_id["2026036"]["total"] == "40" and by_id["2026037"]["total"] == "0"
    assert by_id["2026038"]["total"] == "0" and by_id["2026039"]["total"] == "0"
    for r in rows:
        assert float(r["total"]) == sum(float(r[f"Q{n}"]) for n in range(1, 9))


def test_xlsx_reads_back_with_openpyxl(graded):
    folder, _ = graded
    book = openpyxl.load_workbook(folder / "out" / "answers-marks.xlsx")
    assert book.sheetnames == ["Marks", "Summary", "Responses"]
    sheet = [list(r) for r in book["Marks"].iter_rows(values_only=True)]
    expected = list(csv.reader(io.StringIO(expected_marks_csv(papers()).lstrip("\ufeff"))))
    assert sheet[0] == expected[0]
    for got, want in zip(sheet[1:], expected[1:]):
        assert got[:3] == want[:3]                           # ids and codes stay text
        assert isinstance(got[3], (int, float)) and [float(x) for x in got[3:]] == \
            [float(x) for x in want[3:]]
    summary = {r[0]: r for r in book["Summary"].iter_rows(values_only=True)}
    totals = [float(r[-1]) for r in expected[1:]]
    assert summary["total"][2] == STUDENTS
    assert summary["total"][3] == pytest.approx(sum(totals) / len(totals))
    assert summary["total"][6] == sum(1 for t in totals if t == 40)


def test_results_keep_the_reason_of_an_unreadable_answer(graded):
    folder, result = graded
    with open(folder / "out" / "answers-results.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    unreadable = [r for r in rows if r["student_id"] == "2026039"]
    assert unreadable and all(r["status"] == "unreadable" and r["reason"] and
                              r["points"] == "0" for r in unreadable)
    assert all(r["status"] == "blank" for r in rows if r["student_id"] == "2026038")
    assert f"{len(unreadable)} unreadable" in result.output


def test_wrong_choices_name_their_misconception(graded):
    folder, _ = graded
    with open(folder / "out" / "answers-results.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ps = {p["student"]["id"]: p for p in papers()}
    checked = 0
    for r in rows:
        if r["kind"] != "choice" or r["status"] != "wrong":
            continue
        q = next(q for s in ps[r["student_id"]]["sections"] for q in s["questions"]
                 if q["id"] == r["entry"])
        part = next(p for p in q["parts"] if p["id"] == r["part"])
        chosen = part["choices"]["ABCDEFGH".index(r["chosen"])]
        assert not chosen.get("correct")
        assert r["misconceptions"] == chosen.get("misconception", "")
        checked += 1
    assert checked >= 10


def test_same_inputs_same_bytes(graded, tmp_path):
    folder, _ = graded
    result = run("grade", str(folder / "answers.csv"), "--spec", str(folder / "exam.yaml"),
                 "--roster", str(folder / "roster.csv"), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    for f in (folder / "out").iterdir():
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_no_overwrite_without_force(graded):
    folder, _ = graded
    before = {f.name: f.read_bytes() for f in (folder / "out").iterdir()}
    result = run("grade", str(folder / "answers.csv"), "--spec", str(folder / "exam.yaml"),
                 "--roster", str(folder / "roster.csv"), "--out", str(folder / "out"))
    assert result.exit_code == 2 and "--force" in result.output
    assert {f.name: f.read_bytes() for f in (folder / "out").iterdir()} == before


def _encoded_variants(folder: Path, header, rows) -> dict[str, Path]:
    out = {}
    zh_header = ["学号", "姓名", "试卷代码", *header[3:]]
    for name, data in (("bom", answers_csv(rows, header, bom=True)),
                       ("gbk", answers_csv(rows, zh_header, encoding="gbk"))):
        out[name] = folder / f"{name}.csv"
        out[name].write_bytes(data)
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:         # numbers as numbers, as Excel keeps typed digits
        book.active.append([int(c) if c.isascii() and c.isdigit() and k > 2 else c for k, c in enumerate(row)])
    out["xlsx"] = folder / "answers.xlsx"
    book.save(out["xlsx"])
    return out


def test_bom_gbk_and_xlsx_answers_give_the_same_marks(graded, tmp_path):
    folder, _ = graded
    header, rows = class_answers(papers())
    want = list(csv.reader(io.StringIO(expected_marks_csv(papers())[1:])))[1:]
    for name, path in _encoded_variants(tmp_path, header, rows).items():
        out = tmp_path / f"out-{name}"
        result = run("grade", str(path), "--spec", str(folder / "exam.yaml"), "--roster",
                     str(folder / "roster.csv"), "--out", str(out))
        assert result.exit_code == 0, (name, result.output)
        got = list(csv.reader(io.StringIO(
            next(out.glob("*-marks.csv")).read_text(encoding="utf-8-sig"))))[1:]
        assert got == want, name


def test_without_roster_the_ids_and_codes_are_enough(graded, tmp_path):
    folder, _ = graded
    header, rows = class_answers(papers())
    (tmp_path / "a.csv").write_bytes(answers_csv(rows, header))
    result = run("grade", str(tmp_path / "a.csv"), "--spec", str(folder / "exam.yaml"),
                 "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a-marks.csv").read_bytes().decode("utf-8") == \
        expected_marks_csv(papers())


def test_with_roster_a_code_alone_or_an_id_alone_is_enough(graded, tmp_path):
    folder, _ = graded
    header, rows = class_answers(papers())
    half = [[r[0], "", "", *r[3:]] if k % 2 else ["", "", r[2].lower(), *r[3:]]
            for k, r in enumerate(rows)]
    (tmp_path / "a.csv").write_bytes(answers_csv(half, header))
    result = run("grade", str(tmp_path / "a.csv"), "--spec", str(folder / "exam.yaml"),
                 "--roster", str(folder / "roster.csv"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a-marks.csv").read_bytes().decode("utf-8") == \
        expected_marks_csv(papers())       # names come from the roster


def test_the_plan_covers_every_case():
    seen = {plan(i, n) for i in range(STUDENTS) for n in range(1, 9)}
    assert seen == {"right", "wrong", "blank", "unreadable"}


def test_a_template_filled_in_grades_like_the_answers(graded, tmp_path):
    folder, _ = graded
    template = tmp_path / "typed.csv"
    args = ["--spec", str(folder / "exam.yaml"), "--roster", str(folder / "roster.csv")]
    result = run("grade", str(template), "--template", *args)
    assert result.exit_code == 0, result.output
    with open(template, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, answers = class_answers(papers())
    assert rows[0] == header
    assert [r[:3] for r in rows[1:]] == [r[:3] for r in answers]
    for p, row in zip(papers(), rows[1:]):       # "-" exactly where the paper has no such key
        from quizgen.grading.marks import response_keys

        has = {k.key for k in response_keys(p)}
        assert [c == "-" for c in row[3:]] == [k not in has for k in header[3:]]
        assert all(c == "" for c, k in zip(row[3:], header[3:]) if k in has)
    filled = [[*r[:3], *(a or t for a, t in zip(answer[3:], r[3:]))]
              for r, answer in zip(rows[1:], answers)]
    template.write_bytes(answers_csv(filled, rows[0], bom=True))
    result = run("grade", str(template), *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "typed-marks.csv").read_bytes().decode("utf-8") == \
        expected_marks_csv(papers())
    assert run("grade", str(template), "--template", *args).exit_code == 2   # no overwrite


def test_a_part_marked_by_hand_takes_the_teachers_score():
    from quizgen.grading.marks import grade_paper, key_responses, response_keys

    paper = papers()[0]
    keys = [rk.key for rk in response_keys(paper)]
    right = key_responses(paper)
    first, second = keys[0], keys[1]
    full = grade_paper(paper, right)
    rk = {p.key.key: p.key for p in full.parts}
    marks = grade_paper(paper, right, scores={first: 0.0, second: rk[second].points + 5})
    by = marks.by_key()
    assert by[first].status == "wrong" and by[first].points == 0.0
    assert by[first].reason == "marked by hand" and by[first].response is None
    assert by[second].points == rk[second].points and by[second].status == "right"  # capped
    assert marks.total == full.total - rk[first].points
