"""quizgen.grading.marks: response keys numbered as the paper prints them, points as every
writer splits them, and answers graded exactly as the drills grade them."""

from __future__ import annotations

import re

import pytest

from quizgen.drill import check
from quizgen.errors import QuizgenError
from quizgen.grading.marks import grade_paper, key_responses, response_keys
from quizgen.render.docx import part_points as docx_part_points
from quizgen.render.paper_html import paper_html
from tests.grading.support import papers, parts_by_key, right_answer, wrong_answer, wrong_choice

QUESTION = re.compile(r'<div class="qg-question" id="paper-q(\d+)" data-qid="([^"]+)">(.*?)'
                      r'(?=<div class="qg-question"|</section>)', re.S)
BOX = re.compile(r'<span class="qg-box [^"]*" data-part="([a-z0-9_]+)"')


def test_keys_follow_the_printed_numbers_and_boxes():
    """Question numbers and the order of the answer boxes, read off the paper's HTML."""
    for paper in papers()[:10]:
        printed = []
        for number, qid, body in QUESTION.findall(paper_html(paper)):
            boxes = list(dict.fromkeys(BOX.findall(body)))
            printed += [(int(number), qid, part) for part in boxes]
        keys = response_keys(paper)
        assert [(k.question, k.qid, k.part_id) for k in keys] == printed
        for k in keys:
            same = [x for x in keys if x.question == k.question]
            assert k.key == (str(k.question) if len(same) == 1 else
                             f"{k.question}.{same.index(k) + 1}")


def test_points_are_the_writers_split_and_add_up():
    for paper in papers()[:10]:
        keys = response_keys(paper)
        for s, section in enumerate(paper["sections"]):
            for position, q in enumerate(section["questions"], start=1):
                mine = {k.part_id: k.points for k in keys if k.section == s
                        and k.position == position}
                assert mine == pytest.approx(dict(zip((p["id"] for p in q["parts"]),
                                                      docx_part_points(q))))
                assert {k.entry for k in keys if k.qid == q["qid"]} == {q["id"]}
        total = sum(q["points"] for s in paper["sections"] for q in s["questions"])
        assert sum(k.points for k in keys) == pytest.approx(total)


@pytest.mark.parametrize("variant", range(4))
def test_right_answers_in_any_drill_spelling_score_full_marks(variant):
    for paper in papers()[:10]:
        parts = parts_by_key(paper)
        responses = {key: right_answer(part, variant) for key, (_, part) in parts.items()}
        marks = grade_paper(paper, responses)
        assert marks.total == pytest.approx(marks.max_total) and marks.max_total == 40
        for pm in marks.parts:
            q, part = parts[pm.key.key]
            assert check.check(part, responses[pm.key.key], q["lang"]).correct
            assert pm.status == "right" and pm.points == pm.max_points


def test_key_responses_are_the_key():
    for paper in papers()[:5]:
        assert grade_paper(paper, key_responses(paper)).total == 40


def test_wrong_answers_score_nothing_and_name_the_misconception():
    named = 0
    for paper in papers()[:10]:
        parts = parts_by_key(paper)
        marks = grade_paper(paper, {k: wrong_answer(p, 1) for k, (_, p) in parts.items()})
        assert marks.total == 0
        for pm in marks.parts:
            q, part = parts[pm.key.key]
            assert pm.status == "wrong"
            assert not check.check(part, pm.response, q["lang"]).correct
            if part["kind"] == "choice":
                chosen = wrong_choice(part, 1)
                assert pm.chosen_ids == (chosen["id"],)
                assert pm.misconceptions == tuple(filter(None, [chosen.get("misconception")]))
                named += bool(pm.misconceptions)
            if part["kind"] == "truefalse":
                assert pm.misconceptions == (part["misconception"],)
                assert pm.chosen == (("F",) if part["answer"] else ("T",))
    assert named >= 5


def test_blank_missing_and_unreadable():
    paper = papers()[0]
    keys = [k.key for k in response_keys(paper)]
    responses = {keys[0]: None, keys[1]: "   ", keys[2]: "no idea"}
    marks = grade_paper(paper, responses).by_key()
    assert marks[keys[0]].status == marks[keys[1]].status == "blank"
    assert all(marks[k].status == "blank" for k in keys[3:])      # not given at all
    third = marks[keys[2]]
    _, part = parts_by_key(paper)[keys[2]]
    with pytest.raises(check.AnswerError) as raised:
        check.parse(part, "no idea", "en")
    assert third.status == "unreadable" and third.points == 0
    assert third.reason == raised.value.hint and third.response == "no idea"


def test_a_key_the_paper_lacks_is_an_error():
    with pytest.raises(QuizgenError) as raised:
        grade_paper(papers()[0], {"99": "A"})
    assert raised.value.field == "99"


def _multiple_choice_paper() -> dict:
    part = {"id": "p", "kind": "choice", "label": "", "multiple": True,
            "choices": [{"id": "w", "text": "one", "correct": True},
                        {"id": "x", "text": "two", "correct": False, "misconception": "m1"},
                        {"id": "y", "text": "three", "correct": True}]}
    q = {"qid": "q@1", "id": "q", "title": "t", "prompt": "<p>?</p>", "lang": "en",
         "points": 2, "parts": [part]}
    return {"code": "ABCDEF", "lang": "en", "sections": [{"title": "s", "questions": [q]}]}


@pytest.mark.parametrize("raw, points, chosen", [
    ("AC", 2, ("A", "C")), ("c a", 2, ("C", "A")), ("A", 0, ("A",)), ("ABC", 0, ("A", "B", "C")),
])
def test_a_multiple_choice_is_right_only_with_every_right_letter(raw, points, chosen):
    marks = grade_paper(_multiple_choice_paper(), {"1": raw})
    pm = marks.parts[0]
    assert (pm.points, pm.chosen) == (points, chosen)
    assert pm.misconceptions == (("m1",) if "B" in chosen else ())
