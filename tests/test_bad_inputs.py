"""A corpus of bad inputs across every surface a user touches: banks, paper specs, scenario
scripts, rosters and command-line options (captures have theirs in tests/capture, templates
in tests/security). Each must end as one line ``error: ...`` naming the file and line where
there is one, exit status 2, no traceback, and nothing written in the output folder.

Run in-process through click (a subprocess each would take minutes); the command line's own
error handling (quizgen.cli) is what runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from tests.one_line import one_line_error

GOOD_ENTRY = {
    "id": "q1", "type": "fill", "topic": "handshake", "scenario": "{preset: normal}",
    "ask": "{segment: synack, fields: [seq, ack]}",
    "prompt": '{zh: "{{ m.segment_row(asked, blanks) }}", en: "{{ m.segment_row(asked, blanks) }}"}',
    "explanation": "{zh: x, en: x}",
}


def bank_text(**change: str | None) -> str:
    fields = {**GOOD_ENTRY, **change}
    lines = [f"    {k}: {v}" for k, v in fields.items() if v is not None]
    return "entries:\n  - " + "\n".join(lines)[4:] + "\n"


#: bank name -> its text (each is one mistake in an otherwise good bank)
BANKS: dict[str, str] = {
    "empty": "",
    "not-a-mapping": "- 1\n- 2\n",
    "no-entries": "bank: x\n",
    "entries-a-mapping": "entries: {a: 1}\n",
    "unknown-top-key": "entries: []\nfoo: 1\n",
    "bad-bank-name": "bank: [x]\nentries: []\n",
    "entry-a-list": "entries:\n  - [1, 2]\n",
    "unterminated-quote": 'entries:\n  - id: "q1\n',
    "tab-indent": "entries:\n\t- id: q1\n",
    "alias": "x: &a 1\nentries: [*a]\n",
    "tag": "entries: !!python/object:os.system []\n",
    "duplicate-key": bank_text() + "entries: []\n",
    "nul": "entries: []\n\x00\n",
    "missing-id": bank_text(id=None),
    "missing-type": bank_text(type=None),
    "missing-topic": bank_text(topic=None),
    "missing-scenario": bank_text(scenario=None),
    "missing-ask": bank_text(ask=None),
    "missing-prompt": bank_text(prompt=None),
    "missing-explanation": bank_text(explanation=None),
    "unknown-key": bank_text(colour="red"),
    "id-spaces": bank_text(id='"a b"'),
    "id-list": bank_text(id="[a]"),
    "id-number": bank_text(id="5"),
    "type-unknown": bank_text(type="essay"),
    "type-list": bank_text(type="[fill]"),
    "type-null": bank_text(type="null"),
    "topic-list": bank_text(topic="[a]"),
    "topic-empty": bank_text(topic='""'),
    "tags-text": bank_text(tags="x"),
    "tags-numbers": bank_text(tags="[1, 2]"),
    "difficulty-4": bank_text(difficulty="4"),
    "difficulty-true": bank_text(difficulty="true"),
    "difficulty-text": bank_text(difficulty="hard"),
    "points-0": bank_text(points="0"),
    "points-negative": bank_text(points="-3"),
    "points-huge": bank_text(points="1000"),
    "points-nan": bank_text(points=".nan"),
    "points-inf": bank_text(points=".inf"),
    "points-text": bank_text(points="many"),
    "scenario-text": bank_text(scenario="normal"),
    "scenario-both": bank_text(scenario="{preset: normal, script: x}"),
    "scenario-neither": bank_text(scenario="{}"),
    "preset-unknown": bank_text(scenario="{preset: nope}"),
    "preset-list": bank_text(scenario="{preset: [normal]}"),
    "params-list": bank_text(scenario="{preset: normal, params: [1]}"),
    "params-unknown": bank_text(scenario="{preset: normal, params: {colour: 1}}"),
    "params-bad-range": bank_text(scenario="{preset: normal, params: {isn: [9, 1]}}"),
    "options-text": bank_text(scenario="{preset: normal, options: x}"),
    "options-unknown": bank_text(scenario="{preset: normal, options: {turbo: true}}"),
    "option-bad-value": bank_text(scenario="{preset: normal, options: {msl: -1}}"),
    "script-number": bank_text(scenario="{script: 5}"),
    "script-bad-step": bank_text(scenario='{script: "steps: [{A: fly}]"}'),
    "ask-text": bank_text(ask="synack"),
    "ask-unknown-key": bank_text(ask="{segment: synack, fields: [seq], colour: 1}"),
    "segment-unknown": bank_text(ask="{segment: nope, fields: [seq]}"),
    "segment-zero": bank_text(ask="{segment: 0, fields: [seq]}"),
    "segment-true": bank_text(ask="{segment: true, fields: [seq]}"),
    "segment-absent-in-trace": bank_text(ask="{segment: 99, fields: [seq]}"),
    "fields-empty": bank_text(ask="{segment: synack, fields: []}"),
    "fields-unknown": bank_text(ask="{segment: synack, fields: [window]}"),
    "fields-twice": bank_text(ask="{segment: synack, fields: [seq, seq]}"),
    "random-too-many": bank_text(ask="{segment: synack, fields: [seq], random: 5}"),
    "ack-of-syn": bank_text(ask="{segment: syn, fields: [ack]}"),
    "state-no-who": bank_text(type="state", ask="{segment: syn}"),
    "state-bad-who": bank_text(type="state", ask="{segment: syn, who: C}"),
    "claim-unknown": bank_text(type="truefalse", ask="{claim: nope}"),
    "order-bad": bank_text(type="ordering", ask="{order: letters}"),
    "compute-bad-value": bank_text(type="compute", ask="{values: [{id: a, value: z}]}"),
    "ladder-bad-field": bank_text(type="ladder", ask="{blanks: [{segment: 2, field: flags}]}"),
    "prompt-text": bank_text(prompt="hello"),
    "prompt-missing-lang": bank_text(prompt='{zh: "x"}'),
    "prompt-extra-lang": bank_text(prompt='{zh: x, en: x, fr: x}'),
    "prompt-number": bank_text(prompt="{zh: 1, en: 2}"),
    "template-syntax": bank_text(prompt='{zh: "{{ x ", en: x}'),
    "template-undefined": bank_text(prompt='{zh: "{{ nothing }}", en: x}'),
    "template-internals": bank_text(prompt="{zh: \"{{ ''.__class__ }}\", en: x}"),
    "template-mutation": bank_text(prompt='{zh: "{{ part.seq.update({}) }}", en: x}'),
    "template-bomb": bank_text(prompt="{zh: \"{{ 'x' * 10**9 }}\", en: x}"),
    "template-blank-unknown": bank_text(prompt="{zh: \"{{ blank('nope') }}\", en: x}"),
    "control-char": bank_text(prompt='{zh: "a\\x01", en: x}'),
    "lone-surrogate": bank_text(prompt='{zh: "\\ud800", en: x}'),
    "duplicate-ids": bank_text() + "  - " + bank_text()[len("entries:\n  - "):],
}

#: spec name -> its text; the sections use built-in topics and ids
GOOD_SPEC = "title: T\nlang: zh\nseed: 5\nsections:\n  - title: S\n    topic: handshake\n    count: 2\n"
SPECS: dict[str, str] = {
    "empty": "",
    "a-list": "- a\n",
    "no-title": "sections:\n  - {title: S, topic: handshake, count: 1}\n",
    "no-sections": "title: T\n",
    "sections-empty": "title: T\nsections: []\n",
    "sections-text": "title: T\nsections: x\n",
    "unknown-key": GOOD_SPEC + "colour: red\n",
    "duplicate-key": GOOD_SPEC + "title: U\n",
    "title-list": GOOD_SPEC.replace("title: T", "title: [T]"),
    "lang-fr": GOOD_SPEC.replace("lang: zh", "lang: fr"),
    "paper-a5": GOOD_SPEC + "paper_size: A5\n",
    "versions-0": GOOD_SPEC + "versions: 0\n",
    "versions-huge": GOOD_SPEC + "versions: 100000\n",
    "versions-true": GOOD_SPEC + "versions: true\n",
    "seed-text": GOOD_SPEC.replace("seed: 5", "seed: five"),
    "seed-float": GOOD_SPEC.replace("seed: 5", "seed: 1.5"),
    "shuffle-text": GOOD_SPEC + "shuffle_questions: sometimes\n",
    "key-appended-number": GOOD_SPEC + "key_appended: 2\n",
    "section-no-title": "title: T\nsections:\n  - {topic: handshake, count: 1}\n",
    "section-no-source": "title: T\nsections:\n  - {title: S, count: 1}\n",
    "section-two-sources": "title: T\nsections:\n  - {title: S, topic: handshake, bank: x, count: 1}\n",
    "section-unknown-key": "title: T\nsections:\n  - {title: S, topic: handshake, count: 1, x: 1}\n",
    "count-0": GOOD_SPEC.replace("count: 2", "count: 0"),
    "count-text": GOOD_SPEC.replace("count: 2", "count: two"),
    "count-too-many": GOOD_SPEC.replace("count: 2", "count: 500"),
    "count-missing": GOOD_SPEC.replace("    count: 2\n", ""),
    "points-negative": GOOD_SPEC + "    points: -1\n",
    "points-nan": GOOD_SPEC + "    points: .nan\n",
    "points-text": GOOD_SPEC + "    points: lots\n",
    "topic-unknown": GOOD_SPEC.replace("topic: handshake", "topic: cooking"),
    "bank-unknown": GOOD_SPEC.replace("topic: handshake", "bank: cooking"),
    "ids-unknown": "title: T\nsections:\n  - {title: S, ids: [nope]}\n",
    "ids-twice": "title: T\nsections:\n  - {title: S, ids: [hs-2-fill, hs-2-fill]}\n",
    "ids-text": "title: T\nsections:\n  - {title: S, ids: hs-2-fill}\n",
    "ids-count-more": "title: T\nsections:\n  - {title: S, ids: [hs-2-fill], count: 3}\n",
    "alias": "t: &t T\ntitle: *t\nsections: []\n",
    "tag": GOOD_SPEC.replace("title: T", "title: !!binary aGk="),
    "bad-yaml": "title: [T\n",
}

SCRIPTS: dict[str, str] = {
    "empty": "",
    "a-list": "- A: connect\n",
    "no-steps": "isn: {A: 1, B: 2}\n",
    "steps-text": "steps: connect\n",
    "step-unknown-host": "steps:\n  - C: connect\n",
    "step-unknown-verb": "steps:\n  - A: fly\n",
    "step-two-hosts": "steps:\n  - {A: connect, B: listen}\n",
    "send-negative": "steps:\n  - A: connect\n  - A: send -5\n",
    "send-text": "steps:\n  - A: connect\n  - A: send lots\n",
    "send-before-connect": "steps:\n  - A: send 10\n",
    "isn-text": "isn: {A: x, B: 2}\nsteps:\n  - A: connect\n",
    "isn-too-big": "isn: {A: 4294967296, B: 2}\nsteps:\n  - A: connect\n",
    "isn-negative": "isn: {A: -1, B: 2}\nsteps:\n  - A: connect\n",
    "option-unknown": "options: {turbo: 1}\nsteps:\n  - A: connect\n",
    "option-bad": "options: {fin_ack: maybe}\nsteps:\n  - A: connect\n",
    "mss-0": "options: {mss: 0}\nsteps:\n  - A: connect\n",
    "msl-text": "options: {msl: long}\nsteps:\n  - A: connect\n",
    "unknown-key": "colour: red\nsteps:\n  - A: connect\n",
    "alias": "s: &s {A: connect}\nsteps: [*s]\n",
    "bad-yaml": "steps: [\n",
}

ROSTERS: dict[str, bytes] = {
    "empty": b"",
    "no-header": b"2026001,Ann\n",
    "wrong-header": b"number,who\n1,a\n",
    "duplicate-id": b"student_id,name\n1,a\n1,b\n",
    "missing-id": b"student_id,name\n,a\n",
    "header-only": b"student_id,name\n",
    "open-quote": b'student_id,name\n1,"Ann\n2,Bob\n',
    "binary": b"\x00\x01\x02\xff\xfe",
    "not-xlsx": b"PK\x03\x04 this is no workbook",
    "latin-1": "student_id,name\n1,Jos\u00e9\n".encode("utf-16"),
}


def _invoke(args: list[str], cwd: Path):
    runner = CliRunner()
    result = runner.invoke(cli, args, catch_exceptions=True)
    return result


def test_the_corpus_is_large():
    total = len(BANKS) + len(SPECS) + len(SCRIPTS) + len(ROSTERS) + len(OPTIONS)
    assert total >= 150, total


@pytest.mark.parametrize("name", sorted(BANKS))
def test_bad_bank(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(BANKS[name], encoding="utf-8", errors="surrogatepass")
    out = tmp_path / "out"
    line = one_line_error(_invoke(["paper", "--only-banks", "--bank", str(path), "--format", "html",
                              "--out", str(out)], tmp_path), str(path))
    assert not out.exists(), line
    one_line_error(_invoke(["banks", "check", str(path)], tmp_path), str(path))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_bad_spec(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(SPECS[name], encoding="utf-8")
    out = tmp_path / "out"
    one_line_error(_invoke(["paper", str(path), "--format", "html", "--out", str(out)], tmp_path),
              str(path))
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_bad_script(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCRIPTS[name], encoding="utf-8")
    one_line_error(_invoke(["trace", "--script", str(path)], tmp_path), str(path))


@pytest.mark.parametrize("name", sorted(ROSTERS))
def test_bad_roster(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(ROSTERS[name])
    out = tmp_path / "out"
    one_line_error(_invoke(["paper", "--roster", str(path), "--format", "html", "--out", str(out)],
                      tmp_path), str(path))
    assert not out.exists()


OPTIONS: dict[str, list[str]] = {
    "no-command": ["fly"],
    "paper-format": ["paper", "--format", "docx2"],
    "paper-format-empty": ["paper", "--format", ","],
    "paper-jobs-0": ["paper", "--jobs", "0"],
    "paper-jobs-text": ["paper", "--jobs", "many"],
    "paper-missing-spec": ["paper", "/nonexistent/spec.yaml"],
    "paper-stream-alone": ["paper", "--stream", "1"],
    "paper-relative-alone": ["paper", "--relative"],
    "paper-pcap-missing": ["paper", "--pcap", "/nonexistent.pcap"],
    "paper-only-banks-alone": ["paper", "--only-banks"],
    "paper-bank-missing": ["paper", "--bank", "/nonexistent/bank.yaml"],
    "key-bad-code": ["key", "12345", "--spec", "SAMPLE"],
    "key-no-spec": ["key", "ABCDEF"],
    "question-unknown": ["question", "no-such-entry"],
    "question-lang": ["question", "hs-2-fill", "--lang", "fr"],
    "question-seed-text": ["question", "hs-2-fill", "--seed", "x"],
    "trace-unknown-preset": ["trace", "nope"],
    "trace-preset-and-script": ["trace", "normal", "--script", "x.yaml"],
    "trace-stream-alone": ["trace", "--stream", "2"],
    "trace-pcap-and-preset": ["trace", "normal", "--pcap", "x.pcap"],
    "export-no-format": ["export", "--out", "x.xml"],
    "export-bad-format": ["export", "--format", "docx", "--out", "x.xml"],
    "export-variants-0": ["export", "--format", "gift", "--variants", "0", "--out", "x.gift"],
    "export-unknown-ids": ["export", "--format", "gift", "--ids", "nope", "--out", "x.gift"],
    "export-out-folder": ["export", "--format", "gift", "--out", "OUTDIR"],
    "drill-difficulty": ["drill", "--difficulty", "7"],
    "drill-topic": ["drill", "--topic", "cooking", "--html", "x.html"],
    "drill-count": ["drill", "--html", "x.html", "--count", "0"],
    "serve-port": ["serve", "--port", "99999"],
    "serve-host": ["serve", "--host", "999.1.1.1", "--port", "0"],
    "serve-weak-secret": ["serve", "--secret", "password", "--port", "0"],
    "banks-check-none": ["banks", "check"],
    "banks-check-missing": ["banks", "check", "/nonexistent.yaml"],
    "spec-folder": ["spec", "OUTDIR"],
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_bad_option(tmp_path, name, monkeypatch):
    from quizgen.paper.spec import sample_spec_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "OUTDIR").mkdir()
    args = [str(sample_spec_path()) if a == "SAMPLE" else a for a in OPTIONS[name]]
    before = sorted(p.name for p in tmp_path.iterdir())
    one_line_error(_invoke(args, tmp_path), None)
    assert sorted(p.name for p in tmp_path.iterdir()) == before       # nothing written
