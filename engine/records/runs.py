"""Scheduled pickup and delivery runs (定期取件/定期送件, ``engine.runs``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

RUN_STATUSES = {"open": "待出发", "completed": "已完成"}
RUN_KINDS = {"pickup": "定期取件", "delivery": "定期送件"}


@dataclass(frozen=True)
class RunCase:
    """A case a run gathered: the task the mobile agent works for it on the round (the
    handover of materials picked up, or the delivery of the result)."""

    case_id: int
    task_id: str
    kind: str  # RUN_KINDS
    village: str
    case_number: str | None = None


@dataclass(frozen=True)
class RunRecord:
    """A mobile post's round on one day (one per agent and day)."""

    id: int
    agent: str
    township: str
    day: date
    status: str
    cases: tuple[RunCase, ...]
    created_at: datetime
    completed_at: datetime | None = None
    completed_by: str | None = None
