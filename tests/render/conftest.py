from __future__ import annotations

import pytest

from tests.render.support import FixtureSource, fixture_questions, zh_questions


@pytest.fixture
def questions():
    return fixture_questions()


@pytest.fixture
def zh():
    return zh_questions()


@pytest.fixture
def source():
    return FixtureSource()


@pytest.fixture
def zh_source():
    return FixtureSource(zh_questions())


@pytest.fixture(autouse=True)
def _font_cache(tmp_path_factory, monkeypatch):
    """Font subsets go to a cache shared by the session's tests, not the user's."""
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
