"""Fixtures for the export tests: the sample questions (tests/fixtures/questions_sample.json),
a question mixing every part kind, hostile variants of all of them, and a trivial diagram
renderer."""

from __future__ import annotations

import copy
import html
import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "questions_sample.json"

#: every character some format treats specially, plus emoji and Chinese
HOSTILE = "< > & ' \" ]]> { } ~ = # : \\ * [x] -> % {1:SHORTANSWER:=x} 😀 中文"
HOSTILE_ANSWER = "CLOSE{WAIT}~=#:\"'<&>]]>*\\ 😀 终止等待"


def svg_for(q: dict) -> str:
    """A trivial stand-in for the ladder renderer: an SVG naming the question."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
            f"<text x=\"4\" y=\"20\">{html.escape(q['qid'])}</text></svg>")


def load_sample() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def mixed_question(sample: list[dict]) -> dict:
    """A multi-part question with every kind of part: blanks in the prompt (bit, number, a
    choice inline) and parts asked after it (text, true/false, multiple choice, order)."""
    fill = next(q for q in sample if q["id"] == "s-fill")
    state = next(q for q in sample if q["id"] == "s-state")["parts"][0]
    multi = next(q for q in sample if q["id"] == "s-multi")["parts"][0]
    text = next(q for q in sample if q["id"] == "s-statetext")["parts"][0]
    tf = next(q for q in sample if q["id"] == "s-tf")["parts"][0]
    order = next(q for q in sample if q["id"] == "s-order")["parts"][0]
    q = copy.deepcopy(fill)
    q.update(qid="s-mixed@7", id="s-mixed", type="ladder", title="Everything at once",
             points=7)
    q["prompt"] = q["prompt"].replace('<td>5000</td>', '<td><span class="qg-blank" '
                                      'data-part="state"></span></td>')
    q["parts"] = copy.deepcopy(q["parts"]) + [
        dict(copy.deepcopy(state), id="state", label="A's state"),
        dict(copy.deepcopy(text), id="name", label="B's state"),
        dict(copy.deepcopy(tf), id="tw", label="TIME-WAIT", points=1),
        dict(copy.deepcopy(multi), id="seqs", label="seq users"),
        dict(copy.deepcopy(order), id="states", label="order"),
    ]
    return q


def make_hostile(questions: list[dict]) -> list[dict]:
    """The same questions with hostile text in every field a writer copies, and extreme
    numbers; answers stay answers."""
    out = []
    h = html.escape(HOSTILE, quote=True)
    for q in copy.deepcopy(questions):
        q["qid"] = q["qid"].replace("@", "-hostile@")
        q["title"] = f"{q['title']} {HOSTILE}"
        q["prompt"] = f"{q['prompt']}<p>{h} ]]&gt; raw: {{ }} ~ = # : [y]</p>"
        q["explanation"] = f"{q['explanation']}<p>{h}</p>"
        for p in q["parts"]:
            if p.get("label"):
                p["label"] = f"{p['label']} {HOSTILE}"
            if "feedback" in p or p["kind"] in ("number", "text"):
                p["feedback"] = f"{p.get('feedback', '')}<p>{h}</p>"
            if p["kind"] == "number":
                p["answer"] = 4294967295 if p["answer"] else 0
            elif p["kind"] == "text":
                p["accept"] = [*p["accept"], HOSTILE_ANSWER]
            elif p["kind"] == "choice":
                for c in p["choices"]:
                    c["text"] = f"{c['text']} {h}"
                    c["feedback"] = f"{c.get('feedback', '')}<p>{h}</p>"
            elif p["kind"] == "truefalse":
                p["feedback_true"] += f"<p>{h}</p>"
                p["feedback_false"] += f"<p>{h}</p>"
            elif p["kind"] == "order":
                for item in p["items"]:
                    item["text"] = f"{item['text']} {h}"
        out.append(q)
    return out


@pytest.fixture
def sample() -> list[dict]:
    return load_sample()


@pytest.fixture
def questions(sample) -> list[dict]:
    """The sample questions plus the mixed multi-part one."""
    return [*sample, mixed_question(sample)]


@pytest.fixture
def hostile(questions) -> list[dict]:
    return make_hostile(questions)


@pytest.fixture
def diagram():
    return svg_for


# --------------------------------------------------------------------------- validators

def schema_file(relative: str) -> str:
    """A vendored schema's path (tests/export/schemas); a missing one fails the test."""
    from .readback import SCHEMAS
    path = SCHEMAS / relative
    if not path.is_file():
        pytest.fail(f"missing schema {path} (see {SCHEMAS / 'README.md'})", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def qti21_schema():
    from .readback import PARSER, etree
    return etree.XMLSchema(etree.parse(schema_file("qti/qtiv2p1/imsqti_v2p1.xsd"), PARSER))


@pytest.fixture(scope="session")
def cp_schema():
    from .readback import PARSER, etree
    return etree.XMLSchema(etree.parse(schema_file("qti/imscp_v1p1.xsd"), PARSER))


@pytest.fixture(scope="session")
def qti12_dtd():
    from .readback import etree
    return etree.DTD(schema_file("qti/ims_qtiasiv1p2p1.dtd"))
