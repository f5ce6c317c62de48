"""Paper codes: six Crockford base32 characters printed on every page, derived from the
spec's seed and a student id or a version number; the paper's every random choice derives
from its code (``variant_seed``), so ``quizgen key CODE --spec`` rebuilds any paper's key."""

from __future__ import annotations

from quizgen import seeds
from quizgen.errors import QuizgenError

CODE_LENGTH = 6
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _code(digest: bytes) -> str:
    n = int.from_bytes(digest[:8], "big")
    return "".join(_CROCKFORD[(n >> (5 * k)) & 31] for k in range(CODE_LENGTH))


def student_code(seed: int, student_id: str) -> str:
    return _code(seeds.digest("quizgen-student", seed, student_id))


def version_code(seed: int, version: int) -> str:
    return _code(seeds.digest("quizgen-version", seed, version))


def variant_seed(seed: int, code: str) -> int:
    """The seed of the paper with this code: everything random in it derives from this."""
    return seeds.derive("quizgen-paper", seed, code)


def normalize_code(code: str) -> str:
    """Upper case, and the look-alikes Crockford base32 leaves out mapped (O->0, I/L->1)."""
    text = code.strip().upper().translate(_CODE_ALIASES)
    if len(text) != CODE_LENGTH or any(ch not in _CROCKFORD for ch in text):
        raise QuizgenError(f"{code!r} is not a paper code ({CODE_LENGTH} letters and digits, "
                           "as printed at the top of every page)")
    return text
