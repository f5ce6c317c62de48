"""The exam database's tables (SQLAlchemy Core). Alembic's migrations (``migrations/versions``)
create and change them; this module is what the code reads and writes through, and a test
checks that the migrated database and these tables agree.

Times are seconds since the epoch (UTC) as the app servers' clock reads them. An exam's paper
spec is stored as its YAML text, so every app server rebuilds the same papers from the database
alone (no file to ship beside it); answers are stored as typed, the key never.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text, UniqueConstraint)

metadata = MetaData()

exam = Table(
    "exam", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("spec_path", Text, nullable=False),        # as given: for messages only
    Column("spec_text", Text, nullable=False),        # the YAML the papers are built from
    Column("banks", Text, nullable=False, default="[]"),   # JSON list of extra bank paths
    Column("opens_at", Float, nullable=False),
    Column("closes_at", Float, nullable=False),
    Column("time_limit", Integer, nullable=False),    # seconds
    Column("attempts", Integer, nullable=False),
    Column("release_at", Float, nullable=True),       # None: not released (the teacher will)
    Column("teacher_hash", Text, nullable=False),     # scrypt$n$r$p$salt$hash
    Column("secret", String(100), nullable=False),    # signs the sign-in form's CSRF token
    Column("created_at", Float, nullable=False),
)

student = Table(
    "student", metadata,
    Column("id", Integer, primary_key=True),
    Column("exam_id", Integer, ForeignKey("exam.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", String(100), nullable=False),
    Column("name", Text, nullable=False),
    Column("paper_code", String(6), nullable=False),
    Column("version", Integer, nullable=True),
    Column("code_hash", Text, nullable=False),        # pbkdf2$iterations$salt$hash
    Column("extra_time", Integer, nullable=False, default=0),   # seconds
    UniqueConstraint("exam_id", "student_id", name="uq_student_exam_sid"),
)

attempt = Table(
    "attempt", metadata,
    Column("id", Integer, primary_key=True),
    Column("student", Integer, ForeignKey("student.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("submitted_at", Float, nullable=True),
    Column("timed_out", Boolean, nullable=False, default=False),
    Column("score", Float, nullable=True),
    Column("max_score", Float, nullable=True),
    UniqueConstraint("student", "number", name="uq_attempt_student_number"),
)

answer = Table(
    "answer", metadata,
    Column("attempt", Integer, ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True),
    Column("question", Integer, primary_key=True),     # 1-based over the paper
    Column("part", String(100), primary_key=True),
    Column("value", Text, nullable=False),             # JSON list of the typed strings
    Column("saves", Integer, nullable=False, default=1),
    Column("saved_at", Float, nullable=False),
)

result = Table(                                        # each part, graded at submission
    "result", metadata,
    Column("attempt", Integer, ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True),
    Column("question", Integer, primary_key=True),
    Column("part", String(100), primary_key=True),
    Column("entry", String(200), nullable=False),      # the bank entry the question came from
    Column("response", Text, nullable=False),          # what was read (JSON), or as typed
    Column("status", String(12), nullable=False),      # right, wrong, blank, unreadable
    Column("correct", Boolean, nullable=False),
    Column("points", Float, nullable=False),
    Column("possible", Float, nullable=False),
)

session = Table(
    "session", metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),   # sha256 of the cookie's token
    Column("exam_id", Integer, ForeignKey("exam.id", ondelete="CASCADE"), nullable=False),
    Column("student", Integer, ForeignKey("student.id", ondelete="CASCADE"), nullable=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

signin_failure = Table(                                # what the sign-in rate limit counts
    "signin_failure", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False),        # "id:<student id>", "ip:<address>"
    Column("at", Float, nullable=False),
    Index("ix_signin_failure_key_at", "key", "at"),
)
