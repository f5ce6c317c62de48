"""Compiled bank templates kept on disk, so a command does not compile the same templates on
every run (compiling is most of what a class set's questions cost).

An entry is named by the SHA-256 of everything its code depends on: the template's text,
Python's and Jinja's versions and the source of the sandbox that instruments templates
(``sandbox.py``). A changed template, sandbox or interpreter therefore misses the cache: it is
never stale. What is kept is Python code, so it is kept only where no one else can write: the
user's own cache folder (``$QUIZGEN_CACHE_DIR`` or ``~/.cache/quizgen``), owned by the user
and writable by no one else; anywhere else the cache is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from types import CodeType

import jinja2

FORMAT = 1


@lru_cache(maxsize=1)
def _salt() -> str:
    sandbox = Path(__file__).with_name("sandbox.py").read_bytes()
    return "\x1f".join((str(FORMAT), sys.version, jinja2.__version__,
                        hashlib.sha256(sandbox).hexdigest()))


@lru_cache(maxsize=1)
def directory() -> Path | None:
    """The cache folder, or None where it would not be safe (or cannot be made)."""
    base = os.environ.get("QUIZGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "quizgen")
    path = Path(base) / "templates"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for p in (path, path.parent):
            info = p.stat()
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return None
    except OSError:
        return None
    return path


def _key(text: str) -> str:
    return hashlib.sha256(f"{_salt()}\x1f{text}".encode("utf-8", "surrogatepass")).hexdigest()


def load(text: str) -> tuple[CodeType, frozenset[str]] | None:
    """The compiled code of template ``text`` and the names it reads, if cached."""
    folder = directory()
    if folder is None:
        return None
    key = _key(text)
    try:
        code = marshal.loads((folder / f"{key}.code").read_bytes())
        names = json.loads((folder / f"{key}.names").read_text(encoding="utf-8"))
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(code, CodeType) or not isinstance(names, list):
        return None
    return code, frozenset(names)


def store(text: str, code: CodeType, names: frozenset[str]) -> None:
    """Keep ``code`` for ``text`` (whole or not at all; a failure only means no cache)."""
    folder = directory()
    if folder is None:
        return
    key = _key(text)
    for suffix, data in ((".names", json.dumps(sorted(names)).encode()),
                         (".code", marshal.dumps(code))):       # .code last: it marks an entry
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / f"{key}{suffix}")
        except OSError:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
            return
