"""Moodle XML: parsed back with lxml and checked against Moodle's import rules
(question/format/xml/format.php and the question types' save checks); the golden file is in
test_export_golden.py."""

from __future__ import annotations

import base64

import copy

from quizgen.export import render
from quizgen.export.parts import accepted, shortanswer_escape
from quizgen.questions.markup import BLANK_RE
from quizgen.safehtml import clean_question

from .conftest import load_sample, make_hostile, mixed_question
from .readback import (
    MOODLE_GRADES,
    PARSER,
    cloze_fields,
    etree,
    expected,
    moodle_cloze_expected,
    moodle_keys,
    moodle_shortanswer_matches,
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
            _check_cloze_texts(el, q)
        else:
            assert got == [want[(q["qid"], q["parts"][0]["id"])]]


def _check_cloze_texts(el, q: dict) -> None:
    """Each cloze answer and feedback, as Moodle's parser reads it, is exactly the text of the
    question data (what render gives the writers: bank HTML cleaned)."""
    q = clean_question(q)
    parts = {p["id"]: p for p in q["parts"]}
    marked = BLANK_RE.findall(q["prompt"])
    order = [parts[i] for i in marked] + [p for p in q["parts"] if p["id"] not in marked]
    want: list[list[tuple[str, str]] | None] = []
    for p in order:
        if p["kind"] == "text":
            want.append([(shortanswer_escape(a), "") for a in accepted(p)])
        elif p["kind"] == "choice":
            want.append([(c["text"], c.get("feedback", "")) for c in p["choices"]])
        elif p["kind"] == "truefalse":
            words = ("True", "False") if q.get("lang") == "en" else ("正确", "错误")
            want.append(list(zip(words, (p["feedback_true"], p["feedback_false"]))))
        elif p["kind"] == "order":
            want += [[(str(k), "") for k in range(1, len(p["items"]) + 1)]] * len(p["items"])
        else:
            want.append(None)  # NUMERICAL: checked as a number
    got = [[(a, f) for _, a, f in alts] for _, _, alts in
           cloze_fields(el.findtext("questiontext/text"))]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is not None:
            assert g == w


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


# --------------------------------------------------------------------------- cloze read-back

#: spellings Moodle's cloze parser reads specially (readback.cloze_fields says how)
TRICKY = ["a~b", "back\\slash", "C:\\dir\\", "x}y", "#1", "=x", "%50%y", "A&", "A&amp;", "<b>",
          '"q"', "it's", "a/b", "star*", "\\*", "x\\}", "x\\#", "~", "😀 终止等待"]


def _cloze(q: dict) -> list:
    (qtype, _, el), = read_moodle(render([q], "moodle")).values()
    assert qtype == "cloze"
    return cloze_fields(el.findtext("questiontext/text"))


def test_the_cloze_reader_is_moodles():
    """readback.cloze_fields does what qtype_multianswer_extract_question does: only \\} and
    \\# are un-escaped (so the ``\\~`` quizgen used to write stays ``\\~``), references are
    decoded once, a field's text ends at an unescaped ``}``."""
    assert cloze_fields("{1:SHORTANSWER:=a\\~b~=c}") == [
        (1, "SHORTANSWER", [(100, "a\\~b", ""), (100, "c", "")])]
    assert cloze_fields("{1:SA:=a&#126;b\\}\\#&amp;lt;}") == [
        (1, "SHORTANSWER", [(100, "a~b}#&lt;", "")])]
    assert cloze_fields("{2:MC:=x#f \\} \\/ ok~%50%y} {1:NM:=7:0}") == [
        (2, "MULTICHOICE", [(100, "x", "f } \\/ ok"), (50, "y", "")]),
        (1, "NUMERICAL", [(100, "7:0", "")])]
    assert moodle_shortanswer_matches("a*b", "a\\*b") and moodle_shortanswer_matches("aXYb", "a*b")
    assert not moodle_shortanswer_matches("axb", "a\\*b")


def test_accepted_spellings_read_back_exactly():
    """Every accepted spelling, whatever it holds, is an alternative of the SHORTANSWER field
    that Moodle grades right when typed, and the old ``\\~``/``\\\\`` forms are not accepted."""
    q = mixed_question(load_sample())
    name = next(p for p in q["parts"] if p["id"] == "name")
    name["accept"] = [*name["accept"], *TRICKY]
    (field,) = [f for f in _cloze(q) if f[1] == "SHORTANSWER"]
    patterns = [a for _, a, _ in field[2]]
    spellings = accepted(name)
    assert set(TRICKY) <= set(spellings)
    assert patterns == [shortanswer_escape(s) for s in spellings]
    for s in spellings:
        assert any(moodle_shortanswer_matches(s, p) for p in patterns), s
    for s in ("a\\~b", "back\\\\slash", "x\\}y"):
        assert not any(moodle_shortanswer_matches(s, p) for p in patterns), s


def test_cloze_choices_and_feedback_read_back_exactly(hostile):
    """Choice texts and feedback (HTML) reach Moodle as the very HTML of the question data."""
    q = copy.deepcopy(next(h for h in hostile if h["id"] == "s-mixed"))
    fields = {ftype: alts for _, ftype, alts in _cloze(q)}
    q = clean_question(q)  # what the writers are given (quizgen.export.render cleans bank HTML)
    multi = next(p for p in q["parts"] if p["id"] == "seqs")
    assert [(a, f) for _, a, f in fields["MULTIRESPONSE"]] == [
        (c["text"], c["feedback"]) for c in multi["choices"]]
    tf = next(p for p in q["parts"] if p["id"] == "tw")
    assert [f for _, _, f in fields["MULTICHOICE_V"]] == [tf["feedback_true"],
                                                          tf["feedback_false"]]
