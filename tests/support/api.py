"""The app as the API tests build it, and bearer tokens issued on first use."""

from __future__ import annotations

from typing import Any

from flask import Flask

from engine import Engine
from tests.support.databases import Databases
from webapi import create_app


def make_app(engine: Engine, **config: Any) -> Flask:
    """The API on ``engine`` (which the app uses and does not own), in testing mode."""
    return create_app({"ENGINE": engine, "TESTING": True, **config})


class Tokens(dict[str, str]):
    """user id -> a bearer token of that user, issued when first asked for."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def __missing__(self, user: str) -> str:
        token = self.engine.identity.issue_token(user).token
        self[user] = token
        return token

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self[user]}", **extra}


def shared_app(databases: Databases, engine: Engine) -> Flask:
    """The one app on ``engine`` (the ``app`` fixture's; module fixtures ask here)."""
    return databases.shared(engine, "app", lambda: make_app(engine))


def shared_tokens(databases: Databases, engine: Engine) -> Tokens:
    """The one token set on ``engine`` (the ``tokens`` fixture's)."""
    return databases.shared(engine, "tokens", lambda: Tokens(engine))
