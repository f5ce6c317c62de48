"""Fixtures of the drill tests: the bank, a real ``quizgen serve`` on a free loopback port,
and headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

Without Chromium the browser tests skip locally and fail under CI (env CI set)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from tests import servers
from tests.drill.support import BANK
from tests.drill.support import entries as bank_entries

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SECRET = "Xq3vT9bLp2Rk7mWz4NcY8hJd6FsA1eGu"     # a strong one: quizgen serve refuses weak keys


@pytest.fixture(scope="session")
def entries():
    return bank_entries()


def _unavailable(reason: str):
    message = f"{reason}: install Debian's chromium and chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (fresh profile) driven by Selenium; quit at the end."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM} or no chromedriver at {CHROMEDRIVER}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="qg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}", "--window-size=1000,1400"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def start_serve(*extra: str, timeout: float = 60, secret: str | None = SECRET,
                env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``quizgen serve --port 0`` as a subprocess (``--secret secret`` unless None; ``env``
    added to the environment); (process, its URL)."""
    return servers.start(["serve", "--port", "0", "--only-banks", "--bank", str(BANK),
                          *(["--secret", secret] if secret is not None else []), *extra],
                         timeout=timeout, env=env)


stop_serve = servers.stop


@pytest.fixture(scope="module")
def server():
    """A real ``quizgen serve`` (waitress) on 127.0.0.1, a free port; stopped at the end."""
    proc, url = start_serve("--lang", "en")
    try:
        yield url
    finally:
        stop_serve(proc)


def question_of(token: str, entries, secret: str = SECRET) -> dict:
    """The question a token of the test server (its secret: SECRET) stands for."""
    from itsdangerous import URLSafeTimedSerializer

    from quizgen.drill.web import TOKEN_SALT, question_seed
    from quizgen.questions import find_entry, generate_question

    data = URLSafeTimedSerializer(secret, salt=TOKEN_SALT).loads(token)
    return generate_question(find_entry(data["e"], entries),
                             question_seed(secret, data["e"], data["s"]), data["l"])
