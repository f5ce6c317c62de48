"""``quizgen exam create`` / ``upgrade`` / ``serve`` from the command line, and the database
the Alembic migrations make, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import inspect

from quizgen.exam import secure
from quizgen.exam.db import HEAD, make_engine, revision
from quizgen.exam.schema import metadata
from quizgen.exam.store import Store
from tests.exam.conftest import (PASSWORD, make_exam, quizgen_here, run_quizgen, write_roster,
                                 write_spec)


def test_create_writes_codes_once_and_stores_only_hashes(tmp_path, db_url):
    made = make_exam(tmp_path, db_url, 4)
    slips = next(made.out.glob("*-access-slips.html")).read_text(encoding="utf-8")
    csv_file = next(made.out.glob("*-access-codes.csv"))
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["student_id", "name", "access_code", "paper_code"] and len(rows) == 5
    codes = [r[2] for r in rows[1:]]
    assert len(set(codes)) == 4 and all(len(c.replace("-", "")) == 10 for c in codes)
    for code in codes:
        assert code in slips
    assert "<script" not in slips
    store = Store(db_url)
    try:
        pupils = store.students(store.exam().id)
        for st in pupils:
            assert made.codes[st.student_id] not in st.code_hash
            assert secure.check_code(made.codes[st.student_id], st.code_hash)
            assert secure.check_code(made.codes[st.student_id].lower().replace("-", " "),
                                     st.code_hash)
            assert not secure.check_code(made.codes["S0001" if st.student_id != "S0001"
                                                    else "S0002"], st.code_hash)
        salts = {st.code_hash.split("$")[2] for st in pupils}
        assert len(salts) == 4                          # a salt of its own each
        ex = store.exam()
        assert PASSWORD not in ex.teacher_hash and ex.teacher_hash.startswith("scrypt$")
        assert secure.check_password(PASSWORD, ex.teacher_hash)
        assert not secure.check_password(PASSWORD + "x", ex.teacher_hash)
    finally:
        store.close()


def test_create_refuses_to_overwrite_and_leaves_nothing_on_failure(tmp_path):
    db = str(tmp_path / "exam.sqlite")
    made = make_exam(tmp_path, db, 2)
    before = {p.name: p.read_bytes() for p in made.out.iterdir()}
    pw = tmp_path / "password.txt"
    base = ["exam", "create", str(made.spec), "--roster", str(made.roster), "--db", db,
            "--password-file", str(pw), "--out", str(made.out), "--time-limit", "30"]
    r = run_quizgen(*base, "--closes", "+1h")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--force" in r.stderr
    assert {p.name: p.read_bytes() for p in made.out.iterdir()} == before
    # the files are free but the exam exists: refused, and no file is left behind
    other = tmp_path / "other"
    r = run_quizgen(*[a if a != str(made.out) else str(other) for a in base], "--closes", "+1h")
    assert r.returncode == 2 and "already holds an exam" in r.stderr
    assert not other.exists() or not [p for p in other.iterdir() if not p.name.startswith(".")]
    r = run_quizgen(*base, "--closes", "+1h", "--force")
    assert r.returncode == 0, r.stderr
    assert {p.name: p.read_bytes() for p in made.out.iterdir()} != before


BAD = [
    (["--closes", "tomorrow-ish"], "--closes"),
    (["--closes", "2001-01-01T00:00"], "passed"),
    (["--closes", "+1h", "--opens", "+2h"], "close after it opens"),
    (["--closes", "+1h", "--release", "whenever"], "--release"),
    (["--closes", "+1h", "--time-limit", "0"], "--time-limit"),
    (["--closes", "+1h", "--name", "bad name!"], "--name"),
    (["--closes", "+1h", "--db", "mysql://x/y"], "SQLite or PostgreSQL"),
]


@pytest.mark.parametrize("extra,said", BAD)
def test_bad_options_are_one_line(tmp_path, extra, said):
    spec, roster = write_spec(tmp_path), write_roster(tmp_path, 2)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD, encoding="utf-8")
    args = ["exam", "create", str(spec), "--roster", str(roster), "--password-file", str(pw),
            "--out", str(tmp_path / "out")]
    if "--time-limit" not in extra:
        args += ["--time-limit", "30"]
    r = quizgen_here(*args, *extra)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert said in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "unit-test.exam.sqlite").exists()


def test_the_sample_seed_is_warned_about(tmp_path):
    spec = tmp_path / "sample.yaml"
    from quizgen.paper.spec import sample_spec_path

    spec.write_text(sample_spec_path().read_text(encoding="utf-8"), encoding="utf-8")
    roster = write_roster(tmp_path, 1)
    (tmp_path / "pw").write_text(PASSWORD, encoding="utf-8")
    r = quizgen_here("exam", "create", str(spec), "--roster", str(roster), "--closes", "+1h",
                     "--time-limit", "30", "--password-file", str(tmp_path / "pw"),
                     "--out", str(tmp_path / "out"), "--db", str(tmp_path / "x.sqlite"))
    assert r.returncode == 0 and "sample spec's seed" in r.stderr


def test_weak_password_bad_roster_and_missing_database(tmp_path):
    spec, roster = write_spec(tmp_path), write_roster(tmp_path, 2)
    (tmp_path / "pw").write_text("short\n", encoding="utf-8")
    args = ["exam", "create", str(spec), "--roster", str(roster), "--closes", "+1h",
            "--time-limit", "30", "--out", str(tmp_path / "out")]
    r = quizgen_here(*args, "--password-file", str(tmp_path / "pw"))
    assert r.returncode == 2 and "too weak" in r.stderr and r.stderr.count("\n") == 1
    roster.write_text("student_id,name\nA1,x\nA1,y\n", encoding="utf-8")
    (tmp_path / "pw").write_text(PASSWORD, encoding="utf-8")
    r = quizgen_here(*args, "--password-file", str(tmp_path / "pw"))
    assert r.returncode == 2 and "class.csv:3" in r.stderr and "twice" in r.stderr
    r = quizgen_here("exam", "serve", "--db", str(tmp_path / "none.sqlite"))
    assert r.returncode == 2 and "no database" in r.stderr and r.stderr.count("\n") == 1
    r = quizgen_here("exam", "serve", "--db", str(spec))      # a file that is no exam
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not list(tmp_path.glob("*.exam.sqlite"))


def test_migrations_make_the_schema_the_code_uses(db_url):
    engine = make_engine(db_url)
    try:
        assert revision(engine) is None
        store = Store(db_url)
        store.upgrade()
        store.upgrade()                                   # again: nothing to do
        assert revision(engine) == HEAD
        store.check_schema()
        store.close()
        found = inspect(engine)
        for table in metadata.sorted_tables:
            columns = {c["name"]: c for c in found.get_columns(table.name)}
            assert set(columns) == {c.name for c in table.columns}, table.name
            for c in table.columns:
                assert columns[c.name]["nullable"] == c.nullable or c.primary_key, \
                    (table.name, c.name)
            assert set(found.get_pk_constraint(table.name)["constrained_columns"]) == \
                {c.name for c in table.primary_key}
        # and down again: Alembic's downgrade removes every table
        from alembic import command

        from quizgen.exam.db import _alembic_config

        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_serve_refuses_an_unmigrated_database(tmp_path, db_url):
    r = run_quizgen("exam", "serve", "--db", db_url) if "://" in db_url else None
    if r is None:                                        # an empty SQLite file
        (tmp_path / "exam.sqlite").write_bytes(b"")
        r = run_quizgen("exam", "serve", "--db", db_url)
    assert r.returncode == 2 and "holds no exam" in r.stderr, r.stderr
    r = run_quizgen("exam", "upgrade", "--db", db_url)
    assert r.returncode == 0 and f"migration {HEAD}" in r.stdout, r.stderr
    r = run_quizgen("exam", "serve", "--db", db_url)
    assert r.returncode == 2 and "holds no exam" in r.stderr, r.stderr


def test_files_that_cannot_be_placed_leave_no_exam(tmp_path, monkeypatch):
    """The exam is committed before its code files are moved into place; if that fails,
    the exam goes too (its codes would exist nowhere)."""
    from quizgen.files import Staging

    def full_disk(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Staging, "commit", full_disk)
    spec, roster = write_spec(tmp_path), write_roster(tmp_path, 2)
    (tmp_path / "pw").write_text(PASSWORD, encoding="utf-8")
    db = str(tmp_path / "x.sqlite")
    r = quizgen_here("exam", "create", str(spec), "--roster", str(roster), "--closes", "+1h",
                     "--time-limit", "30", "--password-file", str(tmp_path / "pw"),
                     "--out", str(tmp_path / "out"), "--db", db)
    assert r.returncode == 2 and "No space left" in r.stderr and r.stderr.count("\n") == 1
    store = Store(db)
    try:
        assert store.exams() == []
    finally:
        store.close()
    assert not [p for p in (tmp_path / "out").iterdir() if p.is_file()] \
        if (tmp_path / "out").exists() else True
