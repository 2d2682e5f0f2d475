"""Module-scoped ``clock`` and ``engine`` fixtures, for a test module whose tests share
one database (see ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine import Engine, ManualClock
from tests.support.databases import START, Databases, Deployed


def module_engine(deployed: Deployed = ()) -> tuple[Any, Any]:
    """Fixtures ``clock`` (at ``START``) and ``engine`` (with ``deployed`` deployed), both
    module-scoped; a test module takes them as ``clock, engine = module_engine(...)``."""

    @pytest.fixture(scope="module", name="clock")
    def clock() -> ManualClock:
        return ManualClock(START)

    @pytest.fixture(scope="module", name="engine")
    def engine(databases: Databases, clock: ManualClock) -> Iterator[Engine]:
        with databases.engine(clock, deployed) as instance:
            yield instance

    return clock, engine
