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
    InvalidState,
    NotFound,
    Problem,
    ScriptError,
)
from engine.store import Store


class Engine:
    """Everything a caller needs, wired to one database and one clock."""

    def __init__(
        self,
        database_url: str | None = None,
        clock: Clock | None = None,
        *,
        migrate: bool = True,
        cache_size: int = 1000,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.store = Store(database_url)
        if migrate:
            self.store.migrate()
        self.definitions = DefinitionRegistry(self.store, self.clock)
        self.cases = CaseService(self.store, self.definitions, self.clock, cache_size)
        self.audit = Auditor(self.store, self.definitions)

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
    "EngineError",
    "InvalidState",
    "ManualClock",
    "NotFound",
    "Problem",
    "ReplayedState",
    "ScriptError",
    "SourceFile",
    "Store",
    "SystemClock",
    "TickReport",
    "VerifyReport",
    "lint",
    "read_sources",
]
