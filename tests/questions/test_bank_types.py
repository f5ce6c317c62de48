"""A bank's every value is checked for its type before it is used, and banks check lists every
problem of every file, one line each."""

from __future__ import annotations

import subprocess
import sys

import pytest

GOOD = """  - id: {id}
    type: {type}
    topic: t
    scenario: {scenario}
    ask: {ask}
    prompt: {{zh: "{prompt}", en: "{prompt}"}}
    explanation: {{zh: x, en: x}}
"""
FILL = dict(type="fill", scenario="{preset: normal}", ask="{segment: syn, fields: [seq]}",
            prompt="{{ m.segment_row(asked, blanks) }}")

#: what to change in a good entry -> (the field named, words of the message)
BAD = {
    "difficulty-true": ({"extra": "difficulty: true"}, "difficulty", "1, 2 or 3"),
    "type-list": ({"type": "[fill]"}, "type", "unknown type"),
    "topic-list": ({"topic": "[a]"}, "topic", "a word"),
    "preset-list": ({"scenario": "{preset: [normal]}"}, "scenario.preset", "unknown preset"),
    "preset-map": ({"scenario": "{preset: {a: 1}}"}, "scenario.preset", "unknown preset"),
    "params-list": ({"scenario": "{preset: normal, params: [1]}"}, "scenario.params", "mapping"),
    "options-text": ({"scenario": "{preset: normal, options: x}"}, "scenario.options", "mapping"),
    "segment-true": ({"ask": "{segment: true, fields: [seq]}"}, "ask.segment", "segment"),
    "segment-list": ({"ask": "{segment: [syn], fields: [seq]}"}, "ask.segment", "segment"),
    "control-char": ({"prompt": "a\\x01b {{ m.segment_row(asked, blanks) }}"}, "prompt.zh",
                     "control character"),
    "compute-dup-ids": ({"type": "compute", "ask": "{values: [{id: a, value: x}, {id: a, value: y}]}",
                         "prompt": "{{ blank('a') }}"}, "ask.values", "distinct ids"),
    "ladder-dup-blanks": ({"type": "ladder", "ask": "{blanks: [{segment: 2, field: seq}, "
                           "{segment: 2, field: seq}]}", "prompt": "x"}, "ask.blanks", "distinct"),
}


def _bank(**change) -> str:
    fields = {**FILL, "id": "q1", **change}
    extra = fields.pop("extra", None)
    topic = fields.pop("topic", None)
    text = GOOD.format(**fields)
    if topic:
        text = text.replace("topic: t", f"topic: {topic}")
    if extra:
        text += f"    {extra}\n"
    return "entries:\n" + text


def _check(*paths):
    return subprocess.run([sys.executable, "-m", "quizgen", "banks", "check", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_value_of_the_wrong_type_is_one_line(tmp_path, name):
    change, field, words = BAD[name]
    path = tmp_path / "b.yaml"
    path.write_text(_bank(**change), encoding="utf-8")
    r = _check(path)
    assert r.returncode == 2, r.stdout
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"error: {path}:") and f"q1: {field}" in r.stderr, r.stderr
    assert words in r.stderr, r.stderr


def test_banks_check_lists_every_problem_of_every_file(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("entries:\n" + GOOD.format(id="fine", **FILL)
                   + GOOD.format(id="bad1", **{**FILL, "ask": "{segment: nope, fields: [seq]}"})
                   + GOOD.format(id="bad2", **{**FILL, "prompt": "{{ nothing_here }}"}),
                   encoding="utf-8")
    two = tmp_path / "two.yaml"
    two.write_text("entries: [\n", encoding="utf-8")
    three = tmp_path / "three.yaml"
    three.write_text("entries:\n" + GOOD.format(id="also_fine", **FILL), encoding="utf-8")
    r = _check(one, two, three)
    assert r.returncode == 2
    errors = r.stderr.splitlines()
    assert len(errors) == 3, errors
    assert any(f"{one}:" in e and "bad1: ask.segment" in e for e in errors)
    assert any(f"{one}:" in e and "bad2: prompt.zh" in e for e in errors)
    assert any(e.startswith(f"error: {two}:") and "YAML" in e for e in errors)
    assert r.stdout.strip() == f"ok  {three}: 1 entries"


def test_a_bank_given_adds_to_the_built_in_ones_unless_only_banks(tmp_path):
    from click.testing import CliRunner

    from quizgen.cli import cli
    from quizgen.questions import load_banks

    path = tmp_path / "mine.yaml"
    path.write_text("entries:\n" + GOOD.format(id="my-own", **FILL), encoding="utf-8")
    builtin = len(load_banks())
    listed = CliRunner().invoke(cli, ["banks", "list", "--bank", str(path)]).output.splitlines()
    assert len(listed) == builtin + 1 and listed[-1].startswith("my-own")
    only = CliRunner().invoke(cli, ["banks", "list", "--only-banks", "--bank", str(path)])
    assert only.output.splitlines() == [listed[-1]]
    again = CliRunner().invoke(cli, ["banks", "list", "--bank", str(load_banks()[0].source)])
    assert len(again.output.splitlines()) == builtin      # a built-in bank named again: once
    alone = CliRunner().invoke(cli, ["banks", "list", "--only-banks"])
    assert alone.exit_code == 2 and "--only-banks needs at least one --bank" in alone.output
