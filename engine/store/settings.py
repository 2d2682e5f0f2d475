"""The database's own settings: its flag for training or demos and its clock's offset
(one row, ``database_settings``; none on a production database)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update

from engine.records import TrainingSetting
from engine.store.rows import Repository
from engine.store.tables import DatabaseSettingRow, EventRow, LedgerIssueRow

_SETTINGS = cast(Table, DatabaseSettingRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
_ISSUES = cast(Table, LedgerIssueRow.__table__)
_ROW = 1  # the one row
_READ = select(_SETTINGS).where(_SETTINGS.c.id == _ROW)


class SettingsRepository(Repository):
    def training(self) -> TrainingSetting | None:
        """The training or demo flag and the clock's offset; None: a production database."""
        row = self.session.connection().execute(_READ).first()
        if row is None:
            return None
        return TrainingSetting(
            mode=row.mode,
            offset_seconds=int(row.clock_offset),
            flagged_at=row.flagged_at,
            flagged_by=row.flagged_by,
            advanced_at=row.advanced_at,
            advanced_by=row.advanced_by,
        )

    def flag(self, mode: str, at: datetime, by: str) -> TrainingSetting:
        """Flag the database (not flagged yet) for ``mode``, its clock at offset 0."""
        self.session.connection().execute(
            insert(_SETTINGS).values(
                id=_ROW, mode=mode, clock_offset=0, flagged_at=at, flagged_by=by
            )
        )
        return TrainingSetting(mode, 0, at, by)

    def advance(self, seconds: int, at: datetime, by: str) -> TrainingSetting | None:
        """Move the clock ``seconds`` forward, in one statement (two advances at the same
        moment add up); None: the database is not flagged."""
        c = _SETTINGS.c
        self.session.connection().execute(
            update(_SETTINGS)
            .where(c.id == _ROW)
            .values(clock_offset=c.clock_offset + seconds, advanced_at=at, advanced_by=by)
        )
        return self.training()

    def has_untrained_cases(self) -> bool:
        """Whether a case was started without a training clock: its first event has no
        recorded offset (every event on a flagged database has one)."""
        e = _EVENTS.c
        query = select(e.id).where(e.seq == 1, e.clock_offset.is_(None)).limit(1)
        return self.session.connection().execute(query).first() is not None

    def has_ledger_issues(self) -> bool:
        """Whether the issue ledger holds anything (its entries record no clock)."""
        query = select(_ISSUES.c.id).limit(1)
        return self.session.connection().execute(query).first() is not None
