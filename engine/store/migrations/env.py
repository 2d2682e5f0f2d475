"""Alembic environment. ``engine.store`` passes a connection in (``Store.migrate``,
``daiban db``); Alembic's own command line (``alembic.ini`` of a checkout) names the
database with ``-x url=...``, e.g. ``alembic -x url="$DAIBAN_DATABASE_URL" upgrade head``
(the environment is read by the shell, never here)."""

from logging.config import fileConfig

from alembic import context

from engine.store.database import make_engine
from engine.store.schema import lock
from engine.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if context.config.config_file_name:
        fileConfig(context.config.config_file_name)
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit(
            '请用 -x url=数据库地址 指定数据库，如 alembic -x url="$DAIBAN_DATABASE_URL" upgrade head'
            "（或用 daiban db upgrade）"
        )
    engine = make_engine(url)
    try:
        with engine.begin() as own:
            lock(own)  # as Store.migrate: one migrating process at a time
            context.configure(connection=own, target_metadata=Base.metadata, render_as_batch=True)
            context.run_migrations()
    finally:
        engine.dispose()
