"""Writing output files safely: whole or not at all, and never over an existing file unless
asked (``--force``). ``write_new`` writes one file; ``Staging`` the many files of one run."""

from __future__ import annotations

import os
import stat
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


#: The largest input file quizgen reads (a bank, a script, a spec, a roster): far above any
#: real one, so a wrong path (a disk image, /dev/zero) is a clear error rather than a hang.
MAX_INPUT = 16 << 20


def read_input(path: str | Path, what: str, *, limit: int = MAX_INPUT) -> bytes:
    """The bytes of the input file ``path`` (``what`` it is, for errors): a regular file of at
    most ``limit`` bytes. A folder, a device (/dev/zero), a FIFO or a socket is refused before
    it is opened, so nothing waits for input that never ends."""
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise QuizgenError(f"no such file (the {what})", file=str(p)) from None
    except OSError as exc:
        raise QuizgenError(f"cannot read the {what}: {exc.strerror}", file=str(p)) from None
    if stat.S_ISDIR(info.st_mode):
        raise QuizgenError(f"is a folder, not a {what} file", file=str(p))
    if not stat.S_ISREG(info.st_mode):
        raise QuizgenError(f"is not a regular file (a device, pipe or socket), not a {what}",
                           file=str(p))
    if info.st_size > limit:
        raise QuizgenError(f"is {info.st_size:,} bytes: too large for a {what} (at most "
                           f"{limit:,})", file=str(p))
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise QuizgenError(f"cannot read the {what}: {exc.strerror}", file=str(p)) from None
    if len(data) > limit:
        raise QuizgenError(f"too large for a {what} (at most {limit:,} bytes)", file=str(p))
    return data


def read_text_input(path: str | Path, what: str, *, limit: int = MAX_INPUT) -> str:
    """:func:`read_input` decoded as UTF-8 (a byte-order mark is allowed); NUL bytes refused."""
    data = read_input(path, what, limit=limit)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuizgenError(f"the {what} is not UTF-8 text (byte {exc.start} is not)",
                           file=str(path)) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise QuizgenError(f"the {what} holds a NUL byte", file=str(path), line=line)
    return text
