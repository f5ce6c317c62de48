"""Seed derivation: the one way quizgen turns a seed and names into further seeds and codes.

``digest(*parts)`` is the SHA-256 of the parts' text joined by U+001F; ``derive`` its first
eight bytes as an integer. Pure functions: adding or removing other entries, students or
variants never changes one's seed. (The web drill's seeds are keyed by the server's secret
instead: ``quizgen.drill.web.question_seed``.)
"""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()


def derive(*parts: object) -> int:
    """A 64-bit seed from ``parts``."""
    return int.from_bytes(digest(*parts)[:8], "big")
