"""Bad answers and results files: each one line ``error: FILE:LINE: FIELD: ...``, exit
status 2, no traceback, nothing written (the conventions of tests/test_bad_inputs.py)."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.paper.codes import student_code
from tests.grading.support import SOURCE, answers_csv, class_answers, papers, write_inputs
from tests.one_line import one_line_error

SEED = 424242


def _good() -> tuple[list[str], list[list[str]]]:
    header, rows = class_answers(papers())
    return header, rows[:4]


def _text(header, rows) -> bytes:
    return answers_csv(rows, header)


def _change(row: int, col: int, value: str) -> bytes:
    header, rows = _good()
    rows = [list(r) for r in rows]
    rows[row][col] = value
    return _text(header, rows)


def _header(col: int, value: str) -> bytes:
    header, rows = _good()
    header = list(header)
    header[col] = value
    return _text(header, rows)


def _extra_column(name: str, value: str) -> bytes:
    header, rows = _good()
    return _text([*header, name], [[*r, value] for r in rows])


def _duplicate() -> bytes:
    header, rows = _good()
    return _text(header, [*rows, rows[1]])


#: name -> (file bytes, with the roster?, what the message must hold: "FILE:LINE" is checked
#: through ``line``, and the field)
CASES: dict[str, tuple[bytes, bool, int | None, str | None]] = {
    "unknown-code": (_change(1, 2, "ZZZZZZ"), True, 3, "paper_code"),
    "code-of-another-student": (_change(1, 2, papers()[2]["code"]), True, 3, "paper_code"),
    "code-of-another-spec": (_change(2, 2, student_code(SEED + 1, "2026002")), False, 4,
                             "paper_code"),
    "code-of-another-spec-roster": (_change(2, 2, student_code(SEED + 1, "2026002")), True, 4,
                                    "paper_code"),
    "malformed-code": (_change(0, 2, "12345"), False, 2, "paper_code"),
    "duplicate-student": (_duplicate(), True, 6, "student_id"),
    "duplicate-student-no-roster": (_duplicate(), False, 6, "student_id"),
    "not-on-roster": (_change(3, 0, "1999999"), True, 5, "student_id"),
    "no-id-no-roster": (_change(0, 0, ""), False, 2, "student_id"),
    "no-code-no-roster": (_change(1, 2, ""), False, 3, "paper_code"),
    "neither-id-nor-code": (_text(*(lambda h, r: (h, [["", "", "", *r[0][3:]], *r[1:]]))(
        *_good())), True, 2, "student_id"),
    "unknown-column": (_header(1, "colour"), True, 1, "colour"),
    "question-99": (_extra_column("99", "A"), True, 1, "99"),
    "question-0": (_extra_column("0", "A"), True, 1, "0"),
    "two-id-columns": (_header(1, "学号"), True, 1, "学号"),
    "key-no-paper-has": (_extra_column("1.9", "7"), True, 2, "1.9"),
    "unnamed-column-with-answers": (_extra_column("", "7"), True, 1, "column"),
    "too-many-cells": (_text(*_good()).replace(b"\r\n2026001", b",x,y,z\r\n2026001", 1), True,
                       2, None),
    "open-quote": (_change(1, 3, "x").replace(b"x", b'"x', 1), True, None, None),
    "utf-16": (_text(*_good()).decode("utf-8").encode("utf-16"), True, None, None),
    "not-text": (b"student_id,paper_code,1\r\n\x80\xff,\xfe,\x81\r\n", True, None, None),
    "nul": (_text(*_good()) + b"\x00\r\n", True, 6, None),
    "empty": (b"", True, 1, None),
    "header-only": (_text(_good()[0], []), True, None, None),
    "no-answer-columns": (b"student_id,name,paper_code\r\n2026000,a,XXXXXX\r\n", True, 1,
                          None),
    "no-id-or-code-column": (b"name,1\r\na,B\r\n", True, 1, None),
    "not-xlsx": (b"PK\x03\x04 this is no workbook", True, None, None),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    return write_inputs(folder)


def test_the_corpus_covers_the_brief():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_answers(tmp_path, inputs, name):
    data, with_roster, line, field = CASES[name]
    spec, roster = inputs
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    out = tmp_path / "out"
    args = ["grade", str(path), "--spec", str(spec), "--out", str(out)]
    if with_roster:
        args += ["--roster", str(roster)]
    result = CliRunner().invoke(cli, args, obj={"question_source": SOURCE})
    message = one_line_error(result, f"{path}:{line}" if line else str(path))
    if field:
        assert f": {field}" in message, message
    assert not out.exists(), message


@pytest.mark.parametrize("args, where", [
    (["grade", "ANSWERS"], "--spec"),
    (["grade", "/nonexistent/answers.csv", "--spec", "SPEC"], "/nonexistent/answers.csv"),
    (["grade", "FOLDER", "--spec", "SPEC"], "folder"),
    (["grade", "ANSWERS", "--spec", "/nonexistent/spec.yaml"], "/nonexistent/spec.yaml"),
    (["report", "/nonexistent/results.csv", "--spec", "SPEC"], "/nonexistent/results.csv"),
])
def test_bad_options(tmp_path, inputs, args, where):
    spec, _ = inputs
    (tmp_path / "a.csv").write_bytes(_text(*_good()))
    (tmp_path / "folder").mkdir()
    args = [{"ANSWERS": str(tmp_path / "a.csv"), "SPEC": str(spec),
             "FOLDER": str(tmp_path / "folder")}.get(a, a) for a in args]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")],
                                obj={"question_source": SOURCE})
    one_line_error(result, where)
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------ results files
@pytest.fixture(scope="module")
def results(tmp_path_factory, inputs):
    spec, roster = inputs
    folder = tmp_path_factory.mktemp("results")
    (folder / "a.csv").write_bytes(_text(*_good()))
    result = CliRunner().invoke(cli, ["grade", str(folder / "a.csv"), "--spec", str(spec),
                                      "--roster", str(roster), "--out", str(folder)],
                                obj={"question_source": SOURCE})
    assert result.exit_code == 0, result.output
    with open(folder / "a-results.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _results(rows) -> bytes:
    return answers_csv(rows[1:], rows[0], bom=True)


def _tamper(rows, row: int, column: str, value: str):
    rows = [list(r) for r in rows]
    rows[row][rows[0].index(column)] = value
    return rows


def _right_row(rows) -> int:
    status = rows[0].index("status")
    return next(k for k, r in enumerate(rows) if k and r[status] == "right")


RESULT_CASES = {
    "points-tampered": (lambda rows: _tamper(rows, _right_row(rows), "points", "0"),
                        "points"),
    "points-not-a-number": (lambda rows: _tamper(rows, 1, "points", "many"), "points"),
    "unknown-column": (lambda rows: _tamper(rows, 0, "reason", "comment"), "comment"),
    "code-of-another-spec": (lambda rows: _tamper(rows, 1, "paper_code",
                                                  student_code(SEED + 1, rows[1][0])),
                             "paper_code"),
    "key-twice": (lambda rows: rows[:2] + [rows[1]] + rows[2:], "key"),
    "key-unknown": (lambda rows: _tamper(rows, 1, "key", "1.9"), "key"),
}


@pytest.mark.parametrize("name", sorted(RESULT_CASES))
def test_bad_results(tmp_path, inputs, results, name):
    change, field = RESULT_CASES[name]
    spec, _ = inputs
    path = tmp_path / f"{name}-results.csv"
    path.write_bytes(_results(change(results)))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", str(path), "--spec", str(spec), "--out",
                                      str(out)], obj={"question_source": SOURCE})
    message = one_line_error(result, f"{path}:")
    assert f": {field}" in message, message
    assert not out.exists(), message


def test_the_untampered_results_report(tmp_path, inputs, results):
    spec, _ = inputs
    path = tmp_path / "a-results.csv"
    path.write_bytes(_results(results))
    result = CliRunner().invoke(cli, ["report", str(path), "--spec", str(spec), "--out",
                                      str(tmp_path / "out")], obj={"question_source": SOURCE})
    assert result.exit_code == 0, result.output
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == [
        "a-class.csv", "a-items.csv", "a-options.csv", "a-report.html", "a-report.sha256"]


