"""Every input file is read by one YAML reader (quizgen/yamlutil.py) and one file reader
(quizgen/files.py): hostile YAML, devices, pipes and Chinese Excel rosters are one-line
errors naming file and line, or read as a teacher means them."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quizgen.errors import QuizgenError
from quizgen.paper import load_roster, load_spec
from quizgen.questions.bank import load_bank

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))

#: name -> (YAML text, the line the error must name, words the message must have)
HOSTILE = {
    "billion-laughs": (LAUGHS, 1, "aliases"),
    "recursive-alias": ("a: &a [*a]\n", 1, "aliases"),
    "anchor-only": ("x: 1\nentries: &e []\n", 2, "aliases"),
    "deep-3000": ("x: " + "[" * 3000 + "]" * 3000 + "\n", 1, "nest"),
    "deep-50000": ("x: " + "{a: " * 50000 + "1" + "}" * 50000 + "\n", 1, "nest"),
    "python-name": ("x: !!python/name:os.system\n", 1, "tags"),
    "python-object": ("x: !!python/object/apply:os.system [ls]\n", 1, "tags"),
    "local-tag": ("x: !foo bar\n", 1, "tags"),
    "int-tag": ("x: !!int abc\n", 1, "tags"),
    "timestamp-tag": ("x: !!timestamp 2020-99-99\n", 1, "tags"),
    "binary-tag": ("x: !!binary aGVsbG8=\n", 1, "tags"),
    "duplicate-key": ("entries: []\nentries: []\n", 2, "duplicate key"),
    "list-key": ("? [a, b]\n: 1\n", 1, "key must be text"),
    "int-key": ("1: x\n", 1, "key must be text"),
    "lone-surrogate": ('x: "\\ud800"\n', 1, "surrogate"),
    "huge-number": ("x: " + "9" * 5000 + "\n", 1, "number"),
    "nan": ("x: .nan\n", 1, "number"),
    "two-documents": ("a: 1\n---\nb: 2\n", None, "YAML"),
}


def _bank_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "b.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuizgenError) as info:
        load_bank(path)
    return str(info.value)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml_is_a_one_line_error_in_every_reader(tmp_path, name):
    text, line, words = HOSTILE[name]
    spec_text = (text.replace("x:", "title:", 1).replace("entries:", "title:")  # keys a spec has
                 + "sections: [{title: s, topic: handshake, count: 1}]\n")
    for loader, body in ((load_bank, text), (load_spec, spec_text)):
        path = tmp_path / f"{loader.__name__}.yaml"
        path.write_text(body, encoding="utf-8")
        start = time.perf_counter()
        with pytest.raises(QuizgenError) as info:
            loader(path)
        message = str(info.value)
        assert time.perf_counter() - start < 5
        assert "\n" not in message and words.lower() in message.lower(), message
        where = f"{path}:{line}:" if line else f"{path}"
        assert message.startswith(where), message


def test_a_surrogate_pair_in_json_style_is_joined_into_its_character(tmp_path):
    from quizgen.yamlutil import load

    data, _ = load('x: "\\ud83d\\ude00 ok"\n')
    assert data == {"x": "\U0001F600 ok"}


def test_dates_and_yes_stay_what_they_say(tmp_path):
    from quizgen.yamlutil import load

    data, _ = load("date: 2026-12-01\nbad: 2026-13-45\nflag: true\nn: 3\n")
    assert data == {"date": "2026-12-01", "bad": "2026-13-45", "flag": True, "n": 3}


def test_the_cli_names_the_line_and_exits_2(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "quizgen", "banks", "check", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: {path}:1:") and len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize("what", ["dev-zero", "fifo", "folder"])
def test_a_device_a_pipe_or_a_folder_is_refused_without_reading(tmp_path, what):
    if what == "dev-zero":
        path = Path("/dev/zero")
    elif what == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    else:
        path = tmp_path
    for args in (["banks", "check", str(path)], ["paper", str(path)],
                 ["trace", "--script", str(path)],
                 ["paper", "--roster", str(path), "--format", "html", "--out", str(tmp_path / "o")]):
        if what == "folder" and args[:2] == ["banks", "check"]:
            continue               # a folder of banks is a valid argument there
        r = subprocess.run([sys.executable, "-m", "quizgen", *args], capture_output=True,
                           text=True, timeout=30, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr


# ------------------------------------------------------------------------------ rosters
def _write_csv(path: Path, rows, encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
@pytest.mark.parametrize("header", [("学号", "姓名"), ("student_id", "name"), ("Student ID", "Name")])
def test_rosters_from_chinese_excel(tmp_path, encoding, header):
    path = tmp_path / "class.csv"
    _write_csv(path, [[header[0], header[1], "班级"], ["2026001", "张三", "一班"],
                      ["2026002", "李四", "一班"]], encoding)
    students = load_roster(path)
    assert [(s.id, s.name) for s in students] == [("2026001", "张三"), ("2026002", "李四")]


def test_xlsx_roster(tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["学号", "姓名"])
    sheet.append([2026001, "张三"])
    sheet.append(["2026002", "李四"])
    path = tmp_path / "class.xlsx"
    book.save(path)
    assert [(s.id, s.name) for s in load_roster(path)] == [("2026001", "张三"), ("2026002", "李四")]


def test_an_unterminated_quote_is_an_error_not_a_lost_student(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text('student_id,name\n2026001,"张三\n2026002,李四\n2026003,王五\n',
                    encoding="utf-8")
    with pytest.raises(QuizgenError) as info:
        load_roster(path)
    assert str(info.value).startswith(f"{path}") and "quote" in str(info.value)


def test_a_file_that_is_no_roster(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(QuizgenError):
        load_roster(path)
    zipped = tmp_path / "class.xlsx"
    zipped.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(QuizgenError) as info:
        load_roster(zipped)
    assert "xlsx" in str(info.value)
