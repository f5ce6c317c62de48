"""Alembic's migrations of the exam database (shipped in the wheel; run by ``quizgen.exam.db``)."""
