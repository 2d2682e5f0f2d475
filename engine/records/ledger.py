"""Issue ledger records (问题台账): issues, their entries, who sees them, per-unit figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class IssueRecord:
    """A ledger issue as stored; ``level``, ``status`` and ``department`` follow its entries."""

    id: int
    number: str
    village: str
    township: str
    department: str | None
    level: str
    status: str
    resident_name: str
    resident_phone: str | None
    category: str
    content: str
    source: str
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime
    last_seq: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class EntryRecord:
    """One step of an issue's life: never changed once written."""

    issue_id: int
    seq: int
    type: str
    level: str  # where the issue is after this entry
    actor: str
    at: datetime
    note: str
    department: str | None = None


@dataclass(frozen=True)
class LedgerScope:
    """The issues a caller sees: of these villages, townships or county departments, or all."""

    everything: bool = False
    villages: frozenset[str] = frozenset()
    townships: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.villages or self.townships or self.departments)


@dataclass(frozen=True)
class LedgerQuery:
    """Narrows the issues of a scope (all optional, combined with AND). Not a
    ``CaseFilter``: its status values and its date are the issue's, not a case's."""

    status: str | None = None
    village: str | None = None
    township: str | None = None
    recorded_from: datetime | None = None  # inclusive
    recorded_to: datetime | None = None  # exclusive


@dataclass
class UnitFigures:
    """Raw per-unit numbers of the issues recorded in a period (see ``LedgerService.counts``)."""

    recorded: int = 0
    answered_at_village: int = 0
    transferred_to_township: int = 0
    transferred_to_county: int = 0
    resolved: int = 0
