"""Where the built-in templates and question banks live.

In an installed wheel they are package data (``quizgen/templates``, ``quizgen/question_banks``);
in a source checkout (editable install, tests) they are the top-level folders of the repo.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"quizgen's built-in {name!r} folder is missing (looked in {_PKG})")


def templates_dir() -> Path:
    return _find("templates")


def banks_dir() -> Path:
    return _find("question_banks")
