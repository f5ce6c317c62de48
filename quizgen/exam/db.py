"""Engines and migrations of the exam database.

``--db`` takes a file path (SQLite; the default is a file beside the exam's spec) or a URL
(``sqlite:///...``, ``postgresql://...``). SQLite runs in WAL mode with ``synchronous=NORMAL``:
a committed transaction survives the process being killed (only a power cut can lose the last
ones); writers take the lock at BEGIN (``BEGIN IMMEDIATE``) so two never deadlock upgrading a
read lock, and wait up to 10 s for each other. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, SQLAlchemyError

from quizgen.errors import QuizgenError

HEAD = "0001"                   # the newest migration (quizgen/exam/migrations/versions)


def default_db(spec_path: str | Path) -> Path:
    """The SQLite file of an exam: beside its spec, ``SPEC.exam.sqlite``."""
    spec = Path(spec_path)
    return spec.with_name(spec.stem + ".exam.sqlite")


def normalise_url(db: str) -> str:
    """A ``--db`` value as an SQLAlchemy URL."""
    if "://" not in db:
        return "sqlite:///" + str(Path(db).resolve())
    for plain in ("postgresql://", "postgres://"):
        if db.startswith(plain):
            return "postgresql+psycopg://" + db[len(plain):]
    return db


def safe_url(url: str) -> str:
    """The URL for messages: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<db>"


def make_engine(db: str, *, pool_size: int = 8, reads: bool = False) -> Engine:
    """An engine on ``db``; on SQLite, ``reads`` makes one whose transactions only read
    (deferred BEGIN: WAL readers wait for no writer)."""
    url = normalise_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise QuizgenError(f"not a database URL or file: {db!r}", field="--db") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise QuizgenError("an exam needs a database file (several requests share it)",
                               field="--db")
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise QuizgenError(f"no folder {folder} for the database", field="--db")
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                               connect_args={"timeout": 10, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, record) -> None:
            dbapi_connection.isolation_level = None      # we say BEGIN ourselves
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise QuizgenError(f"quizgen exam runs on SQLite or PostgreSQL, not "
                           f"{parsed.get_backend_name()}", field="--db")
    try:
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                             pool_pre_ping=True)
    except (ImportError, SQLAlchemyError) as exc:
        raise QuizgenError(f"cannot use {safe_url(url)}: {exc}", field="--db") from None


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema (creating it when empty)."""
    from alembic import command

    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    except DatabaseError as exc:
        raise QuizgenError(f"cannot use the database: {_first_line(exc)}",
                           field="--db") from None


def revision(engine: Engine) -> str | None:
    """The migration the database is at (None: not an exam database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return MigrationContext.configure(conn).get_current_revision()
    except DatabaseError as exc:
        raise QuizgenError(f"cannot use the database: {_first_line(exc)}",
                           field="--db") from None


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
