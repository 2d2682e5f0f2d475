"""Scheduled pickup and delivery runs (定期取件/定期送件, ``engine.runs``): one row per
mobile agent and day; the open tasks a run gathers are read from the task index."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, update

from engine.errors import NotFound
from engine.records import RunCase, RunRecord
from engine.store.rows import CASES, MAX_ID, Repository, dialect_of, insert_of
from engine.store.tables import PickupRunRow, ReadyTaskRow

_RUNS = cast(Table, PickupRunRow.__table__)
_TASKS = cast(Table, ReadyTaskRow.__table__)


def run_not_found(run_id: int) -> NotFound:
    return NotFound(f"没有编号为 {run_id} 的定期取送件批次", run_id=run_id)


def _record(row: Any) -> RunRecord:
    cases = tuple(RunCase(**c) for c in json.loads(row["cases"]))
    return RunRecord(**{**row, "cases": cases})


class RunRepository(Repository):
    def add(self, run: RunRecord) -> int | None:
        """Insert the run; None when the agent already has one that day (the unique key
        per agent and day: a second worker, or a second round, adds nothing)."""
        values = {k: v for k, v in vars(run).items() if k not in ("id", "cases")}
        values["cases"] = json.dumps([vars(c) for c in run.cases], ensure_ascii=False)
        statement = (
            insert_of(dialect_of(self.session), _RUNS)
            .values(values)
            .on_conflict_do_nothing(index_elements=["agent", "day"])
            .returning(_RUNS.c.id)
        )
        found = self.session.connection().execute(statement).scalar_one_or_none()
        return None if found is None else int(found)

    def get(self, run_id: int) -> RunRecord:
        if not 0 < run_id <= MAX_ID:
            raise run_not_found(run_id)
        row = (
            self.session.connection()
            .execute(select(_RUNS).where(_RUNS.c.id == run_id))
            .mappings()
            .first()
        )
        if row is None:
            raise run_not_found(run_id)
        return _record(row)

    def find(
        self, townships: Collection[str] | None, offset: int, limit: int
    ) -> tuple[list[RunRecord], int]:
        """Runs of ``townships`` (None: all), newest day first, and how many there are."""
        c = _RUNS.c
        where = [] if townships is None else [c.township.in_(sorted(townships))]
        connection = self.session.connection()
        total = connection.execute(select(func.count()).select_from(_RUNS).where(*where))
        query = select(_RUNS).where(*where).order_by(c.day.desc(), c.agent, c.id)
        rows = connection.execute(query.offset(min(offset, MAX_ID)).limit(limit)).mappings()
        return [_record(row) for row in rows], int(total.scalar_one())

    def complete(self, run_id: int, at: datetime, by: str) -> bool:
        """Mark an open run completed; False: it was completed already."""
        c = _RUNS.c
        result: Any = self.session.connection().execute(
            update(_RUNS)
            .where(c.id == run_id, c.status == "open")
            .values(status="completed", completed_at=at, completed_by=by)
        )
        return bool(result.rowcount == 1)

    def waiting(
        self, lane: str, township: str, tasks: Sequence[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        """The open tasks of ``tasks`` ((process id, element id)) in ``lane`` of
        ``township``, of open cases: task and case id, element, village, case number."""
        t = _TASKS.c
        query = (
            select(
                t.id.label("task_id"),
                t.case_id,
                t.process_id,
                t.spec_id,
                CASES.c.village,
                CASES.c.case_number,
            )
            .join(CASES, CASES.c.id == t.case_id)
            .where(
                t.closed_seq.is_(None),
                t.lane == lane,
                t.org_unit == township,
                CASES.c.status == "open",
                or_(*(and_(t.process_id == p, t.spec_id == s) for p, s in tasks)),
            )
            .order_by(t.case_id, t.id)
        )
        return [dict(row) for row in self.session.connection().execute(query).mappings()]
