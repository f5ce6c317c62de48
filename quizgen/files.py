"""Writing output files safely: whole or not at all, and never over an existing file unless
asked (``--force``). ``write_new`` writes one file; ``Staging`` the many files of one run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

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


class Staging:
    """The files of one run: checked up front, written under temporary names, renamed into
    place together by :meth:`commit`, removed by :meth:`abort`."""

    def __init__(self, out_dir: Path, names: Sequence[str], force: bool) -> None:
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise QuizgenError(f"two papers would both be written to {out_dir / dupes[0]}")
        self.targets = [out_dir / n for n in names]
        if out_dir.exists() and not out_dir.is_dir():
            raise QuizgenError("exists and is not a folder", file=str(out_dir), field="--out")
        if not force:
            existing = [t for t in self.targets if t.exists()]
            if existing:
                more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
                raise QuizgenError(f"already exists{more}; use --force to overwrite",
                                   file=str(existing[0]))
        out_dir.mkdir(parents=True, exist_ok=True)
        self._temps: dict[Path, Path] = {}

    def temp(self, target: Path) -> Path:
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self._temps[target] = tmp
        return tmp

    def write_text(self, target: Path, text: str) -> None:
        self.temp(target).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        for target, tmp in self._temps.items():
            os.replace(tmp, target)
        self._temps.clear()

    def abort(self) -> None:
        for tmp in self._temps.values():
            tmp.unlink(missing_ok=True)
        self._temps.clear()
