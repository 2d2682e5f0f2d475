"""The database layer: migrations match the models, SQLite is durable, times are UTC."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.store.testing import run_sql


def test_migrations_match_the_table_models(engine: Engine) -> None:
    assert engine.store.schema_differences() == []


def test_migrating_twice_is_harmless(engine: Engine) -> None:
    engine.store.migrate()
    assert engine.store.schema_differences() == []


def test_sqlite_commits_survive_a_power_cut(engine: Engine) -> None:
    if engine.store.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    assert run_sql(engine.store, "PRAGMA journal_mode") == [("wal",)]
    assert run_sql(engine.store, "PRAGMA synchronous") == [(2,)]  # FULL
    assert run_sql(engine.store, "PRAGMA foreign_keys") == [(1,)]
