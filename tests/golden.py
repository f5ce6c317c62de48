"""Golden files: one way to check and to update them.

``assert_golden(path, data)`` fails unless ``data`` is byte for byte the file at ``path``; run
with ``QUIZGEN_UPDATE_GOLDEN=1`` and it (re)writes the file instead. After a deliberate change::

    QUIZGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/export tests/render
    git diff tests/*/golden             # review what changed before committing it

Every output format's goldens go through here: paper and key HTML, ladder SVG and terminal
text (tests/render/golden), Moodle, GIFT, QTI 1.2 and QTI 2.1 (tests/export/golden).

``assert_golden_zip(folder, data)`` does the same for a zip, as files a reviewer can read: the
listing (names in order, timestamps, modes, compression, sizes, CRCs) in ``folder.listing``
and each member's bytes under ``folder/``. The module stands alone (pytest only): copy it.
"""

from __future__ import annotations

import difflib
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

ENV = "QUIZGEN_UPDATE_GOLDEN"


def updating() -> bool:
    return os.environ.get(ENV) == "1"


def assert_golden(path: Path, data: bytes | str) -> None:
    """``data`` must equal the golden file ``path`` (written instead when updating)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        return
    if not path.is_file():
        pytest.fail(f"missing golden file {path}: run with {ENV}=1 and review the diff",
                    pytrace=False)
    old = path.read_bytes()
    if data != old:
        diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(),
                                    data.decode("utf-8", "replace").splitlines(),
                                    f"{path.name} (golden)", f"{path.name} (now)", lineterm="")
        shown = "\n".join(list(diff)[:60])
        pytest.fail(f"{path} changed ({ENV}=1 to accept it, then review the diff):\n{shown}",
                    pytrace=False)


def zip_listing(data: bytes) -> bytes:
    """One line per member, in the zip's order: everything about it but its bytes."""
    lines = []
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        when = datetime(*info.date_time).isoformat(sep=" ")
        lines.append(f"{info.filename}  {when}  mode={info.external_attr >> 16:o}  "
                     f"system={info.create_system}  method={info.compress_type}  "
                     f"flags={info.flag_bits}  extra={info.extra.hex() or '-'}  "
                     f"comment={info.comment.decode('utf-8', 'replace') or '-'}  "
                     f"size={info.file_size}  crc={info.CRC:08x}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def assert_golden_zip(folder: Path, data: bytes) -> None:
    """The zip ``data`` must have the golden listing ``folder.listing`` and golden members
    ``folder/NAME``; when updating, members the zip no longer has are deleted."""
    folder = Path(folder)
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert len(set(names)) == len(names), "a zip member name repeats"
    assert not any(n.startswith("/") or ".." in n.split("/") for n in names), names
    assert_golden(folder.with_name(folder.name + ".listing"), zip_listing(data))
    if updating() and folder.is_dir():
        for stale in {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                      if p.is_file()} - set(names):
            (folder / stale).unlink()
        for d in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
    for name in names:
        assert_golden(folder / name, z.read(name))
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(names), f"{folder} holds files the zip has not: " \
                                  f"{sorted(on_disk - set(names))} ({ENV}=1 removes them)"
