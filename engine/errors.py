"""Domain errors of the engine.

Every error carries a stable ``code`` (English, for programs) and a ``message``
(Chinese, for people). Only ``webapi`` maps codes onto HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EngineError(Exception):
    """Base class: a stable code, a Chinese message and optional context."""

    code = "engine_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One problem found in a BPMN file: reported as ``PATH:LINE: ELEMENT_ID: message``."""

    path: str
    line: int | None
    element_id: str | None
    message: str
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        line = self.line if self.line is not None else 0
        element = self.element_id or "-"
        return f"{self.path}:{line}: {element}: {self.message}"


class DefinitionError(EngineError):
    """A BPMN definition is invalid; ``problems`` lists every problem found."""

    code = "invalid_definition"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"流程定义有 {len(problems)} 个问题", problems=problems)
        self.problems = problems


class ScriptError(EngineError):
    """A script, condition or timer expression was rejected or failed."""

    code = "script_error"


class ScriptLimitExceeded(ScriptError):
    """A script used more time, steps or memory than allowed."""

    code = "script_limit_exceeded"


class EngineStepLimitExceeded(ScriptError):
    """One state change needed more engine steps than allowed (a loop without a wait
    state, a huge multi-instance): the change is an incident, the case stays as it was."""

    code = "engine_step_limit"


class EngineStalled(ScriptError):
    """The engine stopped short of an end event (SpiffWorkflow's task-tree depth limit):
    the change is an incident, never a completion."""

    code = "engine_stalled"


class NotFound(EngineError):
    code = "not_found"


class ConflictError(EngineError):
    """The case changed since it was read (stale version) or the step was already taken."""

    code = "conflict"


class StaleVersion(ConflictError):
    """The caller named the case version it expects (``If-Match``, ``expected_version``)
    and the case is at another one: nothing was changed; re-read the case and decide again.
    A ``ConflictError`` for the engine's callers; the HTTP API answers 412, not 409."""

    code = "precondition_failed"


class Unavailable(EngineError):
    """The database cannot do its part right now (disk full, unreachable, connection lost
    before the commit, a lock wait timed out): nothing was changed, retrying later may work.

    ``reason`` names the kind of trouble for operators and clients (``disk_full``,
    ``unreachable``, ``busy``, ``io_error``); ``retry_after`` is in seconds."""

    code = "service_unavailable"

    def __init__(self, message: str, reason: str, retry_after: int = 5, **context: Any) -> None:
        super().__init__(message, reason=reason, retry_after=retry_after, **context)
        self.reason = reason
        self.retry_after = retry_after


class OutcomeUnknown(EngineError):
    """The connection broke while the database was committing: the change may or may not
    be stored. Not an ``Unavailable``, on purpose: a caller must never treat it as "nothing
    changed" — it finds out (the idempotency key, the case's version) before acting again."""

    code = "outcome_unknown"

    def __init__(self, message: str, retry_after: int = 5, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class InvalidState(EngineError):
    """The action does not fit the case's current state (task not ready, case closed...)."""

    code = "invalid_state"


class NotTrainingDatabase(InvalidState):
    """The clock may only be moved on a database flagged for training or demos."""

    code = "not_training_database"


class DatabaseInUse(InvalidState):
    """A database that holds cases not made in training mode (or ledger issues) cannot be
    flagged for training or demos: its clock must stay the system clock."""

    code = "database_in_use"


class AbsenceOverlap(InvalidState):
    """A registered absence would overlap another of the same user: nothing was registered."""

    code = "absence_overlap"


class AbsenceInOrgFile(InvalidState):
    """The absence is the organisation file's: it is changed there, not through the register."""

    code = "absence_in_org_file"


class SeparationOfDuties(InvalidState):
    """The person completed a step of the case that one person may not hold together with
    this one (``engine.elements.SEPARATED_STEPS``): another colleague must take it."""

    code = "separation_of_duties"


class Forbidden(EngineError):
    """The caller sees the object but its role or post may not do this (read-only callers,
    a task of another post, an issue held at another level)."""

    code = "forbidden"


class DataValidationError(EngineError):
    """Submitted data does not match a form; ``fields`` maps field name to reason."""

    code = "validation_failed"

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


class LoginLocked(EngineError):
    """Too many wrong passwords in a row: password login is locked for a while."""

    code = "login_locked"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class TooManyRequests(EngineError):
    """A public, anonymous operation asked too often (the progress lookup's limits)."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class NotAuthenticated(EngineError):
    """No valid credentials: unknown user, wrong password, unknown, expired or revoked token."""

    code = "unauthenticated"
