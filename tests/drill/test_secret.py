"""The key of ``quizgen serve``: a weak --secret / QUIZGEN_SECRET is refused (one line, exit
2), and without one a strong key is generated once, kept 0600 in the user's config folder
and read back on later starts."""

from __future__ import annotations

import os
import re
import secrets
import select
import stat
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.drill.secret import secret_file, serve_secret, weak_secret
from quizgen.drill.web import create_app
from quizgen.errors import QuizgenError
from tests.drill.conftest import start_serve, stop_serve

WEAK = ["password", "drill-test-secret", "correct horse battery",        # short
        "a" * 40, "ab" * 20,                                            # too few characters
        "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3",                          # a piece repeated
        "abcdefghijklmnopqrstuvwxyz0123456789",                         # a run
        "Password123!Qwerty2024?Letmein#Admin",                         # common passwords
        "1234567890" * 4]


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def serve(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["serve", *args], env=env)


@pytest.mark.parametrize("secret", WEAK)
def test_weak_secrets_are_refused(secret, config_home):
    result = serve("--secret", secret)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --secret: too weak"), lines
    assert "32" in lines[0] and "Traceback" not in result.output
    assert secret not in result.output                    # the key is not echoed
    assert not config_home.exists()                       # nothing written either


def test_weak_secret_from_the_environment_names_it(config_home):
    result = serve(env={"QUIZGEN_SECRET": "hunter2"})
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: QUIZGEN_SECRET: too weak"), lines


def test_strong_secrets_pass():
    for _ in range(2000):
        assert weak_secret(secrets.token_urlsafe(32)) is None
        assert weak_secret(secrets.token_hex(16)) is None           # openssl rand -hex 16
    assert weak_secret("a long passphrase: seven ravens ate my blue umbrella") is None
    for secret in WEAK:
        assert weak_secret(secret), secret


def test_generated_secret_is_kept_and_read_back(config_home):
    first, note = serve_secret(None)
    path = config_home / "quizgen" / "serve-secret"
    assert secret_file() == path and str(path) in note and "new" in note
    assert weak_secret(first) is None and len(first) >= 43
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text() == first + "\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["serve-secret"]   # no temporary
    again, note = serve_secret(None)
    assert again == first and "new" not in note and str(path) in note


def test_score_cookie_survives_a_restart_with_the_kept_secret(config_home, entries):
    from tests.drill.test_web import form, new_problem, post

    secret = serve_secret(None)[0]
    first = create_app(entries, secret=secret, lang="en").test_client()
    token, q = new_problem(first, entries, secret=secret)
    assert post(first, token, form(q, "right")).status_code == 200
    cookie = first.get_cookie("quizgen_drill").value
    second = create_app(entries, secret=serve_secret(None)[0], lang="en").test_client()
    second.set_cookie("quizgen_drill", cookie)
    assert "score 1/1 " in second.get("/").get_data(as_text=True)


def test_generated_secret_without_hard_links(config_home, monkeypatch):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    secret, note = serve_secret(None)
    path = config_home / "quizgen" / "serve-secret"
    assert "new" in note and path.read_text() == secret + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["serve-secret"]


def test_default_place_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert secret_file() == tmp_path / ".config" / "quizgen" / "serve-secret"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")           # ignored, as XDG says
    assert secret_file() == tmp_path / ".config" / "quizgen" / "serve-secret"


@pytest.mark.parametrize("content", [b"", b"short\n", b"\xff\xfe" * 30, b"a" * 50 + b"\n"])
def test_a_broken_stored_secret_is_one_line_naming_the_file(content, config_home):
    path = config_home / "quizgen" / "serve-secret"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(QuizgenError) as err:
        serve_secret(None)
    assert err.value.file == str(path)
    result = serve()
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}: ") and "delete it" in lines[0]
    assert path.read_bytes() == content                          # left for the user to look at


def test_unusable_config_folder_is_one_line(config_home):
    config_home.write_text("a file, not a folder")
    result = serve()
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {config_home / 'quizgen' / 'serve-secret'}: cannot keep")
    assert "--secret" in lines[0]


def test_serve_keeps_its_generated_secret_across_restarts(tmp_path, monkeypatch):
    """Two runs of ``quizgen serve`` with no --secret sign with the same stored key: the
    second reads a token of the first as genuine (and refuses it as drawn before the
    restart, not as forged)."""
    monkeypatch.delenv("QUIZGEN_SECRET", raising=False)
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = tmp_path / "quizgen" / "serve-secret"
    proc, url = start_serve("--lang", "en", secret=None, env=env)
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            token = re.search(r'name="token" value="([^"]+)"', resp.read().decode()).group(1)
    finally:
        stop_serve(proc)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    proc, url = start_serve("--lang", "en", secret=None, env=env)
    try:
        request = urllib.request.Request(url + "check", data=f"token={token}".encode())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 410 and "restarted" in refused.value.read().decode()
    finally:
        stop_serve(proc)
    assert path.read_text() == stored


def test_serve_notes_where_its_secret_is(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZGEN_SECRET", raising=False)
    for run in ("first", "second"):
        proc, _ = start_serve(secret=None, env={"XDG_CONFIG_HOME": str(tmp_path)})
        try:
            ready, _, _ = select.select([proc.stderr], [], [], 30)
            note = proc.stderr.readline() if ready else ""
        finally:
            stop_serve(proc)
        assert note.startswith("note: signing with") and "scores" in note, note
        assert str(tmp_path / "quizgen" / "serve-secret") in note
        assert ("new" in note) == (run == "first"), note
