"""Access codes and the teacher's password: drawn with ``secrets``, stored only as salted,
slow hashes, compared in constant time.

An access code is 10 characters of an alphabet without look-alikes (31 symbols: about 49.5
bits), printed as ``ABCDE-FGHJK``; it is drawn at random, so nothing a student sees (id,
name, paper code) tells it. Codes are stored as PBKDF2-HMAC-SHA256 with a salt of their own
(a stolen database must be attacked code by code); the teacher's password as scrypt.
Together with the sign-in rate limit (``store.Store.failures``) a code cannot be guessed online.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"    # no 0/O, 1/I/L
CODE_LENGTH = 10
PBKDF2_ITERATIONS = 30_000      # about 15 ms a sign-in on this 2-core machine
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1        # about 32 MiB and 0.1 s a check
MIN_PASSWORD = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_access_code() -> str:
    """A fresh access code, as printed: ``ABCDE-FGHJK``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(typed: str) -> str:
    """What a student typed, in the form codes are hashed in: upper case, no spaces or
    dashes, look-alikes mapped (O->0 is not in the alphabet: O, 0 -> the code fails)."""
    return "".join(ch for ch in typed.upper() if ch not in " -_\t")[:64]


def hash_code(code: str, iterations: int = PBKDF2_ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", normalise_code(code).encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(digest)}"


def check_code(typed: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        expected = _unb64(digest)
        got = hashlib.pbkdf2_hmac("sha256", normalise_code(typed).encode(), _unb64(salt),
                                  int(iterations))
    except ValueError:
        return False
    return scheme == "pbkdf2_sha256" and hmac.compare_digest(got, expected)


#: checked against when a student id is unknown, so that the answer takes as long as for a
#: known one (the timing does not tell which ids exist)
DUMMY_CODE_HASH = hash_code("NOT-A-CODE")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        got = hashlib.scrypt(password.encode()[:1024], salt=_unb64(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=64 * 1024 * 1024, dklen=len(expected))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(got, expected)


def weak_password(password: str) -> str | None:
    """Why a teacher's password is too weak, or None."""
    if len(password) < MIN_PASSWORD:
        return f"{len(password)} characters (at least {MIN_PASSWORD})"
    if len(set(password)) < 5:
        return "too few different characters"
    return None


def token() -> str:
    """A session or CSRF token: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def signed(secret: str, value: str) -> str:
    """An HMAC of ``value`` under the exam's secret (the sign-in form's CSRF token)."""
    return hmac.new(secret.encode(), b"quizgen-exam-signin\x1f" + value.encode(),
                    hashlib.sha256).hexdigest()
