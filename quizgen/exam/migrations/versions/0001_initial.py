"""The first exam database: exams, students, attempts, answers, results, sessions, and the
sign-in failures the rate limit counts.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("spec_path", sa.Text, nullable=False),
        sa.Column("spec_text", sa.Text, nullable=False),
        sa.Column("banks", sa.Text, nullable=False),
        sa.Column("opens_at", sa.Float, nullable=False),
        sa.Column("closes_at", sa.Float, nullable=False),
        sa.Column("time_limit", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("release_at", sa.Float, nullable=True),
        sa.Column("teacher_hash", sa.Text, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "student",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exam_id", sa.Integer, sa.ForeignKey("exam.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("student_id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("paper_code", sa.String(6), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("extra_time", sa.Integer, nullable=False),
        sa.UniqueConstraint("exam_id", "student_id", name="uq_student_exam_sid"),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("student", sa.Integer, sa.ForeignKey("student.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("submitted_at", sa.Float, nullable=True),
        sa.Column("timed_out", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("max_score", sa.Float, nullable=True),
        sa.UniqueConstraint("student", "number", name="uq_attempt_student_number"),
    )
    op.create_table(
        "answer",
        sa.Column("attempt", sa.Integer, sa.ForeignKey("attempt.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("question", sa.Integer, primary_key=True),
        sa.Column("part", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("saves", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.Float, nullable=False),
    )
    op.create_table(
        "result",
        sa.Column("attempt", sa.Integer, sa.ForeignKey("attempt.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("question", sa.Integer, primary_key=True),
        sa.Column("part", sa.String(100), primary_key=True),
        sa.Column("entry", sa.String(200), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("possible", sa.Float, nullable=False),
    )
    op.create_table(
        "session",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("exam_id", sa.Integer, sa.ForeignKey("exam.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("student", sa.Integer, sa.ForeignKey("student.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "signin_failure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_signin_failure_key_at", "signin_failure", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_signin_failure_key_at", table_name="signin_failure")
    for name in ("signin_failure", "session", "result", "answer", "attempt", "student", "exam"):
        op.drop_table(name)
