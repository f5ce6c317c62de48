"""``quizgen drill`` (terminal or HTML pack) and ``quizgen serve`` (web app for a class)."""

from __future__ import annotations

import itertools
import secrets
import signal
from pathlib import Path

import click
from click.core import ParameterSource

from quizgen.errors import QuizgenError
from quizgen.questions.bank import load_banks
from quizgen.commands.options import LANG, bank_option
from quizgen.drill.secret import MIN_SECRET, serve_secret

DIFFICULTY = click.IntRange(1, 3)
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
