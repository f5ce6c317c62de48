"""``quizgen report``: the HTML (inline SVG, nothing fetched, bank text sanitised) and the CSV
tables of the class, checked against the marks file; same input, same bytes."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.grading import analysis as an
from quizgen.grading.report_html import report_html
from tests.grading.support import SOURCE, answers_csv, class_answers, papers, write_inputs


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={"question_source": SOURCE})


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    spec, roster = write_inputs(folder)
    header, rows = class_answers(papers())
    (folder / "answers.csv").write_bytes(answers_csv(rows, header))
    out = folder / "out"
    assert run("grade", str(folder / "answers.csv"), "--spec", str(spec), "--roster",
               str(roster), "--out", str(out)).exit_code == 0
    result = run("report", str(out / "answers-results.csv"), "--spec", str(spec), "--out",
                 str(out))
    assert result.exit_code == 0, result.output
    return folder, out, result


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_html_is_self_contained_with_charts(reported):
    _, out, _ = reported
    html = (out / "answers-report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    for fetch in ("http://", "https://", "src=", "href=", "url(", "@import", "@font-face"):
        assert fetch not in html, fetch
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(charts) >= 4                       # histogram, 2 scatters, options
    assert len(re.findall(r"<rect ", charts[0])) == 10       # the histogram's ten bins
    assert "How items are pooled" in html and ("KR-20" in html or "alpha" in html)


def test_slot_figures_match_the_marks_file(reported):
    _, out, _ = reported
    marks = _read(out / "answers-marks.csv")
    items = {r["item"]: r for r in _read(out / "answers-items.csv") if r["pooling"] == "slot"}
    assert sorted(items) == [f"Q{n}" for n in range(1, 9)]
    for n in range(1, 9):
        points = [float(r[f"Q{n}"]) for r in marks]
        assert int(items[f"Q{n}"]["n"]) == len(marks)
        assert float(items[f"Q{n}"]["facility"]) == pytest.approx(sum(points) / 5 / len(points),
                                                                  abs=1e-4)
        assert float(items[f"Q{n}"]["share_right"]) == pytest.approx(
            sum(p == 5 for p in points) / len(points), abs=1e-4)
    figures = {r["figure"]: r["value"] for r in _read(out / "answers-class.csv")}
    totals = [float(r["total"]) for r in marks]
    assert int(figures["students"]) == 40
    assert float(figures["mean"]) == pytest.approx(sum(totals) / 40, abs=1e-4)
    assert sum(int(v) for k, v in figures.items() if k.startswith("histogram")) == 40


def test_entry_items_cover_every_answer(reported):
    _, out, _ = reported
    results = _read(out / "answers-results.csv")
    items = {r["item"]: r for r in _read(out / "answers-items.csv") if r["pooling"] == "entry"}
    seen: dict[str, set] = {}
    for r in results:
        seen.setdefault(f"{r['entry']}/{r['part']}", set()).add(r["student_id"])
    assert {k: int(v["n"]) for k, v in items.items()} == {k: len(v) for k, v in seen.items()}
    options = _read(out / "answers-options.csv")
    assert {r["item"] for r in options} <= set(items)
    assert any(r["misconception"] and int(r["chosen"]) for r in options)


def test_same_results_same_bytes(reported, tmp_path):
    folder, out, _ = reported
    assert run("report", str(out / "answers-results.csv"), "--spec",
               str(folder / "exam.yaml"), "--out", str(tmp_path)).exit_code == 0
    for name in ("answers-report.html", "answers-items.csv", "answers-options.csv",
                 "answers-class.csv", "answers-report.sha256"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_an_answers_file_reports_the_same(reported, tmp_path):
    folder, out, _ = reported
    assert run("report", str(folder / "answers.csv"), "--spec", str(folder / "exam.yaml"),
               "--roster", str(folder / "roster.csv"), "--out", str(tmp_path)).exit_code == 0
    assert (tmp_path / "answers-items.csv").read_bytes() == \
        (out / "answers-items.csv").read_bytes()


def test_bank_text_is_escaped_and_cleaned():
    attempts = [{"student": s, "responses": [
        {"item": "e/p", "slot": 1, "score": x, "max_score": 1, "status": "right" if x else
         "wrong", "chosen": ["key" if x else "m1"], "offered": ["key", "m1"]},
        {"item": "f/p", "slot": 2, "score": 1 - x, "max_score": 1, "status": "wrong",
         "chosen": [], "offered": []}]} for s, x in (("a", 1), ("b", 0), ("c", 1))]
    info = {"e/p": {"title": '<img src=x onerror="alert(1)">', "kind": "choice",
                    "options": {"m1": {"label": "m1: <b>rule</b>", "misconception": "m1",
                                       "correct": False,
                                       "example": '<b>ok</b><script>alert(2)</script>'
                                                  '<a href="https://x.test">link</a>'}}}}
    result = an.analyse(attempts, info)
    html = report_html("<i>t</i>", an.analyse(an.by_slot(attempts)), result, "en")
    assert "<script" not in html and "<img" not in html and "href=" not in html
    assert "&lt;img src=x" in html and "&lt;i&gt;t&lt;/i&gt;" in html
    assert "<b>ok</b>" in html                    # the cleaner keeps harmless markup


def test_a_chinese_spec_reports_in_chinese(tmp_path):
    from tests.grading.support import SPEC

    spec_text = SPEC.replace("lang: en", "lang: zh")
    spec, roster = write_inputs(tmp_path, spec_text)
    header, rows = class_answers(papers(spec_text))
    (tmp_path / "a.csv").write_bytes(answers_csv(rows[:12], header))
    result = run("report", str(tmp_path / "a.csv"), "--spec", str(spec), "--roster",
                 str(roster), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "a-report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "试题分析" in html and "题目如何合并统计" in html
