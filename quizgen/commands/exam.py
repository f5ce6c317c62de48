"""``quizgen exam``: online exams on a database (docs/online-exams.md).

``create`` checks everything first (the spec builds every student's paper, the times and
options make sense, the output files are free), stages the access-code slips and CSV under
temporary names, writes the exam in one database transaction and only then puts the files
into place: a failure leaves neither files nor exam. ``serve`` runs the app on the drill's
waitress server; ``upgrade`` migrates a database made by an older quizgen.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from quizgen.commands.options import bank_option
from quizgen.errors import QuizgenError

RELEASES = "close, submit, manual, or a time"


def parse_time(text: str, option: str, now: float) -> float:
    """``now``, ``+90m`` / ``+2h`` / ``+1d`` (from now), or an ISO date and time
    (``2026-12-01T09:00``; without an offset it is this machine's local time)."""
    value = text.strip()
    if value == "now":
        return now
    rel = re.fullmatch(r"\+(\d{1,6})([smhd])", value)
    if rel:
        return now + int(rel.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[rel.group(2)]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise QuizgenError(f"{text!r} is no time: give now, +90m, +2h, +1d or a date and time "
                           "such as 2026-12-01T09:00", field=option) from None
    return parsed.timestamp() if parsed.tzinfo else parsed.astimezone().timestamp()


def _password(password_file: str | None) -> str:
    from quizgen.exam.secure import weak_password

    if password_file:
        try:
            lines = Path(password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise QuizgenError(f"cannot read the teacher's password: "
                               f"{getattr(exc, 'strerror', None) or exc}",
                               file=password_file) from None
        password, where = (lines[0] if lines else ""), password_file
    elif os.environ.get("QUIZGEN_TEACHER_PASSWORD"):
        password, where = os.environ["QUIZGEN_TEACHER_PASSWORD"], "QUIZGEN_TEACHER_PASSWORD"
    elif sys.stdin.isatty():
        password = click.prompt("teacher's password", hide_input=True,
                                confirmation_prompt=True, err=True)
        where = "the password"
    else:
        raise QuizgenError("the teacher's password is needed: --password-file FILE, or "
                           "QUIZGEN_TEACHER_PASSWORD in the environment",
                           field="--password-file")
    why = weak_password(password)
    if why:
        raise QuizgenError(f"too weak for the teacher's pages ({why})", field=where)
    return password


@click.group(name="exam")
def exam() -> None:
    """Online exams on a database: create one from a spec and a roster, serve it, migrate it.

    Every student sits their own paper in the browser; answers are saved on the database
    (SQLite by default, PostgreSQL with --db postgresql://...)."""


@exam.command(name="create")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--roster", required=True, type=click.Path(dir_okay=False),
              help="CSV or .xlsx of student_id,name: each student gets a paper and a code.")
@click.option("--db", default=None, metavar="URL|FILE",
              help="The database: a file (SQLite) or postgresql://... "
                   "(default: SPEC.exam.sqlite beside the spec).")
@click.option("--name", default=None, help="The exam's name in the database (default: the "
              "spec's file name).")
@click.option("--opens", default="now", show_default=True,
              help="When students may start: now, +30m, or 2026-12-01T09:00.")
@click.option("--closes", required=True, help="When the exam closes (no attempt runs past "
              "it): +2h, or 2026-12-01T11:00.")
@click.option("--time-limit", type=click.IntRange(1, 24 * 60), required=True,
              metavar="MINUTES", help="Minutes a student has from starting.")
@click.option("--attempts", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Attempts each student may make (the best counts).")
@click.option("--release", default="close", show_default=True,
              help="When students see results and solutions: close (when the exam closes), "
                   "submit (as soon as they submit), manual (the teacher's button), or a time.")
@click.option("--password-file", type=click.Path(dir_okay=False), default=None,
              help="A file whose first line is the teacher's password (or set "
                   "QUIZGEN_TEACHER_PASSWORD; asked for on a terminal).")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False),
              help="Folder for the access-code slips (HTML) and CSV.")
@click.option("--url", default="", help="The address students open, printed on the slips.")
@click.option("--force", is_flag=True, help="Overwrite the slips and CSV, and replace an "
              "exam of the same name in the database (deleting its answers).")
@bank_option
def create(spec: str, roster: str, db: str | None, name: str | None, opens: str, closes: str,
           time_limit: int, attempts: int, release: str, password_file: str | None,
           out_dir: str, url: str, force: bool, banks: tuple[str, ...]) -> None:
    """Create an exam from a paper spec and a roster; write the students' access codes."""
    from quizgen.exam import secure
    from quizgen.exam.db import default_db, safe_url
    from quizgen.exam.marking import Papers
    from quizgen.exam.slips import access_files
    from quizgen.exam.store import NewStudent, Store
    from quizgen.files import Staging, read_text_input
    from quizgen.paper import load_roster
    from quizgen.paper.assemble import plan_codes

    now = time.time()
    opens_at = parse_time(opens, "--opens", now)
    closes_at = parse_time(closes, "--closes", now)
    if closes_at <= now:
        raise QuizgenError("that time has passed", field="--closes")
    if closes_at <= opens_at:
        raise QuizgenError("the exam must close after it opens", field="--closes")
    if release == "close":
        release_at: float | None = closes_at
    elif release == "submit":
        release_at = 0.0
    elif release == "manual":
        release_at = None
    else:
        release_at = parse_time(release, "--release", now)
    spec_text = read_text_input(spec, "paper spec")
    bank_paths = tuple(str(Path(b).resolve()) for b in banks)
    papers = Papers(spec_text, spec, bank_paths)
    from quizgen.paper.spec import sample_seed

    if papers.spec.seed == sample_seed():
        click.echo(f"warning: {spec} uses the sample spec's seed ({papers.spec.seed}), so its "
                   "papers are the public sample's, whose key anyone can print; change its "
                   "seed ('quizgen spec FILE' writes a spec with a fresh one)", err=True)
    students = load_roster(roster)
    password = _password(password_file)
    name = name or Path(spec).stem
    if not re.fullmatch(r"[\w.\-]{1,100}", name):
        raise QuizgenError("an exam's name is letters, digits, '.', '-' and '_' (at most "
                           "100)", field="--name")
    plan = plan_codes(papers.spec, students)
    for code, _, _ in plan:                  # every paper builds (a bad spec fails here)
        papers.get(code)
    codes = {s.id: secure.new_access_code() for s in students}
    rows = [NewStudent(st.id, st.name, code, version, secure.hash_code(codes[st.id]))
            for code, st, version in plan if st is not None]
    files = access_files(name, papers.spec.title, papers.spec.lang, plan, codes, url,
                         opens_at, closes_at)
    store = Store(db or str(default_db(spec)))          # a bad --db fails before any file
    try:
        with Staging(Path(out_dir), [n for n, _ in files], force) as staging:
            for file_name, data in files:
                staging.write_bytes(Path(out_dir) / file_name, data)
            store.upgrade()
            exam_id = store.create_exam(
                name=name, title=papers.spec.title, lang=papers.spec.lang, spec_path=str(spec),
                spec_text=spec_text, banks=bank_paths, opens_at=opens_at, closes_at=closes_at,
                time_limit=time_limit * 60, attempts=attempts, release_at=release_at,
                teacher_hash=secure.hash_password(password), secret=secrets.token_urlsafe(32),
                students=rows, replace=force)
            try:
                staging.commit()
            except BaseException:    # no files, no exam: its codes would be lost otherwise
                store.delete_exam(exam_id)
                raise
    finally:
        store.close()
    click.echo(f"exam {name!r}: {len(rows)} students in {safe_url(store.url)}; access codes "
               f"in {Path(out_dir) / files[0][0]} and {Path(out_dir) / files[1][0]} (written "
               "once: keep them safe, the database holds only their hashes)")


def _store_for(db: str | None, spec: str | None, pool_size: int = 8):
    from quizgen.exam.db import default_db
    from quizgen.exam.store import Store

    if db is None and spec is None:
        raise QuizgenError("name the database: --db FILE|URL (or the exam's SPEC, whose "
                           "database is beside it)", field="--db")
    target = db or str(default_db(spec))
    if "://" not in target and not Path(target).is_file():
        raise QuizgenError(f"no database {target} ('quizgen exam create' makes it)",
                           field="--db")
    return Store(target, pool_size=pool_size)


@exam.command(name="serve")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--db", default=None, metavar="URL|FILE", help="The exam's database (default: "
              "SPEC.exam.sqlite beside SPEC).")
@click.option("--exam", "exam_name", default=None, help="Which exam, if it holds several.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the app reachable from other machines.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads of this process.")
@click.option("--client-connections", type=click.IntRange(1, 1000), default=32,
              show_default=True, help="Connections one client address may hold open at once "
              "(raise it behind a proxy or NAT).")
@click.option("--behind-proxy", type=click.IntRange(0, 5), default=0, show_default=True,
              help="Reverse proxies in front that set X-Forwarded-For (the rate limit then "
                   "counts the students' addresses).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure (the proxy in front speaks HTTPS).")
def serve(spec: str | None, db: str | None, exam_name: str | None, host: str, port: int,
          threads: int, client_connections: int, behind_proxy: int,
          secure_cookies: bool) -> None:
    """Run the exam app (any number of processes can serve one database)."""
    from quizgen.drill.web import create_server
    from quizgen.exam.app import create_app

    store = _store_for(db, spec, pool_size=threads)     # a connection a thread (and as many spare)
    store.check_schema()
    app = create_app(store, exam_name, secure_cookies=secure_cookies, proxies=behind_proxy)
    ex = store.exam(exam_name)
    try:
        server = create_server(app, host=host, port=port, threads=threads,
                               client_connections=client_connections)
    except OSError as exc:
        raise QuizgenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    shown = f"[{host}]" if ":" in host else host
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        click.echo(f"quizgen exam serving {ex.name!r} on http://{shown}:{server.effective_port}/"
                   "  (the teacher's pages: /teacher; Ctrl-C stops)")
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        store.close()
    click.echo("stopped")


@exam.command(name="upgrade")
@click.option("--db", required=True, metavar="URL|FILE", help="The database to migrate.")
def upgrade(db: str) -> None:
    """Migrate an exam database to this quizgen's schema."""
    from quizgen.exam.db import HEAD, safe_url

    store = _store_for(db, None)
    try:
        store.upgrade()
    finally:
        store.close()
    click.echo(f"{safe_url(store.url)} is at migration {HEAD}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
