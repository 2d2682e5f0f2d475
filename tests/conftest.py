"""Fixtures every tier shares: the clock, a database of each test's own (a SQLite file,
or a PostgreSQL schema when DAIBAN_TEST_DATABASE_URL is set), the engine on it, and the
session's template databases (``tests/support/databases.py``).

A module that works on one database throughout overrides ``engine`` (and ``clock``) with
module-scoped fixtures; ``tests/api/conftest.py`` then gives it one app for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from engine import Engine, ManualClock, read_sources
from engine.store.testing import isolated_database
from processes.catalogue import Catalogue
from processes.org import Organization
from tests.support.databases import START, Databases, Deployed
from tests.support.paths import PG_URL, SAMPLE
from tests.support.servers import served
from tests.support.shipped import demo_org, shipped_catalogue
from webapi import create_app
from webapi.headers import QuietRequestHandler


def pytest_report_header() -> str:
    return (
        f"daiban test database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"
    )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    # The order is random (pytest-randomly); -q hides the header that names the seed.
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.has_plugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"random order: --randomly-seed={seed} repeats it")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue (read-only: tests that change one load their own)."""
    return shipped_catalogue()


@pytest.fixture(scope="session")
def org() -> Organization:
    """The demo organisation (read-only)."""
    return demo_org()


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, org: Organization
) -> Iterator[Databases]:
    made = Databases(PG_URL, tmp_path_factory.mktemp("databases"), catalogue, org)
    yield made
    made.close()


@pytest.fixture
def clock() -> ManualClock:
    # Thursday 2026-09-24, 09:00 in Qu County: a week before the National Day holiday.
    return ManualClock(START)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database (not even migrated), for tests that build their own engine."""
    with isolated_database(PG_URL, tmp_path) as url:
        yield url


@pytest.fixture
def deployed() -> Deployed:
    """What the test's engine starts with deployed: nothing. A module that deploys the
    same processes for every test overrides it, and each test's database starts as a copy
    of the session's template with them."""
    return ()


@pytest.fixture
def engine(
    databases: Databases, database_url: str, clock: ManualClock, deployed: Deployed
) -> Iterator[Engine]:
    """An engine on ``database_url``: migrated, with ``deployed`` deployed."""
    with databases.engine(clock, deployed, url=database_url) as instance:
        yield instance


@pytest.fixture
def begun(engine: Engine) -> Iterator[list[str]]:
    """Every transaction begun on the engine's databases, reading or writing."""
    found: list[str] = []

    def began(_connection: Any) -> None:
        found.append("begin")

    targets = {engine.store._read_engine, engine.store._write_engine}
    for target in targets:
        event.listen(target, "begin", began)
    try:
        yield found
    finally:
        for target in targets:
            event.remove(target, "begin", began)


@pytest.fixture
def sample(engine: Engine) -> Engine:
    """The engine with the sample processes deployed."""
    engine.definitions.deploy(read_sources([SAMPLE]))
    return engine


@pytest.fixture
def werkzeug_server(sample: Engine) -> Iterator[int]:
    """The app on Werkzeug's server with the request handler ``daiban serve`` uses."""
    app = create_app({"ENGINE": sample, "SECRET_KEY": "test"})  # not TESTING: as served
    with served(app, QuietRequestHandler) as base:
        yield int(base.rsplit(":", 1)[1])
