"""The browser tier's shared fixtures: one headless Chromium per worker process, and the
console (the app on a real server) over a module's engine.

A console test module works on one database throughout: it takes module-scoped
``clock`` and ``engine`` (``clock, engine = module_engine(...)``, see
``tests/support/module_fixtures.py``), and its tests share the ``console``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler

from engine import Engine, ManualClock
from tests.support.console import Console, chromium, shots_dir
from tests.support.servers import served
from webapi import create_app


class _Unlogged(WSGIRequestHandler):
    """No access-log line per request: a page load is dozens, and a line written after the
    test's output capture closed would be a logging error."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def console(
    engine: Engine, clock: ManualClock, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "test"})  # not TESTING: as served
    with served(app, _Unlogged) as base:
        yield Console(base, engine, clock, browser, shots_dir(tmp_path_factory.mktemp("shots")))
