"""Whole PostgreSQL databases of a test's own (a restore, a production set-up), made on the
server of ``DAIBAN_TEST_DATABASE_URL`` and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def new_database(server_url: str, prefix: str = "daiban_t") -> Iterator[str]:
    """The URL of a new, empty database on ``server_url``'s server (its own search path
    options dropped), dropped with everything in it when the block ends."""
    base = make_url(server_url).difference_update_query(["options"])
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def libpq_url(url: str) -> str:
    """The URL as ``pg_dump`` and ``psql`` take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
