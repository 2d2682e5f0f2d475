"""Training and demo databases (培训/演示库): the flag a database carries about itself, and
moving its clock forward.

A database is flagged in the database itself (``database_settings``), never by a server
setting, so no configuration on another server can turn a production database into a
training one; and only a database without real work can be flagged: none of its cases
was started without a training clock, and its issue ledger is empty. On a flagged
database the engine's clock (``engine.clock.DatabaseClock``) is the system clock plus the
stored offset; an advance only adds to it (time only moves forward), and every event
records the offset it was written with (hashed: ``engine.history``), so an auditor sees
training time for what it is and ``at - clock_offset`` is the wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.clock import Clock, DatabaseClock, describe_offset
from engine.errors import (
    DatabaseInUse,
    DataValidationError,
    InvalidState,
    NotTrainingDatabase,
)
from engine.logs import get_logger
from engine.records import TrainingSetting
from engine.records.settings import MODES
from engine.store import Store

log = get_logger(__name__)

MAX_OFFSET = timedelta(days=3650)  # ten years in all: beyond that a training is no training
NOT_TRAINING = "本数据库不是培训或演示数据库，时钟不能调整（生产数据库始终使用系统时钟）"


@dataclass(frozen=True)
class ClockStatus:
    """What ``daiban clock show`` and ``GET /admin/clock`` tell."""

    setting: TrainingSetting | None  # None: a production database
    now: datetime  # the engine's time (system clock plus the offset)
    wall: datetime  # the system clock

    @property
    def offset_seconds(self) -> int:
        return self.setting.offset_seconds if self.setting is not None else 0


class TrainingService:
    """Flag a database for training or demos, show and advance its clock."""

    def __init__(self, store: Store, clock: DatabaseClock, wall: Clock) -> None:
        self.store = store
        self.clock = clock
        self.wall = wall  # the system clock: when a flag or an advance was made

    def status(self) -> ClockStatus:
        """The flag and the clock, read now (not the engine's cached copy)."""
        with self.store.unit_of_work(write=False) as uow:
            setting = uow.settings.training()
        self.clock.remember(setting)
        return ClockStatus(setting, self.clock.reading_with(setting).at, self.wall.now())

    def flag(self, mode: str, actor: str) -> tuple[TrainingSetting, bool]:
        """Flag the database for ``mode`` (``training`` or ``demo``); whether it was flagged
        now (False: it already was, and keeps its flag and offset).

        Refused (``DatabaseInUse``) when a case was started without a training clock or
        the issue ledger holds anything: that is a production database."""
        if mode not in MODES:
            raise DataValidationError("模式有误", {"mode": "应为 training（培训）或 demo（演示）"})
        with self.store.unit_of_work(operation="flag_database") as uow:
            existing = uow.settings.training()
            if existing is not None:
                self.clock.remember(existing)
                return existing, False
            if uow.settings.has_untrained_cases():
                raise DatabaseInUse(
                    "本数据库已有非培训模式下登记的办件，不能标记为培训或演示数据库；"
                    "请使用新的空数据库",
                )
            if uow.settings.has_ledger_issues():
                raise DatabaseInUse(
                    "本数据库的问题台账已有记录，不能标记为培训或演示数据库；请使用新的空数据库"
                )
            setting = uow.settings.flag(mode, self.wall.now(), actor)
            uow.commit()
        self.clock.remember(setting)
        log.info("database_flagged", mode=mode, user=actor)
        return setting, True

    def advance(self, span: timedelta, actor: str) -> TrainingSetting:
        """Move the clock ``span`` forward (whole seconds, more than 0). Refused
        (``NotTrainingDatabase``) on a database not flagged for training or demos."""
        seconds = int(span.total_seconds())
        if seconds <= 0:
            raise DataValidationError("时长有误", {"by": "时钟只能前移：时长应大于 0"})
        with self.store.unit_of_work(operation="advance_clock") as uow:
            current = uow.settings.training()
            if current is None:
                raise NotTrainingDatabase(NOT_TRAINING)
            if current.offset_seconds + seconds > MAX_OFFSET.total_seconds():
                raise InvalidState(
                    f"培训时钟累计前移不能超过 {MAX_OFFSET.days} 天"
                    f"（已前移 {describe_offset(current.offset_seconds)}）；请换用新的培训数据库"
                )
            setting = uow.settings.advance(seconds, self.wall.now(), actor)
            assert setting is not None  # flagged, read in this transaction
            uow.commit()
        self.clock.remember(setting)
        log.info("clock_advanced", user=actor, by_seconds=seconds, offset=setting.offset_seconds)
        return setting
