"""Alembic's environment: ``quizgen.exam.db.upgrade`` passes the connection to migrate in
``config.attributes["connection"]`` (there is no alembic.ini: quizgen runs Alembic itself)."""

from alembic import context

from quizgen.exam.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
