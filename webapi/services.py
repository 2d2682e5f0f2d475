"""What the views use, created once per app: ``services()`` inside a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from engine import Engine, IssuedToken, Principal
from processes.catalogue import Catalogue

EXTENSION = "daiban"


class Identity(Protocol):
    """What the API needs of ``engine.IdentityService`` (tests pass a fake)."""

    def login(self, user_id: str, password: str, client: str | None = None) -> IssuedToken: ...
    def authenticate(self, token: str) -> Principal: ...
    def revoke(self, token: str) -> None: ...


@dataclass(frozen=True)
class Services:
    engine: Engine
    identity: Identity
    catalogue: Catalogue
    owns_engine: bool  # created by the app (and so closed by ``close``), not passed in

    def close(self) -> None:
        if self.owns_engine:
            self.engine.close()


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions[EXTENSION]
    return found
