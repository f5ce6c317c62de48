"""Debian's PostgreSQL server in a temporary folder, for the tests and the benchmark: run as
the ``postgres`` user when we are root (the server refuses root), listening on a Unix socket
in that folder only (no TCP port to collide with anyone's), stopped and removed at the end."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresError(RuntimeError):
    pass


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise PostgresError(f"no PostgreSQL server: /usr/lib/postgresql/*/bin/{name} is "
                            "missing (bash scripts/bootstrap --test installs Debian's postgresql)")
    return found[-1]


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """``with Cluster() as pg: pg.create_database("x")`` -> a --db URL."""

    def __init__(self, max_connections: int = 300) -> None:
        self.max_connections = max_connections
        self.folder = ""
        self.data = ""

    def __enter__(self) -> "Cluster":
        self.folder = tempfile.mkdtemp(prefix="qg-pg-")
        self.data = os.path.join(self.folder, "data")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresError("no 'postgres' user to run PostgreSQL as (we are root)") from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        os.chmod(self.folder, 0o755)
        r = subprocess.run(as_postgres([pg_bin("initdb"), "-D", self.data, "-U", "postgres",
                                        "--auth=trust", "-E", "UTF8", "--no-locale"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise PostgresError(f"initdb failed: {r.stderr.strip()[-500:]}")
        opts = (f"-c listen_addresses='' -k {self.folder} -c max_connections="
                f"{self.max_connections} -c shared_buffers=64MB")
        log = os.path.join(self.folder, "log")
        r = subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.data, "-o", opts, "-l",
                                        log, "-w", "-t", "60", "start"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            tail = Path(log).read_text(errors="replace")[-800:] if Path(log).exists() else ""
            raise PostgresError(f"PostgreSQL did not start: {r.stderr.strip()[-300:]} {tail}")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host={self.folder} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@/{name}?host={self.folder}"

    def __exit__(self, *exc) -> None:
        if self.data and os.path.isdir(self.data):
            subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                                        "stop"]), capture_output=True)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
