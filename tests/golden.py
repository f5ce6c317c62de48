"""Golden files: outputs pinned byte for byte, with one way to update them.

    QUIZGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/...   # rewrite, then review
                                                                      # the diff with git diff

A golden is written only when QUIZGEN_UPDATE_GOLDEN=1; otherwise a missing one fails.
"""

from __future__ import annotations

import os
from pathlib import Path


def assert_golden(path: Path, data: bytes | str) -> None:
    blob = data.encode("utf-8") if isinstance(data, str) else data
    if os.environ.get("QUIZGEN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
    assert path.exists(), f"missing golden {path}: run with QUIZGEN_UPDATE_GOLDEN=1 and review it"
    assert blob == path.read_bytes(), (f"{path.name} changed (QUIZGEN_UPDATE_GOLDEN=1 to accept, "
                                       "then review the diff)")
