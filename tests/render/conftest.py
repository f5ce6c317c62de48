from __future__ import annotations

import logging

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


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def _weasyprint_warnings_fail():
    """A WeasyPrint warning (a font that did not load, a URL refused, CSS it ignored) is a
    failure: each is something a paper silently lacks."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.messages, f"WeasyPrint warned: {handler.messages[:5]}"
