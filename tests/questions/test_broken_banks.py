"""A corpus of broken banks: each gets one line naming the file, line, question id and what is
wrong, exit status 2, no traceback."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli

HERE = Path(__file__).parent / "broken_banks"

# file -> (line, words the message must contain)
EXPECTED = {
    "bad_yaml.yaml": (5, ["not valid YAML"]),
    "binary_garbage.yaml": (None, ["not UTF-8"]),
    "entries_not_a_list.yaml": (1, ["list of 'entries'"]),
    "unknown_type.yaml": (4, ["q1: type", "unknown type 'essay'"]),
    "unknown_preset.yaml": (6, ["q1: scenario.preset", "unknown preset 'teleport'"]),
    "missing_language.yaml": (8, ["q1: prompt", "missing language 'en'"]),
    "template_syntax.yaml": (11, ["q1: prompt.zh", "template syntax error"]),
    "undefined_variable.yaml": (12, ["q1: prompt.en", "'nosuchthing' is undefined"]),
    "python_internals.yaml": (12, ["q1: explanation.zh", "Python internals"]),
    "duplicate_id.yaml": (10, ["q1: id", "duplicate id (also on line 3)"]),
    "unknown_ask_key.yaml": (7, ["q1: ask.colour", "unknown key"]),
    "ack_of_segment_without_ack.yaml": (7, ["q1: ask", "has no ack"]),
    "bad_difficulty.yaml": (8, ["q1: difficulty"]),
    "runtime_error.yaml": (9, ["q1: explanation.zh", "division"]),
    "unknown_landmark.yaml": (7, ["q1: ask.segment"]),
    "unknown_compute_value.yaml": (7, ["c1: ask.values", "time_wait"]),
    # the sandbox does not limit * and **; without our limits these take minutes or all memory
    "huge_power.yaml": (12, ["q1: prompt.en", "exponent 10000000000 is too large"]),
    "huge_string.yaml": (12, ["q1: explanation.zh", "too much"]),
}


def test_corpus_is_covered():
    assert {p.name for p in HERE.glob("*.yaml")} == set(EXPECTED) | {"ok_minimal.yaml"}


def test_minimal_bank_is_valid():
    r = CliRunner().invoke(cli, ["banks", "check", str(HERE / "ok_minimal.yaml")])
    assert r.exit_code == 0 and "1 entries valid" in r.output


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_bank(name):
    line, words = EXPECTED[name]
    r = CliRunner().invoke(cli, ["banks", "check", str(HERE / name)])
    assert r.exit_code == 2, r.output
    out = r.output.strip()
    assert "\n" not in out and "Traceback" not in out, out
    place = f"{HERE / name}:{line}" if line else f"{HERE / name}"
    assert out.startswith(f"error: {place}:"), out
    for w in words:
        assert w in out, out


def test_broken_bank_used_by_question_command():
    r = CliRunner().invoke(cli, ["question", "q1", "--bank", str(HERE / "undefined_variable.yaml")])
    assert r.exit_code == 2 and "nosuchthing" in r.output


def test_unknown_question_id():
    r = CliRunner().invoke(cli, ["question", "no-such-id"])
    assert r.exit_code == 2 and "no question with id 'no-such-id'" in r.output


@pytest.mark.parametrize("command", [["banks", "check"], ["banks", "list", "--bank"]])
def test_a_folder_without_banks_is_an_error(command, tmp_path):
    (tmp_path / "notes.txt").write_text("not a bank")
    r = CliRunner().invoke(cli, [*command, str(tmp_path)])
    assert r.exit_code == 2
    assert r.output == f"error: {tmp_path}: no bank files (*.yaml, *.yml) in this folder\n"


def test_a_folder_of_yml_banks(tmp_path):
    (tmp_path / "mine.yml").write_text((HERE / "ok_minimal.yaml").read_text())
    r = CliRunner().invoke(cli, ["banks", "list", "--only-banks", "--bank", str(tmp_path)])
    assert r.exit_code == 0 and r.output.split()[0] == "q1"
