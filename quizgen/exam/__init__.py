"""Online exams (``quizgen exam``): students sit their own paper in the browser, every answer
saved on a database (SQLite by default, PostgreSQL at scale), graded with the drills' reading.

``schema``: the tables (SQLAlchemy Core); ``migrations``: Alembic's versions of them;
``db``: engines and upgrades; ``store``: every read and write the app and the command make;
``secure``: access codes and passwords; ``app``: the Flask app; ``grades``: the exports.
"""
