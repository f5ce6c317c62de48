"""``quizgen question`` and ``quizgen banks``: what a teacher sees in the terminal."""

from __future__ import annotations

import json

import pytest

from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.questions import generate_question, load_banks
from quizgen.questions.bank import find_entry
from quizgen.render.text import plain_text
from quizgen.resources import banks_dir


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_question_json_is_the_generated_question_byte_for_byte():
    first = run("question", "hs-piggyback-fill", "--seed", "3", "--lang", "en", "--json")
    again = run("question", "hs-piggyback-fill", "--seed", "3", "--lang", "en", "--json")
    assert first.exit_code == 0 and first.output == again.output
    assert json.loads(first.output) == generate_question(find_entry("hs-piggyback-fill"), 3, "en")


def test_question_text_shows_the_segment_as_aligned_columns_and_the_key():
    q = generate_question(find_entry("hs-piggyback-fill"), 3, "en")
    out = run("question", "hs-piggyback-fill", "--seed", "3", "--lang", "en").output
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["SYN", "ACK", "FIN"])
    head, row = lines[header], lines[header + 1]
    # every column starts at the same place in the header and in the row
    starts = [i for i, ch in enumerate(head) if ch != " " and (i == 0 or head[i - 1] == " ")]
    row_starts = [i for i, ch in enumerate(row) if ch != " " and (i == 0 or row[i - 1] == " ")]
    assert starts == row_starts and len(starts) == len(head.split())
    cells = dict(zip(head.split(), row.split()))
    blanks = {p["id"] for p in q["parts"]}
    for field, cell in cells.items():
        if cell.startswith("["):
            assert cell.strip("[]") in blanks
    # the key: each part's answer, read off the trace
    key = lines[lines.index("key:") + 1:]
    for p in q["parts"]:
        assert f"  {p['label']}: {p['answer']}" in key


def test_question_text_in_chinese_names_the_key_in_chinese():
    out = run("question", "hs-state-a-syn", "--seed", "1", "--lang", "zh").output
    q = generate_question(find_entry("hs-state-a-syn"), 1, "zh")
    assert "答案：" in out and "key:" not in out
    assert f"状态: {q['parts'][0]['answer_text']}" in out


def test_banks_list_names_every_builtin_entry():
    out = run("banks", "list").output
    assert [line.split()[0] for line in out.splitlines()] == [e.id for e in load_banks()]


def test_banks_check_the_builtin_folder():
    r = run("banks", "check", str(banks_dir()))
    assert r.exit_code == 0
    assert r.output.splitlines()[-1].startswith(f"{len(load_banks())} entries valid (32 seeds")


def test_plain_text_of_html():
    """Blanks as [part], tables as aligned columns (Chinese counted two columns wide), the
    text unescaped exactly once."""
    html = ('<p>A &amp; B <span class="qg-blank" data-part="seq"></span></p>'
            "<table><tr><th>SYN</th><th>seq</th><th>序号</th></tr>"
            '<tr><td>1</td><td><span class="qg-blank" data-part="seq"></span></td>'
            "<td>&amp;lt;</td></tr></table><p>after</p>")
    assert plain_text(html) == "A & B [seq]\n\nSYN  seq    序号\n1    [seq]  &lt;\n\nafter"
    assert plain_text("") == "" and plain_text("<p>key:</p>") == "key:"
    assert plain_text("<table></table>") == ""
    assert plain_text("<p>modulo 2<sup>32</sup>, x<sub>1</sub></p>") == "modulo 2^32, x_1"


def test_question_text_draws_the_ladder_blank_then_filled():
    q = generate_question(find_entry("hs-ladder"), 2, "en")
    out = run("question", "hs-ladder", "--seed", "2", "--lang", "en").output
    before_key, key = out.split("\nkey:\n")
    blanks = [b for b in q["diagram"]["blanks"]]
    # the question's diagram: a blank box for every asked number, none of the answers
    assert before_key.count("[__________]") == len(blanks)
    for p in q["parts"]:
        assert f"[{p['answer']:^10}]" not in before_key
        assert f"[{p['answer']:^10}]" in key          # the key's diagram is filled in
        assert f"  {p['label']}: {p['answer']}" in key


@pytest.mark.parametrize("lang, words", [("zh", ("正确（√）", "错误（×）")), ("en", ("True", "False"))])
def test_question_text_gives_a_truefalse_key_in_words(lang, words):
    q = generate_question(find_entry("tf-syn-consumes"), 4, lang)
    out = run("question", "tf-syn-consumes", "--seed", "4", "--lang", lang).output
    want = words[0] if q["parts"][0]["answer"] else words[1]
    label = q["parts"][0]["label"] or q["parts"][0]["id"]
    assert f"  {label}: {want}\n" in out
