"""The key ``quizgen serve`` signs its tokens with: a strong one given by the teacher, or one
generated once and kept where the user's configuration lives, so tokens and scores survive a
restart. A weak key is refused: one token is enough to guess it offline."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from quizgen.errors import QuizgenError

MIN_SECRET = 32               # characters of a --secret
#: keys people pick; a secret whose letters are only these (and digits, signs) is refused
COMMON_WORDS = ("password", "passw", "pass", "qwertyuiop", "qwerty", "asdfghjkl", "asdf",
                "zxcvbnm", "letmein", "welcome", "admin", "secret", "changeme", "default",
                "iloveyou", "monkey", "dragon", "master", "login", "hello", "test", "abc",
                "quizgen", "drill", "serve", "teacher", "student", "class", "key")


def weak_secret(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign tokens (guessable offline from one token), or None."""
    if len(secret) < MIN_SECRET:
        return f"{len(secret)} characters"
    if len(set(secret)) < 8:
        return f"too few different characters ({len(set(secret))})"
    if any(secret[k:] == secret[:-k] for k in range(1, len(secret) // 2 + 1)):
        return "a short piece repeated"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in zip(secret, secret[1:]))
    if steps > 2 * (len(secret) - 1) // 3:
        return "mostly runs like aaa or abc"
    letters = re.sub(r"[^a-z]", "", secret.lower())
    if re.fullmatch(f"(?:{'|'.join(COMMON_WORDS)})*", letters):
        return "only common passwords, digits and signs"
    return None


def secret_file() -> Path:
    """Where the generated secret is kept: $XDG_CONFIG_HOME/quizgen/serve-secret, or
    ~/.config/quizgen/serve-secret (a relative XDG_CONFIG_HOME is ignored, as XDG says)."""
    config = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(config) if os.path.isabs(config) else Path.home() / ".config"
    return root / "quizgen" / "serve-secret"


def serve_secret(given: str | None, option: str = "--secret") -> tuple[str, str | None]:
    """The key of ``quizgen serve`` and a note for the teacher: ``given`` if it is strong
    enough (``option`` names where it came from), else the kept one, generated the first time."""
    if given is not None:
        why = weak_secret(given)
        if why:
            raise QuizgenError(
                f"too weak to sign tokens ({why}): use {MIN_SECRET} or more random characters, "
                "e.g. from python3 -c 'import secrets; print(secrets.token_urlsafe(32))', "
                f"or leave it out to use a generated key kept in {secret_file()}", field=option)
        return given, None
    path = secret_file()
    secret, made = _kept_secret(path)
    kept = f"a new secret, kept in {path}" if made else f"the secret kept in {path}"
    return secret, (f"note: signing with {kept}: scores carry over a restart, problems drawn "
                    "before it do not")


def _kept_secret(path: Path) -> tuple[str, bool]:
    """(the secret in ``path``, False), or (a new one, True) written there first: mode 0600,
    whole or not at all (a temporary file beside it, then linked to its name)."""
    if path.exists():
        return _read_secret(path), False
    fresh = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".serve-secret.", suffix=".tmp", dir=path.parent)
        try:                                             # mkstemp makes it 0600
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(fresh + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)   # fails if another server made one meanwhile: use that
            except FileExistsError:
                return _read_secret(path), False
            except OSError:          # no hard links on this file system: rename
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise QuizgenError(f"cannot keep a generated secret here ({exc.strerror}); make the "
                           "folder writable or give --secret", file=str(path)) from None
    return fresh, True


def _read_secret(path: Path) -> str:
    broken = "delete it and quizgen serve makes a new one"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuizgenError(f"cannot read the kept secret ({exc.strerror})", file=str(path)) from None
    try:
        secret = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise QuizgenError(f"not a quizgen serve secret (not text); {broken}",
                           file=str(path)) from None
    why = weak_secret(secret) or ("spaces inside" if len(secret.split()) > 1 else None)
    if why:
        raise QuizgenError(f"not a usable secret ({why}); {broken}", file=str(path))
    return secret
