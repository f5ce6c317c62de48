"""The shared answer checker: forgiving where it should be, strict where it must be."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.drill import check
from quizgen.questions import generate_question
from quizgen.questions.names import STATES, spellings
from tests.drill.support import GARBAGE, right_typing, wrong_typing

NUMBER = {"id": "ack", "kind": "number", "label": "ack", "answer": 1000}
BIT = {"id": "syn", "kind": "bit", "label": "SYN", "answer": 1}
STATE = {"id": "state", "kind": "text", "label": "state", "answer": "FIN-WAIT-2",
         "accept": ["FIN-WAIT-2", "FIN_WAIT2", "终止等待2"]}
TEXT = {"id": "word", "kind": "text", "label": "word", "answer": "Karn", "accept": ["karn's"]}
TF = {"id": "claim", "kind": "truefalse", "label": "", "answer": False,
      "feedback_true": "<p>No.</p>", "feedback_false": "Right."}
CHOICE = {"id": "c", "kind": "choice", "label": "", "multiple": False, "choices": [
    {"id": "a", "text": "x", "correct": False, "feedback": "<b>swapped</b>"},
    {"id": "b", "text": "y", "correct": True, "feedback": "Right."},
    {"id": "c", "text": "z", "correct": False, "feedback": ""}]}
MULTI = dict(CHOICE, multiple=True, choices=[dict(c, correct=c["id"] != "a") for c in CHOICE["choices"]])
ORDER = {"id": "o", "kind": "order", "label": "", "answer": ["i1", "i2", "i3"],
         "items": [{"id": "i3", "text": "C"}, {"id": "i1", "text": "A"}, {"id": "i2", "text": "B"}]}


def ok(part, raw, lang="en"):
    return check.check(part, raw, lang).correct


@pytest.mark.parametrize("raw", ["1000", " 1000 ", "0x3E8", "0x3e8", "0X3E8", "01000", "１０００"])
def test_numbers_decimal_or_hex(raw):
    assert ok(NUMBER, raw)


@pytest.mark.parametrize("raw", ["1001", "999", "0x3E9", "0"])
def test_numbers_are_exact(raw):
    assert not ok(NUMBER, raw)


@pytest.mark.parametrize("raw", ["", "abc", "1000.0", "1e3", "-1000", "1,000", "0x", "x+1",
                                 "10 00", "4294967296", "0x100000000"])
def test_numbers_not_readable_ask_again(raw):
    with pytest.raises(check.AnswerError) as err:
        check.parse(NUMBER, raw, "en")
    assert err.value.hint


def test_number_range_has_its_own_hint():
    with pytest.raises(check.AnswerError, match="4294967295"):
        check.parse(NUMBER, "4294967296", "en")
    assert check.parse(NUMBER, "4294967295", "en") == 4294967295


def test_bits():
    assert ok(BIT, "1") and not ok(BIT, "0")
    for raw in ("", "2", "yes", "11"):
        with pytest.raises(check.AnswerError):
            check.parse(BIT, raw, "en")


@pytest.mark.parametrize("raw", ["FIN-WAIT-2", "fin_wait_2", "FIN_WAIT2", "fin-wait2", "终止等待2",
                                 "终止等待 2", " Fin Wait 2 ", "ＦＩＮ－ＷＡＩＴ－２"])
def test_state_any_spelling(raw):
    assert ok(STATE, raw)


def test_state_wrong_and_unknown():
    assert not ok(STATE, "FIN-WAIT-1")
    assert not ok(STATE, "关闭等待")
    for raw in ("", "FIN-WAIT-3", "waiting"):
        with pytest.raises(check.AnswerError, match="state name"):
            check.parse(STATE, raw, "en")


def test_other_text_compares_case_insensitively():
    assert ok(TEXT, " karn ") and ok(TEXT, "KARN'S") and not ok(TEXT, "jacobson")


@pytest.mark.parametrize("raw,value", [("y", True), ("T", True), ("true", True), ("对", True),
                                       ("是", True), ("√", True), ("n", False), ("F", False),
                                       ("No", False), ("错", False), ("否", False), ("错误", False),
                                       ("×", False)])
def test_truefalse_words(raw, value):
    assert check.parse(TF, raw, "zh") is value


def test_truefalse_feedback_is_for_the_given_answer():
    v = check.check(TF, "y", "en")
    assert not v.correct and v.feedback == "<p>No.</p>"
    with pytest.raises(check.AnswerError):
        check.parse(TF, "maybe", "en")


@pytest.mark.parametrize("raw", ["b", "B", " (b) ", "b)", "Ｂ"])
def test_choice_letters_any_case(raw):
    assert ok(CHOICE, raw)


def test_choice_wrong_names_the_mistake():
    v = check.check(CHOICE, "a", "en")
    assert not v.correct and v.expected == "B" and "swapped" in v.feedback


@pytest.mark.parametrize("raw", ["", "d", "ab", "a b", "1", "bb c"])
def test_single_choice_needs_one_known_letter(raw):
    with pytest.raises(check.AnswerError, match="A–C"):
        check.parse(CHOICE, raw, "en")


@pytest.mark.parametrize("raw", ["bc", "CB", "b,c", "c, b", "b c", "b、c"])
def test_multiple_choice(raw):
    assert ok(MULTI, raw)


def test_multiple_choice_must_be_exact():
    assert not ok(MULTI, "b") and not ok(MULTI, "abc")
    assert check.expected(MULTI, "en") == "B, C"


@pytest.mark.parametrize("raw", ["231", "2 3 1", "2, 3, 1", "2→3→1", "2 -> 3 -> 1", "②③①",
                                 "(2)(3)(1)", "２３１", "2、3、1"])
def test_order_by_display_numbers(raw):
    # displayed C, A, B as ①, ②, ③: the right order A, B, C is ② ③ ①
    assert ok(ORDER, raw)


@pytest.mark.parametrize("raw", ["23", "2311", "234", "", "BCA", "b c a", "0 2 3", "2.3.1x"])
def test_order_needs_every_number_once(raw):
    """Letters are no answer: the items are numbered (issue 13: letters read like hosts)."""
    with pytest.raises(check.AnswerError, match="3"):
        check.parse(ORDER, raw, "en")


def test_order_wrong_and_expected():
    assert not ok(ORDER, "123")
    assert check.expected(ORDER, "en") == "② → ③ → ①"


def test_ten_items_or_more_need_separators():
    items = [{"id": f"i{k}", "text": f"step {k}"} for k in range(11)]
    part = {"id": "o", "kind": "order", "items": items, "answer": [i["id"] for i in items]}
    assert ok(part, " ".join(str(k) for k in range(1, 12)))
    assert ok(part, "①②③④⑤⑥⑦⑧⑨⑩⑪")
    with pytest.raises(check.AnswerError):
        check.parse(part, "1234567891011", "en")


def test_hints_speak_the_language():
    with pytest.raises(check.AnswerError, match="十六进制"):
        check.parse(NUMBER, "abc", "zh")


@given(st.text(max_size=30))
def test_any_input_is_an_answer_or_a_hint(raw):
    for part in (NUMBER, BIT, STATE, TEXT, TF, CHOICE, MULTI, ORDER):
        try:
            check.check(part, raw, "en")
        except check.AnswerError as exc:
            assert exc.hint


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_numbers_right_iff_equal(answer, typed):
    part = dict(NUMBER, answer=answer)
    assert ok(part, hex(typed)) is (answer == typed)
    assert ok(part, str(typed)) is (answer == typed)


def test_every_state_spelling_reads_as_its_state():
    for state in STATES:
        for s in spellings(state):
            assert check.parse(dict(STATE, answer=state), s, "en") == state


def test_real_questions_right_and_wrong(entries):
    rng = random.Random(5)
    for entry in entries:
        for seed in range(4):
            for lang in ("zh", "en"):
                q = generate_question(entry, seed, lang)
                for part in q["parts"]:
                    assert ok(part, right_typing(part, rng), lang), (q["qid"], part)
                    assert not ok(part, wrong_typing(part), lang), (q["qid"], part)
                    with pytest.raises(check.AnswerError):
                        check.parse(part, GARBAGE[part["kind"]], lang)


def test_every_builtin_entry_drills():
    """Every entry of the built-in banks: answers read and graded, web views and key built."""
    from quizgen.drill.pack import _key
    from quizgen.drill.views import problem_view
    from quizgen.questions import load_banks

    rng = random.Random(9)
    for entry in load_banks():
        for lang in ("zh", "en"):
            q = generate_question(entry, 1, lang)
            assert problem_view(q).fields and _key(q)["ladder"].startswith("<svg")
            for part in q["parts"]:
                assert ok(part, right_typing(part, rng), lang), (q["qid"], part["id"])
                assert not ok(part, wrong_typing(part), lang), (q["qid"], part["id"])
