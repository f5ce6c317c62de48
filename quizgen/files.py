"""Writing output files safely: whole or not at all, and never over an existing file unless
asked (``--force``). Shared by every command that writes a single file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from quizgen.errors import QuizgenError


def write_new(path: Path, data: bytes, *, force: bool) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, then a
    rename); an existing file is kept unless ``force``, with no race with another writer."""
    path = Path(path)
    exists = f"{path} already exists (use --force to overwrite it)"
    if path.is_dir():
        raise QuizgenError(f"{path} is a directory, not a file name")
    if not path.parent.is_dir():
        raise QuizgenError(f"{path.parent} does not exist (cannot write {path.name})")
    if path.exists() and not force:
        raise QuizgenError(exists)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        if force:
            os.replace(tmp, path)
            return path
        try:
            os.link(tmp, path)             # fails if the name was taken meanwhile
        except FileExistsError:
            raise QuizgenError(exists) from None
        except OSError:                    # no hard links here: check, then rename
            if path.exists():
                raise QuizgenError(exists) from None
            os.replace(tmp, path)
            return path
        os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
