"""Alembic environment: always run through engine.store.migrate (a connection is passed in)."""

from alembic import context

from engine.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
