"""The terminal drill: in-process for breadth, and the real command in a pseudo-terminal
(pexpect) for typing, Ctrl-D and Ctrl-C."""

from __future__ import annotations

import itertools
import os
import random
import sys

import click
import pexpect
import pytest

from quizgen.drill import check
from quizgen.drill.problems import problems, select_entries
from quizgen.drill.terminal import Drill
from quizgen.errors import QuizgenError
from quizgen.questions.names import LINUX, ZH
from tests.drill.support import BANK, GARBAGE, ROOT, right_typing, wrong_typing


def scripted(lines):
    """An ``ask`` that types ``lines`` one by one, then ends the input (Ctrl-D)."""
    it = iter(lines)
    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None
    return ask, prompts


def test_same_seed_same_problems(entries):
    a = [q["qid"] for q in itertools.islice(problems(entries, 9, "en"), 30)]
    b = [q["qid"] for q in itertools.islice(problems(entries, 9, "en"), 30)]
    c = [q["qid"] for q in itertools.islice(problems(entries, 10, "en"), 30)]
    assert a == b and a != c and len({q.split("@")[0] for q in a}) > 5


def test_filters(entries):
    chosen = select_entries(entries, ["Handshake"], 1)
    assert chosen and all(e.topic == "handshake" and e.difficulty == 1 for e in chosen)
    both = select_entries(entries, ["handshake", "teardown"])
    assert {e.topic for e in both} == {"handshake", "teardown"}
    with pytest.raises(QuizgenError, match="unknown topic 'nope'"):
        select_entries(entries, ["nope"])
    with pytest.raises(QuizgenError, match="no question matches"):
        select_entries(entries, ["lifecycle"], 1)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_all_right_in_forgiving_spellings(entries, lang):
    rng = random.Random(3)
    qs = list(itertools.islice(problems(entries, 4, lang), 40))
    ask, prompts = scripted([right_typing(p, rng) for q in qs for p in q["parts"]])
    said = []
    score = Drill(lang, ask=ask, say=said.append).run(iter(qs))
    assert (score.answered, score.right, score.streak, score.best) == (40, 40, 40, 40)
    assert len(prompts) == sum(len(q["parts"]) for q in qs)
    text = "\n".join(said)
    assert "✗" not in text and text.count("✓") == len(prompts)


def test_wrong_answer_shows_explanation_and_ladder(entries):
    qs = list(itertools.islice(problems(entries, 4, "en"), 6))
    ask, _ = scripted([wrong_typing(p) for q in qs for p in q["parts"]])
    said = []
    score = Drill("en", ask=ask, say=said.append).run(iter(qs))
    text = "\n".join(said)
    assert (score.answered, score.right, score.best) == (6, 0, 0)
    assert text.count("Explanation") == 6 and text.count("Ladder diagram") == 6
    assert text.count("Client A") >= 6 and "|--" in text         # the text ladder
    assert "answer:" in text and text.endswith("6 answered, 0 right, best streak 0.")


def test_garbage_is_asked_again_with_a_hint(entries):
    qs = itertools.islice(problems(entries, 4, "en"), 50)
    seen = set()
    for q in qs:
        part = q["parts"][0]
        if part["kind"] in seen:
            continue
        seen.add(part["kind"])
        rest = [right_typing(p, random.Random(1)) for p in q["parts"][1:]]
        ask, prompts = scripted([GARBAGE[part["kind"]], "", right_typing(part, random.Random(1))]
                                + rest)
        said = []
        assert Drill("en", ask=ask, say=said.append).problem(q, 1) is True
        hints = [s for s in said if click.unstyle(s).strip().startswith("?")]
        assert len(hints) == 2 and len(prompts) == 3 + len(rest), part["kind"]
        assert prompts[0] == prompts[1] == prompts[2]              # the same part, asked again
    assert seen == {"number", "bit", "text", "choice", "truefalse", "order"}


def test_skip_and_quit(entries):
    qs = list(itertools.islice(problems(entries, 4, "en"), 5))
    ask, _ = scripted([":s", ":q"])
    said = []
    score = Drill("en", ask=ask, say=said.append).run(iter(qs))
    assert (score.answered, score.right, score.skipped) == (0, 0, 1)
    assert "skipped" in said and said[-1] == "No problem answered. 1 skipped."


def test_nothing_answered(entries):
    ask, _ = scripted([])
    said = []
    Drill("zh", ask=ask, say=said.append).run(problems(entries, 1, "zh"))
    assert said[-1] == "没有答题。"


# ------------------------------------------------------------------ the real command in a pty
def spawn(*args: str) -> pexpect.spawn:
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8",
               TERM="xterm")
    return pexpect.spawn(sys.executable, ["-m", "quizgen", "drill", "--only-banks", "--bank", str(BANK), *args],
                         cwd=str(ROOT), env=env, encoding="utf-8", timeout=30,
                         dimensions=(50, 200))


def answer_prompt(child: pexpect.spawn, typed: str) -> None:
    child.expect_exact(" > ")
    child.sendline(typed)


def test_pty_right_wrong_garbage_then_ctrl_d(entries):
    seed, lang = 21, "en"
    qs = list(itertools.islice(problems(entries, seed, lang), 2))
    child = spawn("--seed", str(seed), "--lang", lang)
    child.expect_exact(f"seed {seed} (replay with --seed {seed})")
    rng = random.Random(2)
    # problem 1: garbage first (asked again with a hint), then the right answers
    for part in qs[0]["parts"]:
        answer_prompt(child, GARBAGE[part["kind"]])
        child.expect_exact("? ")
        answer_prompt(child, right_typing(part, rng))
        child.expect_exact("✓ right")
    p1, p2 = qs[0]["points"], qs[0]["points"] + qs[1]["points"]
    child.expect_exact(f"score {p1:g}/{p1:g} pts · 1 of 1 right · streak 1 (best 1)")
    # problem 2: wrong answers, then the worked explanation and the ladder
    for part in qs[1]["parts"]:
        answer_prompt(child, wrong_typing(part))
        child.expect_exact("✗ wrong")
    child.expect_exact("Explanation")
    child.expect_exact("Ladder diagram")
    child.expect_exact("Client A")
    child.expect_exact(f"score {p1:g}/{p2:g} pts · 1 of 2 right · streak 0 (best 1)")
    child.expect_exact(" > ")                      # problem 3 asks; the student leaves
    child.sendeof()
    child.expect_exact(f"{p1:g} of {p2:g} points: 2 answered, 1 right, best streak 1.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before


def test_pty_ctrl_c_leaves_cleanly_zh(entries):
    seed = 8
    q = next(problems(select_entries(entries, ["teardown"], 1), seed, "zh"))
    child = spawn("--seed", str(seed), "--lang", "zh", "--topic", "teardown", "--difficulty", "1")
    rng = random.Random(4)
    for part in q["parts"]:
        answer_prompt(child, right_typing(part, rng))
        child.expect_exact("✓ 正确")
    child.expect_exact(" > ")
    child.sendintr()
    child.expect_exact("共答 1 题，答对 1 题，最多连对 1 题。")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert child.exitstatus == 0


def test_pty_state_names_in_chinese_and_linux_spelling(entries):
    """A free-text state question answered in Chinese (关闭等待) and Linux's spelling
    in lower case (close_wait)."""
    pool = [e for e in entries if e.id == "state-b-after-fin"]
    assert pool, "the seed-article bank has the text-form state question"
    child = spawn("--seed", "1", "--lang", "zh", "--topic", "teardown", "--difficulty", "1")
    stream = problems(select_entries(entries, ["teardown"], 1), 1, "zh")
    seen = 0
    for q in itertools.islice(stream, 6):
        for part in q["parts"]:
            if part["kind"] == "text":
                state = check.state_answer(part)
                answer_prompt(child, ZH[state] if seen % 2 == 0 else LINUX[state].lower())
                seen += 1
            else:
                answer_prompt(child, right_typing(part, random.Random(0)))
            child.expect_exact("✓ 正确")
    child.expect_exact(" > ")           # Ctrl-D at the prompt (typed earlier, readline drops it)
    child.sendeof()
    child.expect_exact("共答 6 题，答对 6 题")
    child.expect(pexpect.EOF)
    child.close()
    assert seen >= 1 and child.exitstatus == 0


def test_bad_options_are_one_line_errors():
    out = pexpect.run(f"{sys.executable} -m quizgen drill --bank {BANK} --topic nope",
                      cwd=str(ROOT), encoding="utf-8", withexitstatus=True, timeout=60)
    text, status = out
    assert status == 2 and "unknown topic 'nope'" in text and "Traceback" not in text


def test_the_score_counts_points_and_a_skip_is_neither_right_nor_wrong(entries):
    qs = [q for q in itertools.islice(problems(entries, 8, "en"), 40) if q["points"] != 1][:2]
    assert len(qs) == 2
    rng = random.Random(4)
    ask, _ = scripted([right_typing(p, rng) for p in qs[0]["parts"]] + [":s"])
    said = []
    score = Drill("en", ask=ask, say=said.append).run(iter(qs))
    assert (score.answered, score.right, score.skipped, score.streak) == (1, 1, 1, 1)
    assert score.points == score.possible == qs[0]["points"]
    header = next(s for s in said if qs[0]["title"] in s)
    assert f"({qs[0]['points']:g} pts, d" in header             # "2 pts", not "2 pt"
    assert said[-1].endswith("1 skipped.")
