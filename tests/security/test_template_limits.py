"""Bank templates are read-only and bounded (quizgen/questions/sandbox.py).

Every bomb in template_bombs.BOMBS must end, within a few seconds and under a memory cap, as a
one-line bank error naming the file, the line, the entry and the field; every mutation must
leave keys, traces and the other entries' questions as they were.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import BankError
from quizgen.questions import markup, sandbox
from quizgen.questions.bank import find_entry, generate_question, load_bank, load_banks
from tests.security.template_bombs import BOMBS, MUTATIONS, bank

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 1536 << 20          # bytes of address space for the process running the bombs

RUNNER = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from pathlib import Path
from quizgen.errors import BankError
from quizgen.questions.bank import load_bank
from tests.security.template_bombs import BOMBS, bank
out = {}
for name, body in BOMBS.items():
    path = Path(sys.argv[1]) / f"{name}.yaml"
    path.write_text(bank(body), encoding="utf-8")
    start = time.perf_counter()
    try:
        load_bank(path)
        out[name] = [None, time.perf_counter() - start]
    except BankError as exc:
        out[name] = [str(exc), time.perf_counter() - start]
print(json.dumps(out))
"""


def test_the_corpus_is_large():
    assert len(BOMBS) >= 30 and len(MUTATIONS) >= 10


def test_every_bomb_is_a_one_line_bank_error_in_seconds_under_a_memory_cap(tmp_path):
    r = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path), str(MEMORY_CAP)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads(r.stdout)
    assert set(results) == set(BOMBS)
    for name, (message, seconds) in results.items():
        assert message is not None, f"{name}: the bank loaded"
        assert "\n" not in message, (name, message)
        assert message.startswith(str(tmp_path / f"{name}.yaml") + ":9: bomb: prompt."), \
            (name, message)
        assert "Traceback" not in message and "MemoryError" not in message, (name, message)
        assert seconds < 5, (name, seconds)


@pytest.mark.parametrize("name", ["nested-range", "center", "self-macro", "doubling-concat",
                                  "pow-tower"])
def test_banks_check_reports_a_bomb_in_one_line_with_exit_2(tmp_path, name):
    path = tmp_path / "b.yaml"
    path.write_text(bank(BOMBS[name]), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "quizgen", "banks", "check", str(path)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"error: {path}:9: bomb: prompt.zh: template")


def _plain(q: dict) -> dict:
    return {"parts": q["parts"], "trace": q["trace"]}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_template_cannot_change_what_it_is_given(tmp_path, name):
    clean = tmp_path / "clean.yaml"
    clean.write_text(bank(""), encoding="utf-8")
    expected = [_plain(generate_question(e, s, "en")) for e in load_bank(clean) for s in (0, 1)]
    builtin = find_entry("hs-2-fill", load_banks())
    before = generate_question(builtin, 3, "zh")
    path = tmp_path / "m.yaml"
    path.write_text(bank(MUTATIONS[name]), encoding="utf-8")
    try:
        entries = load_bank(path)
    except BankError as exc:
        assert "\n" not in str(exc) and ":9: bomb: prompt.zh:" in str(exc)
    else:
        got = [_plain(generate_question(e, s, "en")) for e in entries for s in (0, 1)]
        assert got == expected
    assert markup.MACROS == {"segment_row": markup.segment_row, "inline": markup.inline}
    assert generate_question(builtin, 3, "zh") == before


def test_the_built_in_templates_use_a_sliver_of_the_budget():
    """The bounds are far from what real questions need: the built-in entries' heaviest
    render spends under 1% of the work and makes values far below the size bound."""
    heaviest = 0
    original = sandbox.Budget.charge

    def charge(self, units):
        nonlocal heaviest
        original(self, units)
        heaviest = max(heaviest, self.work)

    sandbox.Budget.charge = charge
    try:
        for entry in load_banks():
            for lang in ("zh", "en"):
                generate_question(entry, 7, lang)
    finally:
        sandbox.Budget.charge = original
    assert 0 < heaviest < sandbox.MAX_WORK // 100, heaviest


SEED_DEPENDENT = """bank: even
entries:
  - id: even-x
    type: fill
    topic: t
    scenario: {preset: normal}
    ask: {segment: syn, fields: [seq]}
    prompt:
      zh: "{% if x is even %}{{ no_such_name }}{% endif %}{{ m.segment_row(asked, blanks) }}"
      en: "{{ m.segment_row(asked, blanks) }}"
    explanation: {zh: "<p>x</p>", en: "<p>x</p>"}
"""


def test_banks_check_renders_many_seeds(tmp_path):
    """A template that fails only for even x used to pass 'banks check' (seed 0 has an odd x)
    and then broke drills and exports."""
    path = tmp_path / "odd.yaml"
    path.write_text(SEED_DEPENDENT, encoding="utf-8")
    load_bank(path)                           # the trial render alone does not see it
    r = CliRunner().invoke(cli, ["banks", "check", str(path)])
    assert r.exit_code == 2
    assert "even-x: prompt.zh: template error: 'no_such_name' is undefined" in r.output


GIVEAWAY = """bank: giveaway
entries:
  - id: tells
    type: fill
    topic: t
    scenario: {preset: normal}
    ask: {segment: synack, fields: [ack]}
    prompt:
      zh: "<p>x = {{ x }}，确认号是 {{ seg.synack.ack }}。</p>{{ m.segment_row(asked, blanks) }}"
      en: "<p>The ack is {{ seg.synack.ack }}.</p>{{ m.segment_row(asked, blanks) }}"
    explanation: {zh: "<p>x</p>", en: "<p>x</p>"}
  - id: quiet
    type: fill
    topic: t
    scenario: {preset: normal}
    ask: {segment: synack, fields: [ack]}
    prompt:
      zh: "<p>A 的初始序号 x = {{ x }}。</p>{{ m.segment_row(asked, blanks) }}"
      en: "<p>A's ISN is x = {{ x }}.</p>{{ m.segment_row(asked, blanks) }}"
    explanation: {zh: "<p>x</p>", en: "<p>x</p>"}
"""


def test_banks_check_refuses_a_prompt_that_prints_a_blanks_answer(tmp_path):
    """A blank whose answer the prompt prints is given away: a bank error (issue 13), on the
    entry's prompt line; the entry that prints only x is fine."""
    path = tmp_path / "g.yaml"
    path.write_text(GIVEAWAY, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "quizgen", "banks", "check", str(path)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    errors = r.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"error: {path}:"), errors
    assert ": tells: prompt.zh: " in errors[0] and "blank 'ack'" in errors[0]
    assert "is printed in the question" in errors[0] and "quiet" not in errors[0]
