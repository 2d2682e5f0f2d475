"""What the views use, created once per app: ``services()`` inside a request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from flask import current_app, g

from engine import Engine, IssuedToken, Principal
from engine.identity import TemporaryPassword
from engine.records import AccountStatus
from processes.catalogue import Catalogue
from processes.org import Organization

EXTENSION = "daiban"


class Identity(Protocol):
    """What the API needs of ``engine.IdentityService`` (tests pass a fake)."""

    def login(self, user_id: str, password: str, client: str | None = None) -> IssuedToken: ...
    def authenticate(self, token: str) -> Principal: ...
    def revoke(self, token: str) -> None: ...
    def revoke_all(self, user_id: str) -> int: ...
    def change_password(
        self,
        user_id: str,
        old_password: str,
        new_password: str,
        client: str | None = None,
        keep_token: str | None = None,
    ) -> int: ...
    def reset_password(self, user_id: str) -> TemporaryPassword: ...
    def accounts(self, user_ids: Sequence[str]) -> dict[str, AccountStatus]: ...


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


def current_org() -> Organization:
    """The organisation with the absences registered now (``Engine.current_org``), read
    once per request: every decision of one request sees the same absences."""
    found: Organization | None = g.get("current_org")
    if found is None:
        found = g.current_org = services().engine.current_org()
    return found
