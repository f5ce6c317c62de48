"""Moodle XML: parsed back with lxml and checked against Moodle's import rules
(question/format/xml/format.php and the question types' save checks); the golden file is in
test_export_golden.py."""

from __future__ import annotations

import base64

from quizgen.export import render

from .conftest import load_sample, make_hostile, mixed_question
from .readback import (
    MOODLE_GRADES,
    PARSER,
    cloze_fields,
    etree,
    expected,
    moodle_cloze_expected,
    moodle_keys,
    plain,
    read_moodle,
)

TYPES = {"numerical", "multichoice", "shortanswer", "truefalse", "matching", "cloze"}


def _check_rules(data: bytes, questions: list[dict]) -> None:
    root = etree.fromstring(data, PARSER)
    by_qid = {q["qid"]: q for q in questions}
    seen_categories, current = [], None
    for el in root.iterchildren("question"):
        qtype = el.get("type")
        if qtype == "category":
            current = el.findtext("category/text")
            assert current not in seen_categories, "one category per bank entry"
            seen_categories.append(current)
            continue
        assert qtype in TYPES
        q = by_qid[el.findtext("idnumber")]
        assert current == f"$course$/quizgen/{q['bank']}/{q['id']}"
        assert el.findtext("name/text").strip(), "Moodle refuses a question without a name"
        assert el.find("questiontext").get("format") == "html"
        assert el.findtext("generalfeedback/text") is not None
        fractions = [float(a.get("fraction")) for a in el.findall("answer")]
        for f in fractions:
            assert abs(f) in MOODLE_GRADES, f"fraction {f} is not on Moodle's grade list"
        if qtype == "multichoice":
            if el.findtext("single") == "true":
                assert sorted(fractions)[-1] == 100 and sum(f == 100 for f in fractions) == 1
                assert all(f in (0, 100) for f in fractions)
            else:
                assert abs(sum(f for f in fractions if f > 0) - 100) < 0.001
                assert all(f <= 0 for f in fractions if f not in
                           {f for f in fractions if f > 0})
        if qtype in ("numerical", "shortanswer"):
            assert fractions and max(fractions) == 100
        if qtype == "truefalse":
            assert sorted(fractions) == [0, 100]
        if qtype == "matching":
            subs = el.findall("subquestion")
            assert sum(1 for s in subs if (s.findtext("text") or "").strip()) >= 2
            assert len({s.findtext("answer/text") for s in subs}) >= 3
        if qtype == "cloze":
            fields = cloze_fields(el.findtext("questiontext/text"))
            assert len(fields) >= 2
            for weight, ftype, alts in fields:
                assert weight >= 1
                for fraction, answer, _ in alts:
                    assert answer, "a cloze alternative needs an answer"
                    assert abs(fraction) in MOODLE_GRADES
                if ftype.startswith(("MULTICHOICE", "MC")):
                    assert sum(1 for f, _, _ in alts if f == 100) == 1
        # every @@PLUGINFILE@@ image travels as a base64 file of the question text
        text = el.findtext("questiontext/text")
        files = {f.get("name"): f for f in el.findall("questiontext/file")}
        for name in set(_plugin_files(text)):
            assert name in files and files[name].get("encoding") == "base64"
            svg = base64.b64decode(files[name].text)
            assert etree.fromstring(svg, PARSER).tag == "{http://www.w3.org/2000/svg}svg"
        assert bool(files) == bool(q.get("diagram"))
    assert len(seen_categories) == len({q["id"] for q in questions})


def _plugin_files(text: str) -> list[str]:
    import re
    return re.findall(r'@@PLUGINFILE@@/([^"\']+)', text)


def _check_answers(data: bytes, questions: list[dict]) -> None:
    read = read_moodle(data)
    want = expected(questions)
    assert set(read) == {q["qid"] for q in questions}
    for q in questions:
        qtype, _, el = read[q["qid"]]
        got = moodle_keys(el, qtype)
        if len(q["parts"]) > 1:
            assert qtype == "cloze"
            assert got == moodle_cloze_expected(q)
        else:
            assert got == [want[(q["qid"], q["parts"][0]["id"])]]


def test_types_follow_the_parts(questions, diagram):
    read = read_moodle(render(questions, "moodle", diagram_svg=diagram))
    types = {qid: t for qid, (t, _, _) in read.items()}
    assert types == {"s-fill@7": "cloze", "s-state@7": "multichoice",
                     "s-statetext@7": "shortanswer", "s-multi@7": "multichoice",
                     "s-tf@7": "truefalse", "s-order@7": "matching", "s-compute@7": "numerical",
                     "s-mixed@7": "cloze"}


def test_import_rules_and_answers(questions, diagram):
    data = render(questions, "moodle", diagram_svg=diagram)
    _check_rules(data, questions)
    _check_answers(data, questions)


def test_hostile_text_survives(hostile, diagram):
    data = render(hostile, "moodle", diagram_svg=diagram)
    _check_rules(data, hostile)
    _check_answers(data, hostile)
    read = read_moodle(data)
    for q in hostile:
        _, _, el = read[q["qid"]]
        assert el.findtext("name/text") == q["title"]
        assert plain(q["explanation"]) in plain(el.findtext("generalfeedback/text"))
        if len(q["parts"]) == 1:
            assert plain(q["prompt"]) in plain(el.findtext("questiontext/text"))


def test_three_correct_answers_get_33_33333():
    q = load_sample()[3]  # s-multi
    q["parts"][0]["choices"] = [
        {"id": k, "text": k, "correct": k != "d", "feedback": ""} for k in "abcd"]
    data = render([q], "moodle").decode()
    assert data.count('fraction="33.33333"') == 3 and 'fraction="-100"' in data


def test_cloze_weights_follow_part_points():
    q = mixed_question(load_sample())
    (qtype, _, el), = read_moodle(render([q], "moodle")).values()
    weights = [w for w, _, _ in cloze_fields(el.findtext("questiontext/text"))]
    # 7 points: "tw" has 1, the other seven parts share 6 (6/7 each), the order part's 6/7
    # is spread over its 5 items; smallest integers in proportion 6/7 : 1 : 6/35 = 30 : 35 : 6.
    # Text order: the prompt's blanks (syn, ack_bit, state, ack), then name, tw, seqs, states.
    assert weights == [30, 30, 30, 30, 30, 35, 30, 6, 6, 6, 6, 6]


def test_two_item_order_gets_a_distractor_answer():
    q = load_sample()[5]  # s-order
    part = q["parts"][0]
    part["items"], part["answer"] = part["items"][:2], ["i2", "i1"]
    data = render([q], "moodle")
    _check_rules(data, [q])
    _check_answers(data, [q])


def test_hostile_helper_changes_every_question(questions):
    assert all(h["title"] != q["title"] for h, q in zip(make_hostile(questions), questions))
