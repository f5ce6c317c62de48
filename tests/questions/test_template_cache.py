"""Compiled templates are cached by content: a hit gives the same question as a compile, a
changed template misses, and a folder others can write is never used (it holds code)."""

from __future__ import annotations

import os

import pytest

from quizgen.questions import bank, template_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    template_cache.directory.cache_clear()
    bank._CACHE.clear()
    yield tmp_path / "cache" / "templates"
    template_cache.directory.cache_clear()
    bank._CACHE.clear()


def _question(entry_id: str) -> dict:
    bank._CACHE.clear()
    return bank.generate_question(bank.find_entry(entry_id, bank.load_banks()), 4, "zh")


def test_a_cache_hit_gives_the_same_question(cache):
    first = _question("hs-2-fill")
    assert len(list(cache.glob("*.code"))) == 2          # prompt and explanation, zh
    calls = []
    real = bank.template_env().parse
    bank.template_env().parse = lambda *a, **k: calls.append(a) or real(*a, **k)
    try:
        again = _question("hs-2-fill")
    finally:
        del bank.template_env().parse
    assert again == first and calls == []                # nothing parsed or compiled again


def test_another_text_misses(cache):
    assert template_cache.load("{{ x }}") is None
    code = bank.template_env().compile(bank.template_env().parse("{{ x }}"))
    template_cache.store("{{ x }}", code, frozenset({"x"}))
    assert template_cache.load("{{ x }}") == (code, frozenset({"x"}))
    assert template_cache.load("{{ x }} ") is None


def test_a_folder_others_can_write_is_not_used(cache, tmp_path):
    cache.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(cache.parent, 0o777)
    template_cache.directory.cache_clear()
    assert template_cache.directory() is None
    _question("hs-2-fill")
    assert not list(cache.glob("*.code"))
