"""Paper specs, rosters and codes: validation with file and line, determinism, variants."""

from __future__ import annotations

import random
import textwrap

import pytest

from quizgen.errors import QuizgenError
from quizgen.paper import (Student, build_paper, class_set, load_roster, load_spec,
                                  normalize_code, paper_for_code, parse_spec, plan_codes,
                                  student_code, variant_seed, version_code)

SPEC = textwrap.dedent("""\
    title: 单元测验
    course: 计算机网络
    date: 2026-12-01
    lang: zh
    seed: 7
    instructions: |
      第一段 <b>不是</b> HTML。

      第二段。
    sections:
      - title: 握手
        topic: handshake
        count: 3
        points: 5
      - title: 挥手
        ids: [s-state, s-statetext]
    """)


def spec_of(text=SPEC, path="exam.yaml"):
    return parse_spec(text, path)


def test_spec_values_and_defaults():
    spec = spec_of()
    assert spec.title == "单元测验" and spec.date == "2026-12-01" and spec.lang == "zh"
    assert spec.paper_size == "A4" and spec.versions is None and spec.key_appended is False
    assert [s.count for s in spec.sections] == [3, 2]
    assert spec.sections[1].ids == ("s-state", "s-statetext")


@pytest.mark.parametrize("edit, line, field, words", [
    (("seed: 7\n", "seed: 7\ncolour: red\n"), 6, "colour", "unknown key 'colour'"),
    (("lang: zh\n", "lang: fr\n"), 4, "lang", "expected one of zh, en, got 'fr'"),
    (("lang: zh\n", "lang: zh\npaper_size: A5\n"), 5, "paper_size", "A4, Letter"),
    (("seed: 7\n", "seed: 7\nversions: 0\n"), 6, "versions", "at least 1"),
    (("seed: 7\n", "seed: abc\n"), 5, "seed", "whole number"),
    (("seed: 7\n", "seed: 7\nkey_appended: maybe\n"), 6, "key_appended", "true or false"),
    (("seed: 7\n", "seed: 7\nseed: 8\n"), 6, "seed", "duplicate key"),
    (("    count: 3\n", "    count: 3\n    colour: 1\n"), 14, "sections[1].colour",
     "unknown key"),
    (("    points: 5\n", "    points: -1\n"), 14, "sections[1].points", "positive number"),
    (("    topic: handshake\n", "    topic: handshake\n    bank: x\n"), 11,
     "sections[1]", "exactly one of bank, topic or ids"),
    (("    count: 3\n", ""), 11, "sections[1].count", "missing required key 'count'"),
    (("s-state, s-statetext]", "s-state, s-state]"), 16, "sections[2].ids", "twice"),
    (("  - title: 挥手\n", "  - titel: 挥手\n"), 15, "sections[2].titel", "unknown key"),
    (("    count: 3\n", "    count: three\n"), 13, "sections[1].count", "whole number"),
])
def test_bad_values_name_file_line_and_field(edit, line, field, words):
    assert edit[0] in SPEC
    with pytest.raises(QuizgenError) as info:
        spec_of(SPEC.replace(*edit))
    err = info.value
    assert (err.file, err.line, err.field) == ("exam.yaml", line, field)
    assert words in err.message and "\n" not in str(err)
    assert str(err).startswith(f"exam.yaml:{line}: {field}: ")


def test_yaml_syntax_error_and_missing_keys(tmp_path):
    with pytest.raises(QuizgenError) as info:
        spec_of("title: [unclosed\nsections: []\n")
    assert info.value.line == 2 and "not valid YAML" in str(info.value)
    with pytest.raises(QuizgenError, match="missing required key 'sections'"):
        spec_of("title: x\n")
    with pytest.raises(QuizgenError, match="at least one section"):
        spec_of("title: x\nsections: []\n")
    with pytest.raises(QuizgenError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")


def test_instructions_are_escaped_text(source):
    paper = build_paper(spec_of(), "ABCDEF", source)
    assert paper["instructions"].startswith(
        "<p>第一段 &lt;b&gt;不是&lt;/b&gt; HTML。</p><p>第二段。</p><p>本卷按教材的模型")


def test_questions_come_from_the_sections(source):
    paper = build_paper(spec_of(), "ABCDEF", source)
    first, second = paper["sections"]
    assert len(first["questions"]) == 3 and all(q["topic"] == "handshake" for q in
                                                 first["questions"])
    assert all(q["points"] == 5 for q in first["questions"])
    assert sorted(q["id"] for q in second["questions"]) == ["s-state", "s-statetext"]
    assert paper["code"] == "ABCDEF" and paper["lang"] == "zh"
    assert all(call[2] == "zh" for call in source.calls)


def test_unknown_ids_and_short_banks(source):
    with pytest.raises(QuizgenError) as info:
        build_paper(spec_of(SPEC.replace("s-statetext", "nope")), "ABCDEF", source)
    assert (info.value.line, info.value.field) == (15, "sections[2].ids")
    with pytest.raises(QuizgenError, match="asks for 9 questions from topic 'handshake'"):
        build_paper(spec_of(SPEC.replace("count: 3", "count: 9")), "ABCDEF", source)


def test_variant_follows_the_code_and_seed_only(source):
    spec = spec_of()
    a, b = build_paper(spec, "ABCDEF", source), build_paper(spec, "ABCDEF", source)
    assert a == b
    others = [build_paper(spec, code, source) for code in ("ABCDEG", "ZZZZZZ", "123456")]
    assert any(o["sections"] != a["sections"] for o in others)


def test_no_global_randomness(source):
    random.seed(1)
    before = random.random()
    random.seed(1)
    build_paper(spec_of(), "ABCDEF", source)
    assert random.random() == before


def test_shuffle_choices(source):
    spec = spec_of(SPEC.replace("ids: [s-state, s-statetext]", "ids: [s-state]"))
    orders = {tuple(c["id"] for c in build_paper(spec, code, source)["sections"][1]
                    ["questions"][0]["parts"][0]["choices"])
              for code in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE")}
    assert len(orders) > 1
    fixed = spec_of(SPEC.replace("ids: [s-state, s-statetext]", "ids: [s-state]")
                    .replace("seed: 7", "seed: 7\nshuffle_choices: false"))
    assert all(tuple(c["id"] for c in build_paper(fixed, code, source)["sections"][1]
                     ["questions"][0]["parts"][0]["choices"]) == ("a", "b", "c", "d")
               for code in ("AAAAAA", "BBBBBB"))


def test_codes():
    assert student_code(7, "2023001") == student_code(7, "2023001")
    assert student_code(7, "2023001") != student_code(8, "2023001")
    code = student_code(7, "2023001")
    assert len(code) == 6 and code.isalnum() and code == code.upper()
    assert not set(code) & set("ILOU")
    assert normalize_code(code.lower()) == code
    assert normalize_code("o1l0ab".upper().replace("B", "C")) == "0110AC"
    assert variant_seed(7, code) != variant_seed(8, code)
    with pytest.raises(QuizgenError, match="not a paper code"):
        normalize_code("12345")


def test_roster_gives_each_student_a_paper(tmp_path, source):
    roster = tmp_path / "class.csv"
    roster.write_text("\ufeffstudent_id,name\n2023001,张三\n2023002,李四\n\n", encoding="utf-8")
    students = load_roster(roster)
    assert students == [Student("2023001", "张三"), Student("2023002", "李四")]
    papers = list(class_set(spec_of(), source, students))
    assert [p["student"]["name"] for p in papers] == ["张三", "李四"]
    assert [p["code"] for p in papers] == [student_code(7, "2023001"), student_code(7, "2023002")]
    # the key of a student's paper can be rebuilt from its code alone
    again = paper_for_code(spec_of(), papers[1]["code"].lower(), source)
    assert again["sections"] == papers[1]["sections"] and again["student"] is None


@pytest.mark.parametrize("text, line, words", [
    ("number,who\n1,a\n", 1, "student_id (or 学号) and name"),
    ("student_id,name\n1,a\n1,b\n", 3, "appears twice"),
    ("student_id,name\n,a\n", 2, "expected a student id"),
])
def test_bad_rosters(tmp_path, text, line, words):
    roster = tmp_path / "r.csv"
    roster.write_text(text, encoding="utf-8")
    with pytest.raises(QuizgenError) as info:
        load_roster(roster)
    assert info.value.line == line and words in info.value.message
    assert str(info.value).startswith(f"{roster}:{line}: ")


def test_versions(source):
    spec = spec_of(SPEC + "versions: 3\n")
    plan = plan_codes(spec)
    assert [v for _, _, v in plan] == [1, 2, 3]
    assert [c for c, _, _ in plan] == [version_code(7, v) for v in (1, 2, 3)]
    students = [Student(str(n), f"s{n}") for n in range(12)]
    with_roster = plan_codes(spec, students)
    assert {c for c, _, _ in with_roster} <= {c for c, _, _ in plan}
    assert paper_for_code(spec, plan[1][0], source)["version"] == 2
    with pytest.raises(QuizgenError, match="none of this spec's 3 versions"):
        paper_for_code(spec, student_code(7, "x"), source)
