"""Question banks and question generation: trace in, plain JSON-serialisable question out.

``load_banks()`` reads and validates banks; ``generate_question(entry, seed, lang)`` makes one
question. Renderers and exporters read only the returned dicts (docs/question-data.md).
"""

from quizgen.questions.bank import (BankEntry, builtin_bank_paths, entries_for_trace, find_entry,
                                    generate_question, load_bank, load_banks)

__all__ = ["BankEntry", "builtin_bank_paths", "entries_for_trace", "find_entry",
           "generate_question", "load_bank", "load_banks"]
