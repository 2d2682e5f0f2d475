"""Fixtures: an engine on a fresh database (SQLite file, or a PostgreSQL schema when
DAIBAN_TEST_DATABASE_URL is set) with a manual clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from engine import Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from engine.store.testing import isolated_database

ROOT = Path(__file__).resolve().parents[1]
BPMN = ROOT / "bpmn"
SAMPLE = BPMN / "sample"
DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("DAIBAN_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return (
        f"daiban test database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"
    )


@pytest.fixture
def clock() -> ManualClock:
    # Thursday 2026-09-24, 09:00 in Qu County: a week before the National Day holiday.
    return ManualClock(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with isolated_database(PG_URL, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    instance = Engine(database_url, clock)
    yield instance
    instance.close()


@pytest.fixture
def sample(engine: Engine) -> Engine:
    """The engine with the sample processes deployed."""
    engine.definitions.deploy(read_sources([SAMPLE]))
    return engine
