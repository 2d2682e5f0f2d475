"""daiban's engine: runs BPMN cases safely, persists them, replays their history.

The only package that imports SpiffWorkflow; its ``store`` is the only one that
imports SQLAlchemy.
"""

from __future__ import annotations

from engine.audit import Auditor, ReplayedState, VerifyReport
from engine.cases import SYSTEM, Actor, CaseService, CaseView, TickReport
from engine.clock import Clock, ManualClock, SystemClock
from engine.definitions.compiler import SourceFile, lint, read_sources
from engine.definitions.registry import DefinitionRegistry, DeployResult
from engine.errors import (
    ConflictError,
    DataValidationError,
    DefinitionError,
    EngineError,
    Forbidden,
    InvalidState,
    LoginLocked,
    NotAuthenticated,
    NotFound,
    OutcomeUnknown,
    Problem,
    ScriptError,
    Unavailable,
)
from engine.identity import IdentityService, IssuedToken, Principal
from engine.runtime.bounds import EngineBounds
from engine.store import Store
from processes.org import Organization, load_org


class Engine:
    """Everything a caller needs, wired to one database and one clock."""

    def __init__(
        self,
        database_url: str | None = None,
        clock: Clock | None = None,
        *,
        migrate: bool = True,
        cache_size: int = 1000,
        org: Organization | None = None,
        bounds: EngineBounds | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.store = Store(database_url)
        if migrate:
            self.store.migrate()
        # The registry applies the bounds at deployment and hands them, with every
        # compiled process, to case changes and to replay alike.
        self.bounds = bounds or EngineBounds()
        self.definitions = DefinitionRegistry(self.store, self.clock, bounds=self.bounds)
        self.cases = CaseService(self.store, self.definitions, self.clock, cache_size)
        self.audit = Auditor(self.store, self.definitions)
        self._org = org
        self._identity: IdentityService | None = None

    @property
    def org(self) -> Organization:
        """The organisation (default: ``DAIBAN_ORG_FILE`` or the demo organisation)."""
        if self._org is None:
            self._org = load_org()
        return self._org

    @property
    def identity(self) -> IdentityService:
        if self._identity is None:
            self._identity = IdentityService(self.store, self.clock, self.org)
        return self._identity

    def close(self) -> None:
        self.store.dispose()


__all__ = [
    "SYSTEM",
    "Actor",
    "Auditor",
    "CaseService",
    "CaseView",
    "Clock",
    "ConflictError",
    "DataValidationError",
    "DefinitionError",
    "DefinitionRegistry",
    "DeployResult",
    "Engine",
    "EngineBounds",
    "EngineError",
    "Forbidden",
    "IdentityService",
    "InvalidState",
    "IssuedToken",
    "LoginLocked",
    "ManualClock",
    "NotAuthenticated",
    "NotFound",
    "OutcomeUnknown",
    "Principal",
    "Problem",
    "ReplayedState",
    "ScriptError",
    "SourceFile",
    "Store",
    "SystemClock",
    "TickReport",
    "Unavailable",
    "VerifyReport",
    "lint",
    "read_sources",
]
