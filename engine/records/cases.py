"""Case records: the case row, its events, its task index, who acts, which cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, the role and org unit they act in, and the resident they act
    for (proxy), if any."""

    user: str
    role: str | None = None
    on_behalf_of: str | None = None
    unit: str | None = None


@dataclass
class CaseRecord:
    id: int
    uid: str
    process_id: str
    definition_hash: str
    status: str
    version: int
    last_seq: int
    last_hash: str
    snapshot: bytes
    created_at: datetime
    updated_at: datetime
    item_code: str | None = None
    org_unit: str | None = None
    due_date: date | None = None
    next_timer_at: datetime | None = None
    has_incident: bool = False
    closed_at: datetime | None = None
    idempotency_key: str | None = None
    case_number: str | None = None
    village: str | None = None
    department: str | None = None
    registered_unit: str | None = None
    county_since: datetime | None = None
    # 残疾人证 (migration 0019): the designated hospital serving the case's township, and
    # when its assessment task first opened (its doctors see the case from then on).
    assessment_unit: str | None = None
    assessment_since: datetime | None = None
    # When the case's limit was met (migration 0024, ``engine.periods.meet``): an
    # enforcement case's decision; its ``limit_met`` event records why.
    limit_met_at: datetime | None = None
    # What 办件查询 searches by (migration 0011): the applicant's name and the last
    # characters of the applicant's ID number, as registered (``applicant_keys``).
    applicant_name: str | None = None
    applicant_id_tail: str | None = None
    # and the last four digits of the applicant's phone (migration 0022), never the phone
    applicant_phone_tail: str | None = None


@dataclass(frozen=True)
class EventRecord:
    case_id: int
    seq: int
    type: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    on_behalf_of: str | None = None
    state_digest: str | None = None
    actor_role: str | None = None  # the role the actor acted in
    actor_unit: str | None = None  # the actor's org unit (village, township, department)
    # Seconds the engine's clock was ahead of the system clock when the event was written:
    # set on a training or demo database only (``engine.clock.DatabaseClock``), so ``at``
    # minus it is the wall-clock time; None on a production database and on older events.
    clock_offset: int | None = None
    # The request (or command run) that wrote the event (``engine.logs``), to find its log
    # lines; not hashed: it says where the event came from, not what happened.
    request_id: str | None = None


@dataclass(frozen=True)
class TaskRecord:
    id: str
    case_id: int
    spec_id: str
    name: str
    process_id: str
    lane: str | None
    org_unit: str | None
    created_seq: int
    due_at: datetime | None = None
    claimed_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    closed_seq: int | None = None  # the event that closed the task; None while open


@dataclass(frozen=True)
class CaseScope:
    """OR of clauses the case store turns into a query; ``everything`` lifts the scope."""

    everything: bool = False
    villages: frozenset[str] = frozenset()
    townships: frozenset[str] = frozenset()
    registered_by: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()  # cases that have reached the department
    assessing: frozenset[str] = frozenset()  # cases handed to the hospital for assessment

    @property
    def empty(self) -> bool:
        return not (
            self.everything
            or self.villages
            or self.townships
            or self.registered_by
            or self.departments
            or self.assessing
        )


@dataclass(frozen=True)
class CaseFilter:
    """Narrows the cases of a scope (all optional, combined with AND); the case list,
    the supervision figures and the exports each offer the fields they need."""

    item_code: str | None = None
    status: str | None = None
    township: str | None = None
    village: str | None = None
    department: str | None = None
    # open cases whose due date is before this day and whose limit is not met yet
    overdue_on: date | None = None
    registered_from: datetime | None = None  # registered at or after
    registered_to: datetime | None = None  # registered before
    number_prefix: str | None = None  # case numbers starting with these digits
    applicant_name: str | None = None  # applicants whose name contains this text
    id_tail: str | None = None  # applicants whose ID number ends with these characters
    phone_tail: str | None = None  # applicants whose phone ends with these 4 digits


ID_TAIL_LENGTH = 6  # the characters of the applicant's ID number a case keeps for search
PHONE_TAIL_LENGTH = 4  # the digits of the applicant's phone a case keeps for search
MAX_APPLICANT_NAME = 100  # the column's length (a registration allows 50)


def applicant_keys(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The applicant's name and the last ``ID_TAIL_LENGTH`` characters of their ID number
    (upper case) from a case's start data (``{"applicant": {"name", "id_number"}}``), as
    the case list searches them; None where the data has none. Migration 0011 fills older
    cases by the same rule from their ``case_started`` events."""
    applicant = data.get("applicant")
    if not isinstance(applicant, Mapping):
        return None, None
    name, number = applicant.get("name"), applicant.get("id_number")
    name = name.strip()[:MAX_APPLICANT_NAME] if isinstance(name, str) else ""
    tail = number.strip().upper()[-ID_TAIL_LENGTH:] if isinstance(number, str) else ""
    return name or None, tail or None


def applicant_phone_tail(data: Mapping[str, Any]) -> str | None:
    """The last ``PHONE_TAIL_LENGTH`` digits of the applicant's phone in a case's start
    data (``{"applicant": {"phone"}}``; a landline's hyphen is no digit), as the case list
    searches them; None without a phone of that many digits. Migration 0022 fills older
    cases by the same rule."""
    applicant = data.get("applicant")
    phone = applicant.get("phone") if isinstance(applicant, Mapping) else None
    digits = "".join(ch for ch in phone if "0" <= ch <= "9") if isinstance(phone, str) else ""
    return digits[-PHONE_TAIL_LENGTH:] if len(digits) >= PHONE_TAIL_LENGTH else None


# A task's (process id, spec id); UNKNOWN_TASK for a closed task whose key was not read.
TaskKey = tuple[str, str]
UNKNOWN_TASK: TaskKey = ("*", "*")

# An open task of the index as ``replace`` compares it: who holds it, when it is due.
OpenState = tuple[str | None, datetime | None]


class OpenTasks(dict[str, OpenState]):
    """The case's open tasks in the index (task id -> holder and due time), with the
    (process id, spec id) and the opening event's seq of each in ``keys_of``/``opened_seq``."""

    def __init__(self) -> None:
        super().__init__()
        self.keys_of: dict[str, TaskKey] = {}
        self.opened_seq: dict[str, int] = {}

    def after(self, tasks: Sequence[TaskRecord]) -> OpenTasks:
        """The open tasks as ``TaskRepository.replace`` leaves the index when given
        ``tasks`` with these as ``existing``: the same as ``open_states`` would read."""
        found = OpenTasks()
        for task in tasks:
            found[task.id] = (task.claimed_by, task.due_at)
            if task.id in self:  # kept: its row keeps the key and the seq it opened at
                found.keys_of[task.id] = self.keys_of[task.id]
                found.opened_seq[task.id] = self.opened_seq[task.id]
            else:
                found.keys_of[task.id] = (task.process_id, task.spec_id)
                found.opened_seq[task.id] = task.created_seq
        return found


@dataclass(frozen=True)
class ClosedTask:
    """A task the index closed: its id, (process id, spec id), due time, opening seq."""

    id: str
    key: TaskKey
    due_at: datetime | None
    created_seq: int | None


@dataclass(frozen=True)
class IndexChange:
    """What the task index's ``replace`` changed: the tasks closed (``UNKNOWN_TASK`` for
    one whose key was not read) and the (process id, spec id) of those opened;
    ``touched``, both keys."""

    closed: tuple[ClosedTask, ...] = ()
    opened: frozenset[TaskKey] = frozenset()

    @property
    def touched(self) -> frozenset[TaskKey]:
        return self.opened | {task.key for task in self.closed}
