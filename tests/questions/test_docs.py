"""docs/banks.md, the guide to writing banks, stays true: its example bank and scenario
snippets load and generate, and it names every type, ask key, claim, landmark and preset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from quizgen.questions.types import TYPES
from quizgen.questions.types.truefalse import CLAIMS
from quizgen.questions import landmarks as lm
from quizgen.questions.bank import ASK_KEYS, generate_question, load_bank
from quizgen.tcp.script import PRESET_PARAMS, PRESETS

from .test_stress import check_question

DOC = Path(__file__).resolve().parents[2] / "docs" / "banks.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, re.S)


def test_the_example_bank_loads_and_every_entry_generates(tmp_path):
    bank, = [b for b in BLOCKS if b.startswith("bank:")]
    path = tmp_path / "example.yaml"
    path.write_text(bank, encoding="utf-8")
    entries = load_bank(path)
    assert sorted(e.type for e in entries) == sorted(TYPES)       # one of each type
    for e in entries:
        for seed in range(25):
            for lang in ("zh", "en"):
                check_question(generate_question(e, seed, lang))


@pytest.mark.parametrize("snippet", [b for b in BLOCKS if b.startswith("scenario:")])
def test_the_scenario_snippets_load(snippet, tmp_path):
    entry = {"id": "q", "type": "fill", "topic": "t", "ask": {"segment": "fin2_ack", "fields": ["ack"]},
             "prompt": {"zh": "{{ w }}", "en": "{{ w }}"}, "explanation": {"zh": "-", "en": "-"},
             **yaml.safe_load(snippet)}
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump({"entries": [entry]}, allow_unicode=True), encoding="utf-8")
    e, = load_bank(path)
    q = generate_question(e, 3, "en")
    assert q["prompt"] == str(q["trace"]["values"]["w"])


def test_it_names_everything_a_bank_can_say():
    prose = re.sub(r"```.*?```", "", TEXT, flags=re.S)
    named = set(re.findall(r"`([^`]+)`", prose))
    wanted = (set(TYPES) | set(CLAIMS) | set(lm.LANDMARKS) | set(PRESETS)
              | set(PRESET_PARAMS) | {k for keys in ASK_KEYS.values() for k in keys})
    assert wanted - named == set()


def test_the_readme_bank_example_loads(tmp_path):
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    bank, = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if b.startswith("bank:")]
    path = tmp_path / "readme.yaml"
    path.write_text(bank, encoding="utf-8")
    entry, = load_bank(path)
    q = generate_question(entry, 3, "en")
    check_question(q)
    assert str(q["parts"][-1]["answer"]) in q["explanation"]


def test_the_misconception_catalogue_is_documented():
    """docs/misconceptions.md is the catalogue for teachers: every misconception with its
    rule, its source and its feedback in both languages."""
    from quizgen.questions.names import MISCONCEPTIONS

    doc = (DOC.parent / "misconceptions.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines()
            if line.startswith("| `")}
    assert set(rows) == set(MISCONCEPTIONS)
    for mid, m in MISCONCEPTIONS.items():
        for text in (m["rule"]["en"], m["source"], m["feedback"]["en"], m["feedback"]["zh"]):
            assert text.replace("|", "\\|") in rows[mid], (mid, text)
