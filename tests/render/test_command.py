"""``quizgen paper`` and ``quizgen key``: files, atomic writes, one-line errors."""

from __future__ import annotations

import hashlib
import textwrap

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.commands.papers import sample_spec
from quizgen.paper import load_spec, student_code

SPEC = textwrap.dedent("""\
    title: 单元测验
    course: 计算机网络
    seed: 11
    sections:
      - title: 握手
        topic: handshake
        count: 2
        points: 5
      - title: 挥手
        ids: [s-state, s-statetext]
    """)


@pytest.fixture
def run(zh_source):
    def invoke(*args):
        result = CliRunner().invoke(cli, list(args), obj={"question_source": zh_source})
        return result
    return invoke


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "exam.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("student_id,name\n2023001,张三\n2023002,李四\n2023003,王五\n",
                    encoding="utf-8")
    return path


def test_class_set_html(run, spec, roster, tmp_path):
    out = tmp_path / "out"
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out),
                 "--format", "html")
    assert result.exit_code == 0, result.output
    codes = [student_code(11, sid) for sid in ("2023001", "2023002", "2023003")]
    names = sorted(p.name for p in out.iterdir())
    documents = sorted(f"{sid}-{code}-{kind}.html" for sid, code in
                       zip(("2023001", "2023002", "2023003"), codes) for kind in ("paper", "key"))
    assert names == sorted(documents + ["exam-class-codes.csv", "exam-class.sha256"])
    manifest = (out / "exam-class.sha256").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in manifest
              if not line.startswith("#")}
    assert sorted(listed) == sorted(documents + ["exam-class-codes.csv"])
    assert all(hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
               for name, digest in listed.items())
    page = (out / f"2023002-{codes[1]}-paper.html").read_text(encoding="utf-8")
    assert "李四" in page and codes[1] in page
    assert "wrote 7 files" in result.output   # and the list of codes


def test_same_spec_same_html(run, spec, roster, tmp_path):
    for name in ("a", "b"):
        assert run("paper", str(spec), "--roster", str(roster), "--out", str(tmp_path / name),
                   "--format", "html").exit_code == 0
    for file in (tmp_path / "a").iterdir():
        assert file.read_bytes() == (tmp_path / "b" / file.name).read_bytes()


def test_key_command_rebuilds_a_students_key(run, spec, roster, tmp_path):
    assert run("paper", str(spec), "--roster", str(roster), "--out", str(tmp_path / "set"),
               "--format", "html").exit_code == 0
    code = student_code(11, "2023003")
    result = run("key", code.lower(), "--spec", str(spec), "--out", str(tmp_path / "k"),
                 "--format", "html")
    assert result.exit_code == 0, result.output
    rebuilt = (tmp_path / "k" / f"{code}-key.html").read_text(encoding="utf-8")
    original = (tmp_path / "set" / f"2023003-{code}-key.html").read_text(encoding="utf-8")
    strip = lambda html: html.replace("王五", "").replace("2023003", "")  # noqa: E731
    body = lambda html: strip(html)[strip(html).index("<section"):]  # noqa: E731
    assert body(rebuilt) == body(original)


def _one_line_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("edit, words", [
    (("seed: 11\n", "seed: 11\ncolour: red\n"), ("exam.yaml:4: colour: unknown key",)),
    (("count: 2\n", "count: zwei\n"), ("exam.yaml:7: sections[1].count:", "whole number")),
    (("title: 单元测验\n", "title: [\n"), ("exam.yaml", "not valid YAML")),
])
def test_bad_spec_exit_2_one_line_nothing_written(run, spec, tmp_path, edit, words):
    spec.write_text(SPEC.replace(*edit), encoding="utf-8")
    out = tmp_path / "out"
    _one_line_error(run("paper", str(spec), "--out", str(out)), *words)
    assert not out.exists()


def test_bad_roster_and_options(run, spec, tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("student_id,name\n1,a\n1,b\n", encoding="utf-8")
    _one_line_error(run("paper", str(spec), "--roster", str(bad), "--out", str(tmp_path / "o")),
                    "r.csv:3:", "twice")
    _one_line_error(run("paper", str(spec), "--format", "rtf", "--out", str(tmp_path / "o")),
                    "--format")
    _one_line_error(run("paper", str(tmp_path / "missing.yaml")), "missing.yaml", "no such file")
    _one_line_error(run("key", "12345", "--spec", str(spec)), "not a paper code")
    assert not (tmp_path / "o").exists()


def test_existing_files_are_not_overwritten(run, spec, roster, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code = student_code(11, "2023002")
    taken = out / f"2023002-{code}-key.html"
    taken.write_text("mine", encoding="utf-8")
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out),
                 "--format", "html")
    _one_line_error(result, str(taken), "--force")
    assert sorted(p.name for p in out.iterdir()) == [taken.name]  # nothing else written
    assert taken.read_text(encoding="utf-8") == "mine"
    assert run("paper", str(spec), "--roster", str(roster), "--out", str(out), "--format",
               "html", "--force").exit_code == 0
    assert "李四" in taken.read_text(encoding="utf-8")


def test_failure_midway_leaves_nothing(run, spec, roster, tmp_path, monkeypatch):
    import quizgen.render.documents as documents

    calls = []

    def boom(paper, **kw):
        calls.append(paper["code"])
        if len(calls) == 4:
            raise RuntimeError("disk on fire")
        return "<html></html>"

    monkeypatch.setattr(documents, "render_html", boom)
    out = tmp_path / "out"
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out),
                 "--format", "html")
    assert result.exit_code != 0
    assert not out.exists() or not list(out.iterdir())


def test_sample_spec_is_chinese_and_valid():
    spec = load_spec(sample_spec())
    assert spec.lang == "zh" and spec.sections


def test_paper_without_arguments_writes_the_sample(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = load_spec(sample_spec())
    # the fixture has fewer questions than the sample asks for: ask for what it has
    import dataclasses
    import quizgen.commands.papers as command
    small = dataclasses.replace(spec, sections=tuple(
        dataclasses.replace(s, count=1) for s in spec.sections))
    monkeypatch.setattr(command, "load_spec", lambda path: small)
    result = run("paper", "--format", "html")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(files) == 3 and files[0].endswith("-key.html") and files[1].endswith("-paper.html")
    assert files[2] == "sample-zh.sha256"
    assert "试卷代码" in (tmp_path / "out" / files[1]).read_text(encoding="utf-8")


def test_a_broken_bank_is_one_line_and_writes_nothing(spec, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: x\n    type: essay\n", encoding="utf-8")
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["paper", str(spec), "--out", str(out), "--bank", str(bad)])
    _one_line_error(result, "bad.yaml:2")
    assert not out.exists() or not any(out.iterdir())


def test_sample_paper_from_the_real_banks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["paper", "--format", "html"])
    assert result.exit_code == 0, result.output
    paper = next((tmp_path / "out").glob("*-paper.html")).read_text(encoding="utf-8")
    key = next((tmp_path / "out").glob("*-key.html")).read_text(encoding="utf-8")
    assert 'class="qg-blank"' not in paper and "qg-box" in paper
    assert "qg-filled" in key and "解析" in key


def test_a_new_spec_has_a_fresh_seed_and_a_copied_sample_warns(tmp_path):
    """A copy of the sample keeps its seed: its papers would be the public sample's."""
    import shutil
    import subprocess
    import sys

    from quizgen.paper.spec import sample_seed, sample_spec_path

    made = subprocess.run([sys.executable, "-m", "quizgen", "spec", str(tmp_path / "a.yaml")],
                          capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-m", "quizgen", "spec", str(tmp_path / "b.yaml")],
                           capture_output=True, text=True, check=True)
    a, b = load_spec(tmp_path / "a.yaml"), load_spec(tmp_path / "b.yaml")
    assert a.seed != sample_seed() and a.seed != b.seed and "a.yaml" in made.stdout
    assert a.sections == load_spec(sample_spec_path()).sections
    refused = subprocess.run([sys.executable, "-m", "quizgen", "spec", str(tmp_path / "a.yaml")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "already exists" in refused.stderr
    copy = tmp_path / "copy.yaml"
    shutil.copy(sample_spec_path(), copy)
    for spec, warned in ((copy, True), (tmp_path / "a.yaml", False)):
        r = subprocess.run([sys.executable, "-m", "quizgen", "paper", str(spec), "--format",
                            "html", "--out", str(tmp_path / spec.stem)], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        assert ("sample spec's seed" in r.stderr) is warned, r.stderr


def test_print_file_and_the_list_of_codes(run, spec, roster, tmp_path):
    """For the print shop: every paper in roster order in one PDF, each padded to an even
    number of pages (double-sided, each student's paper starts on its own sheet); and the list
    of who got which code (read with the csv module, as Excel would, BOM and all)."""
    import csv
    import subprocess

    from quizgen.paper import load_roster, load_spec, plan_codes

    out = tmp_path / "out"
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out), "--format",
                 "pdf", "--jobs", "1", "--print-file")
    assert result.exit_code == 0, result.output

    def pages(path) -> int:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        return int(next(l.split()[-1] for l in info.stdout.splitlines() if l.startswith("Pages")))

    plan = plan_codes(load_spec(spec), load_roster(roster))
    papers = [out / f"{s.id}-{code}-paper.pdf" for code, s, _ in plan]
    assert pages(out / "exam-class-print.pdf") == sum(n + n % 2 for n in map(pages, papers))
    text = subprocess.run(["pdftotext", str(out / "exam-class-print.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert [text.index(s.name) for _, s, _ in plan] == sorted(text.index(s.name) for _, s, _ in plan)
    raw = (out / "exam-class-codes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["学号", "姓名", "试卷代码", "版本"]
    assert [tuple(r[:3]) for r in rows[1:]] == [(s.id, s.name, code) for code, s, _ in plan]
    manifest = (out / "exam-class.sha256").read_text(encoding="utf-8")
    assert "exam-class-print.pdf" in manifest and "exam-class-codes.csv" in manifest
    html_only = run("paper", str(spec), "--format", "html", "--print-file", "--out",
                    str(tmp_path / "o2"))
    assert html_only.exit_code == 2 and "--print-file" in html_only.output
