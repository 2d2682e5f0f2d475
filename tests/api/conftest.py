"""The app, its test client and bearer tokens, on whichever ``engine`` the test has.

One app and one token set per engine: a test with an engine of its own gets its own, a
module that overrides ``engine`` with a module-scoped one shares them across the module
(its module-scoped fixtures reach them through ``shared_app``/``shared_tokens``).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from tests.support.api import Tokens, shared_app, shared_tokens
from tests.support.databases import Databases
from tests.support.walks import Counter


@pytest.fixture
def app(engine: Engine, databases: Databases) -> Flask:
    return shared_app(databases, engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def tokens(engine: Engine, databases: Databases) -> Tokens:
    return shared_tokens(databases, engine)


@pytest.fixture
def counter(engine: Engine, app: Flask) -> Counter:
    """The demo users at their desks, on the test's engine (see ``tests/support/walks.py``)."""
    return Counter(app.test_client(), engine)
