"""Golden files of every format: the sample questions plus the mixed multi-part one, with
(trivial) diagrams, byte for byte. Text formats are one file each; the zips are their listing
and their members (tests/golden.py). After a deliberate change::

    QUIZGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/export/test_export_golden.py
    git diff tests/export/golden        # and review it
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from quizgen.export import FORMATS, render
from quizgen.export.xmlzip import zip_bytes

from .conftest import load_sample, mixed_question, svg_for
from tests.golden import assert_golden, assert_golden_zip

GOLDEN = Path(__file__).parent / "golden"
TEXT = {"moodle": "sample.xml", "gift": "sample.gift"}
ZIPS = {"qti12": "sample.qti12", "qti21": "sample.qti21"}


def _sample_output(fmt: str) -> bytes:
    sample = load_sample()
    return render([*sample, mixed_question(sample)], fmt, diagram_svg=svg_for)


def test_every_format_has_a_golden():
    assert sorted({**TEXT, **ZIPS}) == sorted(FORMATS)


@pytest.mark.parametrize("fmt", sorted(TEXT))
def test_golden_text(fmt):
    assert_golden(GOLDEN / TEXT[fmt], _sample_output(fmt))


@pytest.mark.parametrize("fmt", sorted(ZIPS))
def test_golden_zip(fmt):
    data = _sample_output(fmt)
    assert_golden_zip(GOLDEN / ZIPS[fmt], data)
    # the package is a pure function of its members (fixed timestamps and modes, fixed order):
    # rebuilt from them it is the same bytes, so the golden members pin the zip itself
    z = zipfile.ZipFile(io.BytesIO(data))
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert zip_bytes({n: z.read(n) for n in z.namelist()}) == data


def test_the_golden_helpers_fail_update_and_prune(tmp_path, monkeypatch):
    """A missing or different golden fails (never skips); updating writes it, and a zip's
    golden folder loses the members the zip no longer has."""
    monkeypatch.delenv("QUIZGEN_UPDATE_GOLDEN", raising=False)
    path = tmp_path / "g.txt"
    with pytest.raises(pytest.fail.Exception, match="missing golden"):
        assert_golden(path, b"a\n")
    path.write_bytes(b"a\n")
    assert_golden(path, b"a\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)changed.*-a\n\+b"):
        assert_golden(path, b"b\n")
    old = zip_bytes({"imsmanifest.xml": b"m", "items/gone.xml": b"x"})
    new = zip_bytes({"imsmanifest.xml": b"m", "items/kept.xml": b"y"})
    monkeypatch.setenv("QUIZGEN_UPDATE_GOLDEN", "1")
    assert_golden(path, b"b\n")
    assert_golden_zip(tmp_path / "z", old)
    assert_golden_zip(tmp_path / "z", new)
    monkeypatch.delenv("QUIZGEN_UPDATE_GOLDEN")
    assert path.read_bytes() == b"b\n"
    assert sorted(p.name for p in (tmp_path / "z").rglob("*.xml")) == ["imsmanifest.xml",
                                                                       "kept.xml"]
    assert_golden_zip(tmp_path / "z", new)
    with pytest.raises(pytest.fail.Exception, match="listing"):
        assert_golden_zip(tmp_path / "z", old)
    (tmp_path / "z" / "stray.txt").write_bytes(b"")
    with pytest.raises(AssertionError, match="stray.txt"):
        assert_golden_zip(tmp_path / "z", new)
