"""Fixtures of the exam tests: a spec and roster, an exam created in a database, and the
two databases every exam test runs against: SQLite (a file in a temporary folder) and
Debian's PostgreSQL, started here in a temporary folder as the ``postgres`` user (the server
refuses to run as root), listening only on a Unix socket in that folder, stopped at the end.
No test is skipped: if PostgreSQL cannot start, its tests fail saying why."""

from __future__ import annotations

import secrets
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own for the session: (socket folder, cluster)."""
    from tests.exam.pg import Cluster, PostgresError

    try:
        cluster = Cluster().__enter__()
    except PostgresError as exc:
        pytest.fail(str(exc))
    try:
        yield cluster.folder, cluster
    finally:
        cluster.__exit__(None, None, None)





def fresh_database(backend: str, tmp_path: Path, request) -> str:
    """A new empty database of ``backend``: its --db value."""
    if backend == "sqlite":
        return str(tmp_path / "exam.sqlite")
    folder, cluster = request.getfixturevalue("postgres_server")
    return cluster.create_database(f"exam_{secrets.token_hex(6)}")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    return fresh_database(request.param, tmp_path, request)


# ---------------------------------------------------------------- a spec, a roster, an exam
def write_spec(folder: Path, lang: str = "en", seed: int = 4242) -> Path:
    text = (ROOT / "templates" / "paper" / "sample-zh.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^seed: *\d+", f"seed: {seed}", text)
    text = re.sub(r"(?m)^lang: *zh", f"lang: {lang}", text)
    path = folder / "unit-test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_roster(folder: Path, n: int) -> Path:
    path = folder / "class.csv"
    lines = ["student_id,name"] + [f"S{k:04d},Student {k}" for k in range(1, n + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Made:
    db: str
    spec: Path
    roster: Path
    codes: dict[str, str]          # student id -> access code
    papers: dict[str, str]         # student id -> paper code
    out: Path


def run_quizgen(*args: str, env: dict | None = None, timeout: float = 120
                ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quizgen", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def quizgen_here(*args: str) -> Ran:
    """``quizgen ARGS`` in this process (click's runner): as a subprocess would see it."""
    from click.testing import CliRunner

    from quizgen.cli import cli

    r = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return Ran(r.exit_code, r.stdout, r.stderr)


def make_exam(folder: Path, db: str, n: int = 3, *extra: str, lang: str = "en") -> Made:
    spec, roster = write_spec(folder, lang), write_roster(folder, n)
    pw = folder / "password.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    out = folder / "codes"
    args = ["exam", "create", str(spec), "--roster", str(roster), "--db", db,
            "--password-file", str(pw), "--out", str(out), *extra]
    if "--closes" not in extra:
        args += ["--closes", "+2h"]
    if "--time-limit" not in extra:
        args += ["--time-limit", "45"]
    from click.testing import CliRunner

    from quizgen.cli import cli

    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    codes, papers = {}, {}
    csv_file = next(out.glob("*-access-codes.csv"))
    for line in csv_file.read_text(encoding="utf-8-sig").splitlines()[1:]:
        sid, _, code, paper = line.split(",")
        codes[sid], papers[sid] = code, paper
    return Made(db, spec, roster, codes, papers, out)


def start_exam_server(db: str, *extra: str, timeout: float = 60
                      ) -> tuple[subprocess.Popen, str]:
    return servers.start(["exam", "serve", "--db", db, "--port", "0", *extra], timeout=timeout)


def stop_exam_server(proc: subprocess.Popen) -> None:
    servers.stop(proc)
