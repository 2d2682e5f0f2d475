"""An issue's life (三转): the kinds of entry, the status and level each leaves the issue
in, what the caller may do next, and what callers get back (``IssueView``).

Status, level and department are derived from the entries alone (``derive``); the service
writes them to the issue row in the same transaction as the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from engine.errors import InvalidState
from engine.identity import Principal
from engine.labels import ENTRY_TYPES
from engine.labels import ISSUE_STATUSES as STATUSES
from engine.policy import holds_issue
from engine.records import EntryRecord, IssueRecord

ACTIONS = ("answer", "transfer", "resolve", "reopen")
AFTER: dict[str, str] = {  # the status each kind of entry leaves the issue in
    "recorded": "open",
    "answer": "answered",
    "transfer": "open",
    "resolve": "resolved",
    "reopen": "open",
}
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "answer": frozenset({"open"}),
    "transfer": frozenset({"open"}),
    "resolve": frozenset({"open", "answered"}),
    "reopen": frozenset({"answered", "resolved"}),
}
NEXT_LEVEL = {"village": "township", "township": "county"}


@dataclass(frozen=True)
class IssueView:
    issue: IssueRecord
    entries: tuple[EntryRecord, ...]


@dataclass(frozen=True)
class Derived:
    level: str
    status: str
    department: str | None


def derive(entries: Iterable[EntryRecord]) -> Derived:
    """An issue's level, status and department, from its entries alone."""
    level, status, department = "village", "open", None
    for entry in entries:
        status = AFTER[entry.type]
        level = entry.level
        if entry.type == "transfer" and entry.level == "county":
            department = entry.department
    return Derived(level, status, department)


def actions_for(principal: Principal, issue: IssueRecord) -> list[str]:
    """What the caller may do to the issue now (empty for read-only callers)."""
    if not holds_issue(principal, issue):
        return []
    return [
        action
        for action in ACTIONS
        if issue.status in ALLOWED_FROM[action]
        and not (action == "transfer" and issue.level not in NEXT_LEVEL)
    ]


def check_allowed(issue: IssueRecord, action: str) -> None:
    """Raise ``InvalidState`` unless ``action`` may follow the issue's status and level."""
    if issue.status not in ALLOWED_FROM[action]:
        raise InvalidState(
            f"该问题{STATUSES[issue.status]}，不能{ENTRY_TYPES[action]}",
            issue_id=issue.id,
            status=issue.status,
        )
    if action == "transfer" and issue.level not in NEXT_LEVEL:
        raise InvalidState("该问题已在县级部门办理，不能再转办", issue_id=issue.id)


def advance(
    issue: IssueRecord,
    entries: Sequence[EntryRecord],
    action: str,
    actor: str,
    at: datetime,
    note: str,
    department: str | None,
) -> tuple[EntryRecord, IssueRecord]:
    """The entry ``action`` appends to the issue, and the issue as the entry leaves it."""
    level = NEXT_LEVEL[issue.level] if action == "transfer" else issue.level
    entry = EntryRecord(
        issue_id=issue.id,
        seq=issue.last_seq + 1,
        type=action,
        level=level,
        actor=actor,
        at=at,
        note=note.strip(),
        department=department if level == "county" and action == "transfer" else None,
    )
    derived = derive([*entries, entry])
    updated = replace(
        issue,
        level=derived.level,
        status=derived.status,
        department=derived.department,
        updated_at=at,
        last_seq=entry.seq,
    )
    return entry, updated
