"""export(): formats, determinism, atomic writes, no silent overwrite; the export command."""

from __future__ import annotations

import ast
import copy
import io
import os
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import quizgen.export as export_pkg
from quizgen.cli import cli
from quizgen.commands.export import variant_seed, variant_seeds
from quizgen.errors import QuizgenError
from quizgen.export import FORMATS, export, render

from .conftest import load_sample, svg_for

EXPORT_DIR = Path(export_pkg.__file__).parent


def _reordered(questions: list[dict]) -> list[dict]:
    """The same data with every dict's keys in reverse order."""
    def rev(x):
        if isinstance(x, dict):
            return {k: rev(x[k]) for k in reversed(list(x))}
        if isinstance(x, list):
            return [rev(v) for v in x]
        return x
    return rev(copy.deepcopy(questions))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_deterministic(fmt, questions):
    first = render(questions, fmt, diagram_svg=svg_for)
    assert render(questions, fmt, diagram_svg=svg_for) == first
    assert render(_reordered(questions), fmt, diagram_svg=svg_for) == first
    if first[:2] == b"PK":
        infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
        assert infos[0].filename == "imsmanifest.xml"
        assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_writes_the_rendered_bytes(fmt, sample, tmp_path):
    out = tmp_path / f"quiz.{fmt}"
    assert export(sample, fmt, out) == out
    assert out.read_bytes() == render(sample, fmt)
    assert os.listdir(tmp_path) == [out.name]


def test_refuses_to_overwrite_unless_forced(sample, tmp_path):
    out = tmp_path / "quiz.xml"
    out.write_text("precious")
    with pytest.raises(QuizgenError) as err:
        export(sample, "moodle", out)
    message = str(err.value)
    assert str(out) in message and "\n" not in message
    assert out.read_text() == "precious" and os.listdir(tmp_path) == ["quiz.xml"]
    export(sample, "moodle", out, force=True)
    assert out.read_bytes() == render(sample, "moodle")


def test_a_failed_write_leaves_nothing(sample, tmp_path, monkeypatch):
    out = tmp_path / "quiz.zip"

    def broken(fd):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(QuizgenError, match="disk full"):
        export(sample, "qti21", out)
    assert os.listdir(tmp_path) == []
    out.write_bytes(b"old")
    with pytest.raises(QuizgenError, match="disk full"):
        export(sample, "qti21", out, force=True)
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["quiz.zip"]


@pytest.mark.parametrize("bad,needle", [
    (lambda q: q.update(parts=[]), "no parts"),
    (lambda q: q["parts"][0].update(kind="essay"), "unknown kind"),
    (lambda q: q["parts"][0].update(answer=2**32), "[0, 2^32)"),
    (lambda q: q["parts"][0].update(answer=-1), "[0, 2^32)"),
    # a marker whose id no part can have is refused, not left unreplaced in the prompt
    (lambda q: q.update(prompt=q["prompt"] + '<span class="qg-blank" data-part="Ans-1"></span>'),
     "blank marker for unknown part 'Ans-1'"),
])
def test_bad_questions_are_refused_with_one_line(bad, needle, sample, tmp_path):
    q = copy.deepcopy(sample[-1])  # s-compute: one number part
    bad(q)
    with pytest.raises(QuizgenError) as err:
        export([q], "moodle", tmp_path / "x.xml")
    assert needle in str(err.value) and "s-compute@7" in str(err.value)
    assert not (tmp_path / "x.xml").exists()


def test_unknown_format_and_missing_folder(sample, tmp_path):
    with pytest.raises(QuizgenError, match="unknown export format"):
        export(sample, "blackboard", tmp_path / "x")
    with pytest.raises(QuizgenError, match="does not exist"):
        export(sample, "gift", tmp_path / "nope" / "x.gift")
    with pytest.raises(QuizgenError, match="no questions"):
        export([], "gift", tmp_path / "x.gift")


def test_single_choice_needs_exactly_one_correct(sample, tmp_path):
    q = copy.deepcopy(sample[1])
    q["parts"][0]["choices"][1]["correct"] = True
    with pytest.raises(QuizgenError, match="exactly one correct"):
        render([q], "qti21")


def test_clashing_qids_are_refused(sample):
    a, b = copy.deepcopy(sample[:2])
    a["qid"], b["qid"] = "x@1", "x_1"
    with pytest.raises(QuizgenError, match="clashes"):
        render([a, b], "qti12")


def test_writers_read_only_question_data():
    """No writer imports the simulator or the bank code; from quizgen.questions they take only
    the question-data contract (data) and the blank-marker pattern (markup)."""
    for path in sorted(EXPORT_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        assert not any(n.startswith("quizgen.tcp") for n in names), path.name
        if path.name != "command.py":
            assert not any(n.startswith("quizgen.questions") and n not in (
                "quizgen.questions.markup", "quizgen.questions.data") for n in names), path.name


def test_importing_the_writers_loads_no_simulator_or_banks():
    """docs/architecture.md: export never imports tcp or the banks, not even on the way."""
    code = ("import sys, quizgen.export.moodle, quizgen.export.gift, quizgen.export.qti12, "
            "quizgen.export.qti21; print(sorted(m for m in sys.modules "
            "if m.startswith(('quizgen.tcp', 'quizgen.questions.bank'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=EXPORT_DIR.parents[1], check=True)
    assert r.stdout.strip() == "[]"


# --------------------------------------------------------------------------- command

def test_variant_seeds_are_pure_and_distinct():
    assert variant_seed(1, "hs-2-fill", 0) == variant_seed(1, "hs-2-fill", 0)
    seeds = variant_seeds(1, "hs-2-fill", 50)
    assert len(set(seeds)) == 50 and all(0 <= s < 2**31 for s in seeds)
    assert variant_seeds(1, "hs-2-fill", 5) == seeds[:5]
    assert variant_seeds(2, "hs-2-fill", 5) != seeds[:5]
    assert variant_seeds(1, "hs-3-fill", 5) != seeds[:5]


@pytest.fixture
def fake_questions(monkeypatch):
    """Stands in for quizgen.questions (load_banks, generate_question) over the sample."""
    sample = {q["id"]: q for q in load_sample()}
    calls = []

    class Entry(types.SimpleNamespace):
        pass

    def load_banks(paths=None):
        calls.append(("load", paths))
        return [Entry(id=i, bank="sample", type=q["type"], topic=q["topic"], tags=q["tags"],
                      difficulty=q["difficulty"], points=q["points"])
                for i, q in sample.items()]

    def generate_question(entry, seed, lang):
        calls.append(("gen", entry.id, seed, lang))
        return dict(copy.deepcopy(sample[entry.id]), qid=f"{entry.id}@{seed}", seed=seed,
                    lang=lang)

    def entries_for_trace(entries, trace):  # only reached with --pcap, not in these tests
        raise AssertionError("no capture here")

    module = types.ModuleType("quizgen.questions")
    module.load_banks, module.generate_question = load_banks, generate_question
    module.entries_for_trace = entries_for_trace
    monkeypatch.setitem(sys.modules, "quizgen.questions", module)
    # the real ladder renderer is another module's business; keep these tests to the command
    monkeypatch.setattr("quizgen.commands.export._diagram_renderer", lambda: svg_for)
    return calls


def test_command_end_to_end(fake_questions, tmp_path):
    out = tmp_path / "quiz.xml"
    args = ["export", "--format", "moodle", "--ids", "s-state, s-tf", "--variants", "3",
            "--seed", "9", "--lang", "en", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "wrote 6 questions" in result.output
    gens = [c for c in fake_questions if c[0] == "gen"]
    assert [(c[1], c[2]) for c in gens] == [
        (e, s) for e in ("s-state", "s-tf") for s in variant_seeds(9, e, 3)]
    assert all(c[3] == "en" for c in gens)
    first = out.read_bytes()
    assert first.count(b'<question type="category">') == 2
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "already exists" in again.output
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0
    assert out.read_bytes() == first


@pytest.mark.parametrize("fmt", ["gift", "moodle"])
def test_command_reports_the_questions_it_wrote(fake_questions, tmp_path, fmt):
    """The count printed is the number of questions in the file: GIFT writes s-fill's three
    parts as three questions per variant (read back by pygiftparser)."""
    import re

    from .readback import read_gift, read_moodle
    out = tmp_path / f"quiz.{fmt}"
    result = CliRunner().invoke(cli, ["export", "--format", fmt, "--ids", "s-fill,s-state",
                                      "--variants", "2", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    read = read_gift(out.read_bytes()) if fmt == "gift" else read_moodle(out.read_bytes())
    assert len(read) == (2 * 3 + 2 if fmt == "gift" else 4)
    m = re.match(r"wrote (\d+) questions", result.output)
    assert m and int(m.group(1)) == len(read), result.output
    assert ("2 entries x 2 variants = 4;" in result.output) == (fmt == "gift")


def test_command_passes_banks_and_rejects_unknown_ids(fake_questions, tmp_path):
    bank = tmp_path / "b.yaml"
    result = CliRunner().invoke(cli, ["export", "--format", "gift", "--only-banks", "--bank",
                                      str(bank), "--ids", "nope", "--out", str(tmp_path / "x.gift")])
    assert result.exit_code == 2 and "unknown question id(s): nope" in result.output
    assert ("load", [str(bank)]) in fake_questions


def test_command_default_is_five_variants_of_every_entry(fake_questions, tmp_path):
    out = tmp_path / "x.zip"
    result = CliRunner().invoke(cli, ["export", "--format", "qti21", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert sum(n.startswith("items/") for n in names) == 35
    assert all(c[3] == "zh" for c in fake_questions if c[0] == "gen")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_leaves_the_callers_questions_alone(fmt, hostile):
    """render() cleans and splits copies: the caller's question dicts are as they were (the
    same questions can go to every format in turn). That real questions are plain JSON, as
    the JSON fixture assumes, is test_export_real.py's test_generated_questions_are_plain_json."""
    before = copy.deepcopy(hostile)
    render(hostile, fmt, diagram_svg=svg_for)
    assert hostile == before


def test_export_to_a_read_only_or_full_disk_or_under_a_file_is_one_line(tmp_path):
    """A read-only folder and a full disk were tracebacks; a file as the folder was said
    not to exist. Each is one line now, and nothing is left behind."""
    import subprocess as sp

    afile = tmp_path / "afile"
    afile.write_text("x")
    bad = CliRunner().invoke(cli, ["export", "--format", "gift", "--variants", "1", "--out",
                                   str(afile / "sub.gift")])
    assert bad.exit_code == 2 and "is a file, not a folder" in bad.output
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if sp.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mnt)]).returncode != 0:
        pytest.fail("this test needs root to mount a small tmpfs (as CI runs)")
    try:
        full = CliRunner().invoke(cli, ["export", "--format", "moodle", "--variants", "3",
                                        "--out", str(mnt / "x.xml")])
        assert full.exit_code == 2 and "No space left" in full.output, full.output
        assert list(mnt.iterdir()) == []
        sp.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        ro = CliRunner().invoke(cli, ["export", "--format", "gift", "--variants", "1",
                                      "--out", str(mnt / "x.gift")])
        assert ro.exit_code == 2 and "Read-only" in ro.output, ro.output
    finally:
        sp.run(["umount", str(mnt)])
