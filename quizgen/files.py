"""Writing output files safely: whole or not at all, and never over an existing file unless
asked (``--force``). ``write_new`` writes one file; ``Staging`` the many files of one run."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
import time
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
    if path.parent.exists() and not path.parent.is_dir():
        raise QuizgenError(f"{path.parent} is a file, not a folder (cannot write {path.name})")
    if not path.parent.is_dir():
        raise QuizgenError(f"{path.parent} does not exist (cannot write {path.name})")
    if path.exists() and not force:
        raise QuizgenError(exists)
    try:
        return _write_new(path, data, force=force, exists=exists)
    except OSError as exc:             # a read-only folder, a full disk
        raise QuizgenError(f"cannot write {path.name} here: {exc.strerror or exc}",
                           file=str(path.parent)) from None


def _write_new(path: Path, data: bytes, *, force: bool, exists: str) -> Path:
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
    """The files of one run: checked up front, written under temporary names in the output
    folder, renamed into place together by :meth:`commit`, removed by :meth:`abort`.

    * Temporaries are named ``.quizgen-PID.NAME.tmp``; a later run into the folder removes
      those whose process has died (killed before it could clean up), and those of older
      quizgen versions (``.NAME.PID.tmp``).
    * Without ``force``, a file that appears in the folder while the run works is not
      overwritten: :meth:`commit` links each file into place (which fails if the name is
      taken) and, if one is refused, takes back the files it had placed.
    * ``manifest`` (a file name) is written last: the list of the run's files with their
      SHA-256 (``sha256sum -c`` reads it). A folder holding a set without its manifest holds
      an incomplete set: one whose run was killed, or failed while placing the files.
    * An operating-system error (a read-only folder, a full disk, a path through a file) is
      a one-line :class:`QuizgenError` naming the path (:meth:`error`).
    """

    PREFIX = ".quizgen-"
    #: errno values that are the machine's state, not a bug: reported as one line
    USER_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT,
                             errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                             errno.EMLINK, errno.EFBIG, errno.ELOOP, errno.EIO})

    def __init__(self, out_dir: Path, names: Sequence[str], force: bool,
                 manifest: str | None = None) -> None:
        out_dir = Path(out_dir)
        names = list(names) + ([manifest] if manifest else [])
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise QuizgenError(f"two papers would both be written to {out_dir / dupes[0]}")
        self.out_dir = out_dir
        self.force = force
        self.targets = [out_dir / n for n in names]
        self.manifest = out_dir / manifest if manifest else None
        self._check_folder()
        if not force:
            existing = [t for t in self.targets if os.path.lexists(t)]
            if existing:
                more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
                unfinished = ("; the set there has no manifest: a run that did not finish?"
                              if self.manifest and not os.path.lexists(self.manifest) else "")
                raise QuizgenError(f"already exists{more}{unfinished}; use --force to "
                                   "overwrite", file=str(existing[0]))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(exc, out_dir, "cannot create the folder") from None
        self.remove_stale(out_dir)
        self._probe()
        self._temps: dict[Path, Path] = {}
        self._digests: dict[Path, str] = {}

    # ------------------------------------------------------------------ the folder
    def _check_folder(self) -> None:
        """The output folder, or the nearest of its parents that exists, is a folder."""
        for place in (self.out_dir, *self.out_dir.parents):
            try:
                info = place.stat()
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise self.error(exc, place, "cannot use the folder") from None
            if stat.S_ISDIR(info.st_mode):
                return
            if place == self.out_dir:
                raise QuizgenError("exists and is not a folder", file=str(self.out_dir),
                                   field="--out")
            raise QuizgenError(f"{place} is a file, not a folder", file=str(self.out_dir),
                               field="--out")

    def _probe(self) -> None:
        """Fail now, before any rendering, if the folder cannot take a new file."""
        probe = self.out_dir / f"{self.PREFIX}{os.getpid()}.probe.tmp"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            os.unlink(probe)
        except FileExistsError:
            pass
        except OSError as exc:
            raise self.error(exc, self.out_dir, "cannot write into the folder") from None

    @classmethod
    def error(cls, exc: OSError, path: Path | str | None = None,
              doing: str = "cannot write") -> BaseException:
        """``exc`` as a one-line QuizgenError naming the path, if it is the machine's state
        (a read-only or full disk, a missing permission, a path through a file); else
        ``exc`` itself (a bug, to be seen whole)."""
        if exc.errno not in cls.USER_ERRNOS:
            return exc
        where = path if path is not None else exc.filename
        if where is not None and Path(where).name.startswith(cls.PREFIX):
            # one of our temporaries: name the file it stands for
            name = Path(where).name[len(cls.PREFIX):].split(".", 1)[-1].removesuffix(".tmp")
            where = Path(where).with_name(name)
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason += " (nothing of this run was kept)"
        return QuizgenError(f"{doing}: {reason}", file=str(where) if where else None)

    @classmethod
    def remove_stale(cls, folder: Path) -> list[Path]:
        """Remove the temporaries in ``folder`` left by runs that were killed: quizgen's
        (``.quizgen-PID.NAME.tmp``, and the ``.NAME.PID.tmp`` of older versions) whose process
        is gone. Returns what was removed."""
        removed: list[Path] = []
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return removed
        for entry in entries:
            owner = cls._owner(entry.name)
            if owner is None:
                continue
            pid, old_style = owner
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                mtime = entry.stat(follow_symlinks=False).st_mtime
                if old_style and mtime > time.time() - 600:
                    continue    # the old names are less distinctive: only long-stale ones
                if cls._alive(pid, mtime):
                    continue
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                continue
        return removed

    @classmethod
    def _owner(cls, name: str) -> tuple[int, bool] | None:
        """(pid, old style) from the name of one of quizgen's temporaries, or None."""
        if not name.endswith(".tmp"):
            return None
        if name.startswith(cls.PREFIX):
            pid, old_style = name[len(cls.PREFIX):].split(".", 1)[0], False
        elif name.startswith(".") and name.count(".") >= 4:   # .NAME.pdf.PID.tmp (old)
            stem, pid = name[1:-4].rsplit(".", 1)
            if not stem.endswith((".html", ".pdf")):
                return None
            old_style = True
        else:
            return None
        return (int(pid), old_style) if pid.isascii() and pid.isdigit() else None

    @staticmethod
    def _alive(pid: int, since: float) -> bool:
        """Whether process ``pid`` runs and was already running at ``since`` (a file's
        mtime; a younger process has only reused the pid of a dead one)."""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        try:  # Linux: the process's start time, from boot time and its age in clock ticks
            with open(f"/proc/{pid}/stat", "rb") as fh:
                ticks = int(fh.read().rsplit(b")", 1)[1].split()[19])
            with open("/proc/stat", "rb") as fh:
                boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime"))
            started = boot + ticks / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, StopIteration):
            return True
        return started <= since + 2

    # --------------------------------------------------------------------- writing
    def temp(self, target: Path) -> Path:
        tmp = target.with_name(f"{self.PREFIX}{os.getpid()}.{target.name}.tmp")
        self._temps[target] = tmp
        return tmp

    def write_bytes(self, target: Path, data: bytes) -> None:
        tmp = self.temp(target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:           # our own pid's, from a killed run long ago
            os.unlink(tmp)
            fd = os.open(tmp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as exc:            # a full disk names no file: name the target
            exc.filename = exc.filename or str(target)
            raise
        self._digests[target] = hashlib.sha256(data).hexdigest()

    def write_text(self, target: Path, text: str) -> None:
        self.write_bytes(target, text.encode("utf-8"))

    def _place(self, tmp: Path, target: Path) -> bool:
        """Move ``tmp`` to ``target``; True if it made a new file (not a replaced one)."""
        if self.force:
            existed = os.path.lexists(target)
            os.replace(tmp, target)
            return not existed
        try:
            os.link(tmp, target)          # fails if the name was taken meanwhile
        except FileExistsError:
            raise QuizgenError("appeared in the folder while this run was writing; it was not "
                               "overwritten, and nothing of this run was kept (use --force to "
                               "overwrite it)", file=str(target)) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                 errno.EMLINK, errno.ENOSYS):
                raise
            if os.path.lexists(target):   # no hard links here: check, then rename
                raise QuizgenError("appeared in the folder while this run was writing; it "
                                   "was not overwritten (use --force to overwrite it)",
                                   file=str(target)) from None
            os.rename(tmp, target)
            return True
        os.unlink(tmp)
        return True

    def _manifest_text(self) -> str:
        assert self.manifest is not None
        lines = [f"# quizgen: the {len(self._digests)} files of this set, written last; a set "
                 "without it is incomplete.", f"# check them: sha256sum -c {self.manifest.name}"]
        lines += [f"{digest}  {target.name}" for target, digest in self._digests.items()]
        return "\n".join(lines) + "\n"

    def commit(self) -> None:
        """Put every file in place, then the manifest. If a file is refused (it appeared
        meanwhile) or the run is stopped, the files placed so far that are new are taken
        back; files replaced under ``force`` stay replaced, and no manifest is written."""
        if self.manifest is not None and self.force:
            self.manifest.unlink(missing_ok=True)     # the old set's claim goes first
        placed: list[Path] = []
        try:
            for target, tmp in list(self._temps.items()):
                if self._place(tmp, target):
                    placed.append(target)
                del self._temps[target]
            if self.manifest is not None:
                self.write_text(self.manifest, self._manifest_text())
                if self._place(self._temps.pop(self.manifest), self.manifest):
                    placed.append(self.manifest)
        except BaseException:
            for target in placed:
                try:
                    target.unlink()
                except OSError:
                    pass
            raise
        self._temps.clear()

    def abort(self) -> None:
        for tmp in self._temps.values():
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
        self._temps.clear()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        """Whatever stops the run, its unfinished files go (``abort``); a failure of the
        machine (a read-only or full disk) becomes the one-line error (``Staging.error``)."""
        if exc is not None:
            self.abort()
            if isinstance(exc, OSError):
                raise Staging.error(exc) from None


def write_files(files: Sequence[tuple[str, bytes]], out_dir: Path, force: bool,
                manifest: str | None = None) -> None:
    """All of ``files`` (name, bytes) into ``out_dir``, or none of them (``Staging``)."""
    with Staging(out_dir, [name for name, _ in files], force, manifest) as staging:
        for name, data in files:
            staging.write_bytes(out_dir / name, data)
        staging.commit()


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
