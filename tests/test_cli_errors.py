"""A bad option or argument, like every other user error, is one line with exit status 2."""

import subprocess
import sys

import pytest

CASES = [
    (["trace", "--seed", "abc"], "'--seed'"),
    (["export", "--format", "word", "--out", "x"], "'--format'"),
    (["question"], "ENTRY_ID"),
    (["nosuch"], "nosuch"),
    (["paper", "--jobs", "0"], "'--jobs'"),
    (["drill", "--difficulty", "9"], "'--difficulty'"),
    (["serve", "--port", "70000"], "'--port'"),
]


@pytest.mark.parametrize("args,word", CASES, ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_bad_option_is_one_line(args, word):
    r = subprocess.run([sys.executable, "-m", "quizgen", *args], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("error: ") and word in err and "--help" in err
    assert r.stdout == ""


def test_help_and_version_still_exit_0():
    for args in (["--help"], ["--version"], ["trace", "--help"]):
        r = subprocess.run([sys.executable, "-m", "quizgen", *args], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout


def test_help_lists_every_command_without_importing_one():
    """quizgen --help reads the command table only; each entry's help is its command's own
    first line, so the two cannot drift apart."""
    import importlib

    from quizgen.cli import COMMANDS

    code = ("import sys; from quizgen.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('quizgen')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip().splitlines()[-1] == "['quizgen', 'quizgen.cli', 'quizgen.errors']"
    for name, (target, summary) in COMMANDS.items():
        assert name in r.stdout and summary in " ".join(r.stdout.split())
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert command.name == name
        assert (command.help or "").strip().split("\n")[0] == summary, name
