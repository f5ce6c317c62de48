"""``quizgen drill`` (terminal or HTML pack) and ``quizgen serve`` (web app for a class)."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import signal
import tempfile
from pathlib import Path

import click
from click.core import ParameterSource

from quizgen.errors import QuizgenError
from quizgen.questions.bank import load_banks
from quizgen.commands.options import LANG, bank_option

DIFFICULTY = click.IntRange(1, 3)
MIN_SECRET = 32               # characters of a --secret
#: keys people pick; a secret whose letters are only these (and digits, signs) is refused
COMMON_WORDS = ("password", "passw", "pass", "qwertyuiop", "qwerty", "asdfghjkl", "asdf",
                "zxcvbnm", "letmein", "welcome", "admin", "secret", "changeme", "default",
                "iloveyou", "monkey", "dragon", "master", "login", "hello", "test", "abc",
                "quizgen", "drill", "serve", "teacher", "student", "class", "key")


def _filters(f):
    f = click.option("--topic", "topics", multiple=True, metavar="TOPIC",
                     help="Only this topic (repeatable), e.g. handshake, teardown.")(f)
    f = click.option("--difficulty", type=DIFFICULTY, default=None, help="Only difficulty 1, 2 or 3.")(f)
    f = click.option("--lang", type=LANG, default="zh", show_default=True)(f)
    return bank_option(f)


@click.command(name="drill")
@_filters
@click.option("--seed", type=click.IntRange(0), default=None,
              help="Replay the problems of an earlier drill (its seed is printed at the start).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write an HTML pack of problems to this file instead of drilling here: a "
                   "self-study page, not for exams (anyone can read its answers from the file).")
@click.option("--count", type=click.IntRange(1, 500), default=20, show_default=True,
              help="Problems in the HTML pack.")
@click.option("--force", is_flag=True, help="Overwrite the HTML pack if it exists.")
def drill(topics: tuple[str, ...], difficulty: int | None, lang: str, banks: tuple[str, ...],
          seed: int | None, html_out: Path | None, count: int, force: bool) -> None:
    """Practise: endless random problems in the terminal, or an HTML pack (--html)."""
    from quizgen.drill.problems import problems, select_entries

    entries = select_entries(load_banks(list(banks) or None), topics, difficulty)
    seed = secrets.randbelow(10**6) if seed is None else seed
    stream = problems(entries, seed, lang)
    if html_out is not None:
        from quizgen.drill.pack import pack_html
        from quizgen.files import write_new

        page = pack_html(list(itertools.islice(stream, count)), lang=lang, seed=seed)
        write_new(html_out, page.encode("utf-8"), force=force)
        click.echo(f"wrote {html_out}: {count} problems (seed {seed})")
        click.echo("note: a self-study page: anyone can read its answers from the file; "
                   "not for exams", err=True)
        return
    from quizgen.drill.terminal import Drill
    from quizgen.drill.words import word

    click.echo(word("banner", lang).format(count=len(entries)) + " " + word("commands", lang))
    click.echo(word("replay", lang).format(seed=seed))
    Drill(lang, ask=_ask).run(stream)


def _ask(prompt: str) -> str:
    try:
        import readline  # noqa: F401  (line editing and history for input(), where there is one)
    except ImportError:  # pragma: no cover - not on every platform
        pass
    return input(prompt)


@click.command(name="serve")
@_filters
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the app reachable from other machines.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--secret", envvar="QUIZGEN_SECRET", default=None, metavar="TEXT",
              help=f"Key that signs problem tokens and score cookies (or QUIZGEN_SECRET): "
                   f"{MIN_SECRET} or more random characters. Default: a key generated once "
                   "and kept in $XDG_CONFIG_HOME/quizgen/serve-secret "
                   "(~/.config/quizgen/serve-secret).")
@click.option("--max-age", type=click.IntRange(60, 7 * 86400), default=2 * 3600, show_default=True,
              help="Seconds a problem stays answerable.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Worker threads (on 2 cores, 4 gave a p99 of 41-55 ms under 200 "
                   "simulated students where 8 gave 100-220 ms).")
@click.option("--client-connections", type=click.IntRange(1, 1000), default=32,
              show_default=True,
              help="Connections one client address may hold open at once (of 1,000 in all; "
                   "a browser opens up to 6). Raise it when students reach the server "
                   "through one shared address (NAT, a proxy).")
def serve(topics: tuple[str, ...], difficulty: int | None, lang: str, banks: tuple[str, ...],
          host: str, port: int, secret: str | None, max_age: int, threads: int,
          client_connections: int) -> None:
    """Run the drill as a web app for a class: a fresh problem per visit, checked on the server."""
    from quizgen.drill.problems import select_entries
    from quizgen.drill.web import create_app, create_server

    from_env = click.get_current_context().get_parameter_source("secret") is ParameterSource.ENVIRONMENT
    secret, secret_note = serve_secret(secret, "QUIZGEN_SECRET" if from_env else "--secret")
    entries = select_entries(load_banks(list(banks) or None), topics, difficulty)
    app = create_app(entries, secret=secret, lang=lang, max_age=max_age)
    try:
        server = create_server(app, host=host, port=port, threads=threads,
                               client_connections=client_connections)
    except OSError as exc:
        raise QuizgenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    shown = f"[{host}]" if ":" in host else host
    signal.signal(signal.SIGTERM, _interrupt)      # a service manager's stop, like Ctrl-C
    try:
        click.echo(f"quizgen drill serving {len(entries)} problems on "
                   f"http://{shown}:{server.effective_port}/  (Ctrl-C stops)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo("note: listening beyond this machine; anyone on the network can reach it",
                       err=True)
        if secret_note:
            click.echo(secret_note, err=True)
        server.run()           # returns on Ctrl-C (waitress catches the KeyboardInterrupt)
    except KeyboardInterrupt:  # one that arrives before the loop runs
        pass
    finally:
        server.close()
    click.echo("stopped")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# ------------------------------------------------------------------------- the secret
def weak_secret(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign tokens (guessable offline from one token), or None."""
    if len(secret) < MIN_SECRET:
        return f"{len(secret)} characters"
    if len(set(secret)) < 8:
        return f"too few different characters ({len(set(secret))})"
    if any(secret[k:] == secret[:-k] for k in range(1, len(secret) // 2 + 1)):
        return "a short piece repeated"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in zip(secret, secret[1:]))
    if steps > 2 * (len(secret) - 1) // 3:
        return "mostly runs like aaa or abc"
    letters = re.sub(r"[^a-z]", "", secret.lower())
    if re.fullmatch(f"(?:{'|'.join(COMMON_WORDS)})*", letters):
        return "only common passwords, digits and signs"
    return None


def secret_file() -> Path:
    """Where the generated secret is kept: $XDG_CONFIG_HOME/quizgen/serve-secret, or
    ~/.config/quizgen/serve-secret (a relative XDG_CONFIG_HOME is ignored, as XDG says)."""
    config = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(config) if os.path.isabs(config) else Path.home() / ".config"
    return root / "quizgen" / "serve-secret"


def serve_secret(given: str | None, option: str = "--secret") -> tuple[str, str | None]:
    """The key of ``quizgen serve`` and a note for the teacher: ``given`` if it is strong
    enough (``option`` names where it came from), else the kept one, generated the first time."""
    if given is not None:
        why = weak_secret(given)
        if why:
            raise QuizgenError(
                f"too weak to sign tokens ({why}): use {MIN_SECRET} or more random characters, "
                "e.g. from python3 -c 'import secrets; print(secrets.token_urlsafe(32))', "
                f"or leave it out to use a generated key kept in {secret_file()}", field=option)
        return given, None
    path = secret_file()
    secret, made = _kept_secret(path)
    kept = f"a new secret, kept in {path}" if made else f"the secret kept in {path}"
    return secret, (f"note: signing with {kept}: scores carry over a restart, problems drawn "
                    "before it do not")


def _kept_secret(path: Path) -> tuple[str, bool]:
    """(the secret in ``path``, False), or (a new one, True) written there first: mode 0600,
    whole or not at all (a temporary file beside it, then linked to its name)."""
    if path.exists():
        return _read_secret(path), False
    fresh = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".serve-secret.", suffix=".tmp", dir=path.parent)
        try:                                             # mkstemp makes it 0600
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(fresh + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)   # fails if another server made one meanwhile: use that
            except FileExistsError:
                return _read_secret(path), False
            except OSError:          # no hard links on this file system: rename
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise QuizgenError(f"cannot keep a generated secret here ({exc.strerror}); make the "
                           "folder writable or give --secret", file=str(path)) from None
    return fresh, True


def _read_secret(path: Path) -> str:
    broken = "delete it and quizgen serve makes a new one"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuizgenError(f"cannot read the kept secret ({exc.strerror})", file=str(path)) from None
    try:
        secret = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise QuizgenError(f"not a quizgen serve secret (not text); {broken}",
                           file=str(path)) from None
    why = weak_secret(secret) or ("spaces inside" if len(secret.split()) > 1 else None)
    if why:
        raise QuizgenError(f"not a usable secret ({why}); {broken}", file=str(path))
    return secret
