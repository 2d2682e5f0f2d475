"""The issue ledger's rows: issues, their append-only entries, the daily counter behind
issue numbers, and the per-unit figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, insert, or_, select, true, update

from engine.errors import ConflictError, NotFound
from engine.records import EntryRecord, IssueRecord, LedgerQuery, LedgerScope, UnitFigures
from engine.store.rows import MAX_ID, Repository, next_number
from engine.store.tables import LedgerCounterRow, LedgerEntryRow, LedgerIssueRow

_ISSUES = cast(Table, LedgerIssueRow.__table__)
_ENTRIES = cast(Table, LedgerEntryRow.__table__)
_COUNTERS = cast(Table, LedgerCounterRow.__table__)


def issue_not_found(issue_id: int) -> NotFound:
    """The same answer for an issue that does not exist and one outside the caller's scope."""
    return NotFound(f"台账中没有 id 为 {issue_id} 的问题", issue_id=issue_id)


class LedgerRepository(Repository):
    def next_sequence(self, village: str, day: str) -> int:
        """The next issue number of the day for a village, counted in this transaction."""
        return next_number(self.session, _COUNTERS, village=village, day=day)

    def insert(self, record: IssueRecord) -> int:
        values = {k: v for k, v in vars(record).items() if k != "id"}
        result = self.session.connection().execute(
            insert(_ISSUES).values(values).returning(_ISSUES.c.id)
        )
        return int(result.scalar_one())

    def append_entry(self, entry: EntryRecord) -> None:
        self.session.connection().execute(insert(_ENTRIES).values(vars(entry)))

    def advance(self, record: IssueRecord, expected_seq: int) -> None:
        """Store the issue's derived state after an entry; another writer in between (the
        issue no longer at ``expected_seq``) is a conflict."""
        result = self.session.connection().execute(
            update(_ISSUES)
            .where(_ISSUES.c.id == record.id, _ISSUES.c.last_seq == expected_seq)
            .values(
                level=record.level,
                status=record.status,
                department=record.department,
                updated_at=record.updated_at,
                last_seq=record.last_seq,
            )
        )
        if result.rowcount != 1:
            raise ConflictError("该问题已被他人处理，请刷新后重试", issue_id=record.id)

    def get(self, issue_id: int) -> IssueRecord:
        row = None
        if 0 < issue_id <= MAX_ID:
            row = (
                self.session.connection()
                .execute(select(_ISSUES).where(_ISSUES.c.id == issue_id))
                .mappings()
                .first()
            )
        if row is None:
            raise issue_not_found(issue_id)
        return IssueRecord(**row)

    def by_key(self, key: str) -> IssueRecord | None:
        row = (
            self.session.connection()
            .execute(select(_ISSUES).where(_ISSUES.c.idempotency_key == key))
            .mappings()
            .first()
        )
        return IssueRecord(**row) if row else None

    def entries(self, issue_id: int) -> list[EntryRecord]:
        rows = self.session.connection().execute(
            select(
                _ENTRIES.c.issue_id,
                _ENTRIES.c.seq,
                _ENTRIES.c.type,
                _ENTRIES.c.level,
                _ENTRIES.c.actor,
                _ENTRIES.c.at,
                _ENTRIES.c.note,
                _ENTRIES.c.department,
            )
            .where(_ENTRIES.c.issue_id == issue_id)
            .order_by(_ENTRIES.c.seq)
        )
        return [EntryRecord(**row) for row in rows.mappings()]

    def find(
        self, scope: LedgerScope, query: LedgerQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[IssueRecord], int]:
        """Issues inside ``scope`` matching ``query``, newest first, and how many there are."""
        if scope.empty:
            return [], 0
        conditions: list[Any] = []
        if not scope.everything:
            conditions.append(
                or_(
                    _ISSUES.c.village.in_(sorted(scope.villages)),
                    _ISSUES.c.township.in_(sorted(scope.townships)),
                    _ISSUES.c.department.in_(sorted(scope.departments)),
                )
            )
        if query.status is not None:
            conditions.append(_ISSUES.c.status == query.status)
        if query.village is not None:
            conditions.append(_ISSUES.c.village == query.village)
        if query.township is not None:
            conditions.append(_ISSUES.c.township == query.township)
        if query.recorded_from is not None:
            conditions.append(_ISSUES.c.recorded_at >= query.recorded_from)
        if query.recorded_to is not None:
            conditions.append(_ISSUES.c.recorded_at < query.recorded_to)
        where = and_(true(), *conditions)
        connection = self.session.connection()
        total = int(
            connection.execute(select(func.count()).select_from(_ISSUES).where(where)).scalar_one()
        )
        rows = connection.execute(
            select(_ISSUES)
            .where(where)
            .order_by(_ISSUES.c.recorded_at.desc(), _ISSUES.c.id.desc())
            .offset(min(offset, MAX_ID))  # a page beyond BIGINT is empty, not a DB error
            .limit(limit)
        )
        return [IssueRecord(**row) for row in rows.mappings()], total

    def figures(
        self,
        recorded_from: datetime,
        recorded_to: datetime,
        group_by: str,
        units: frozenset[str] | None = None,
    ) -> dict[str, UnitFigures]:
        """Per unit (``group_by``: "township" or "village"; anything else: one total keyed
        ""), the issues recorded in [``recorded_from``, ``recorded_to``) and what their
        entries before ``recorded_to`` made of them. ``units`` keeps only the issues of those
        villages or townships. Units without issues are left out."""
        before_end = _ENTRIES.c.at < recorded_to

        def ever(*conditions: Any) -> Any:
            return func.max(case((and_(before_end, *conditions), 1), else_=0))

        per_issue = (
            select(
                _ENTRIES.c.issue_id.label("issue_id"),
                func.max(case((before_end, _ENTRIES.c.seq), else_=0)).label("last_seq"),
                ever(_ENTRIES.c.type == "transfer", _ENTRIES.c.level == "township").label(
                    "to_township"
                ),
                ever(_ENTRIES.c.type == "transfer", _ENTRIES.c.level == "county").label(
                    "to_county"
                ),
                ever(
                    _ENTRIES.c.type.in_(("answer", "resolve")), _ENTRIES.c.level == "village"
                ).label("at_village"),
            )
            .join(_ISSUES, _ISSUES.c.id == _ENTRIES.c.issue_id)
            .where(_ISSUES.c.recorded_at >= recorded_from, _ISSUES.c.recorded_at < recorded_to)
            .group_by(_ENTRIES.c.issue_id)
            .subquery()
        )
        last = _ENTRIES.alias("last_entry")
        columns = (
            func.count().label("recorded"),
            func.sum(case((per_issue.c.to_township == 0, per_issue.c.at_village), else_=0)),
            func.sum(per_issue.c.to_township),
            func.sum(per_issue.c.to_county),
            func.sum(case((last.c.type == "resolve", 1), else_=0)),
        )
        unit = {"township": _ISSUES.c.township, "village": _ISSUES.c.village}.get(group_by)
        statement = (
            select(*((unit,) if unit is not None else ()), *columns)
            .select_from(per_issue)
            .join(_ISSUES, _ISSUES.c.id == per_issue.c.issue_id)
            .join(
                last,
                and_(last.c.issue_id == per_issue.c.issue_id, last.c.seq == per_issue.c.last_seq),
            )
        )
        if unit is not None:
            statement = statement.group_by(unit)
        if units is not None:
            statement = statement.where(
                or_(_ISSUES.c.village.in_(sorted(units)), _ISSUES.c.township.in_(sorted(units)))
            )
        found: dict[str, UnitFigures] = {}
        for row in self.session.connection().execute(statement):
            key, numbers = (str(row[0]), row[1:]) if unit is not None else ("", row)
            if numbers[0]:
                found[key] = UnitFigures(*(int(value or 0) for value in numbers))
        return found
