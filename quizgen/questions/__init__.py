"""Question banks and question generation: trace in, plain JSON-serialisable question out.

``load_banks()`` reads and validates banks; ``generate_question(entry, seed, lang)`` makes one
question. Renderers and exporters read only the returned dicts (``data.py``, and
docs/question-data.md).

The names below are imported from ``bank`` when first used, so that a writer importing only
``quizgen.questions.data`` or ``markup`` does not load the banks and the simulator.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BankEntry", "builtin_bank_paths", "entries_for_trace", "find_entry",
           "generate_question", "load_bank", "load_banks"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from quizgen.questions import bank
        return getattr(bank, name)
    raise AttributeError(f"module 'quizgen.questions' has no attribute {name!r}")
