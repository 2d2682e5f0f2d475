"""What the process-mining exports read of a case besides its events and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ExportCase:
    """A case row without its snapshot."""

    id: int
    uid: str
    case_number: str | None
    process_id: str
    item_code: str | None
    org_unit: str | None  # the township
    village: str | None
    department: str | None
    registered_unit: str | None
    status: str
    due_date: date | None
    created_at: datetime
    closed_at: datetime | None
    last_seq: int
