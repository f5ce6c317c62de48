"""The question types, one module each. A type declares what its ``ask`` takes (``ASK``: key ->
:class:`~quizgen.questions.types.common.Key`) and reads its answers off the trace
(``generate(entry, trace, rng, lang)`` -> parts, extra template context, diagram request).
A type never renders anything; bank templates present what it returns.

A new type is a module here with ``ASK`` and ``generate``, one line in ``TYPES``, and its
section in docs/banks.md.
"""

from __future__ import annotations

from types import ModuleType

from quizgen.questions.types import choice, compute, fill, ladder, ordering, state, truefalse
from quizgen.questions.types.common import GenerationError, Key, Result

#: Type name (a bank entry's ``type``) -> its module.
TYPES: dict[str, ModuleType] = {
    "fill": fill, "state": state, "choice": choice, "truefalse": truefalse,
    "ordering": ordering, "compute": compute, "ladder": ladder,
}

__all__ = ["TYPES", "GenerationError", "Key", "Result"]
