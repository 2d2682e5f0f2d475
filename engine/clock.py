"""Injectable clocks: all engine time comes from a Clock, never from the wall directly.

The engine's own clock is a ``DatabaseClock``: its base clock (the system clock, or a
test's ``ManualClock``) on a production database; on a database flagged for training or
demos (``engine.training``), the base clock plus the offset that database stores, so a
trainer can move time forward (``daiban clock advance 8d``) and every worker and command
on that database sees the same time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from engine.errors import DataValidationError, Unavailable
from engine.records.settings import TrainingSetting

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests and replay move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass(frozen=True)
class Reading:
    """One reading of a clock: the instant, and how many seconds a training clock was
    ahead of its base clock then (None: not a training clock). Events record both."""

    at: datetime
    offset: int | None = None


# How long a DatabaseClock trusts the flag it read. A read of its own costs about a
# millisecond on SQLite (a transaction; measured in docs/training.md), a cached reading
# microseconds: a process pays for at most one read a second, and an advance shows in
# every worker and command within that second.
OFFSET_TTL = 1.0


class DatabaseClock:
    """The engine's clock: ``base`` plus the offset of the database's training flag.

    ``load`` reads the flag (None: a production database, whose time is ``base``'s). It
    is read again once ``ttl`` seconds (monotonic) have passed, so every worker and command
    on the database sees an advance within ``ttl``; ``remember`` takes a flag this
    process just wrote at once. While the database cannot be read, the flag read last
    stays in use (the operation itself then fails on its own query, or not at all)."""

    def __init__(
        self,
        base: Clock,
        load: Callable[[], TrainingSetting | None],
        ttl: float = OFFSET_TTL,
    ) -> None:
        self.base = base
        self.ttl = ttl
        self._load = load
        self._lock = threading.Lock()
        self._setting: TrainingSetting | None = None
        self._read_at: float | None = None  # time.monotonic() of the last read

    def now(self) -> datetime:
        return self.reading().at

    def reading(self) -> Reading:
        """The instant and the offset it includes, from one read of the flag."""
        return self.reading_with(self.setting())

    def reading_with(self, setting: TrainingSetting | None) -> Reading:
        """The instant by the base clock plus the offset of ``setting`` (None: none)."""
        at = self.base.now()
        if setting is None:
            return Reading(at)
        return Reading(at + timedelta(seconds=setting.offset_seconds), setting.offset_seconds)

    def setting(self) -> TrainingSetting | None:
        """The database's training flag as last read (read again once ``ttl`` has passed)."""
        with self._lock:
            read_at, setting = self._read_at, self._setting
        if read_at is not None and time.monotonic() - read_at < self.ttl:
            return setting
        try:
            setting = self._load()
        except Unavailable:
            if read_at is None:
                raise  # nothing read yet: nothing to fall back on, nor to cache
            with self._lock:
                self._read_at = time.monotonic()  # the database is retried after ``ttl``
            return setting  # the last flag read
        self.remember(setting)
        return setting

    def remember(self, setting: TrainingSetting | None) -> None:
        """Use ``setting`` from now on (a flag or an advance this process just wrote)."""
        with self._lock:
            self._setting, self._read_at = setting, time.monotonic()

    def forget(self) -> None:
        """Read the flag again at the next reading."""
        with self._lock:
            self._read_at = None


def read_clock(clock: Clock, load: Callable[[], TrainingSetting | None] | None = None) -> Reading:
    """One reading of ``clock``, with the training offset if it is a ``DatabaseClock``.

    ``load`` reads the flag in the caller's own transaction (``uow.settings.training``):
    on a training database a change reads its time there, so the time and the offset it
    records come from the state it is written on, ordered with every advance. On a
    production database (no flag, as read at most ``ttl`` ago) nothing more is read: a
    database with cases of its own can never be flagged, so the request path of a
    production server pays nothing but the cached read."""
    if not isinstance(clock, DatabaseClock):
        return Reading(clock.now())
    setting = clock.setting()
    if load is not None and setting is not None:
        setting = load()
        clock.remember(setting)
    return clock.reading_with(setting)


# ``daiban clock advance`` and ``POST /admin/clock/advance``: a whole number and a unit.
DURATION_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
DURATION_FORMAT = "正整数加单位 h（小时）、d（天）或 w（周），例如 12h、8d、2w"
MAX_ADVANCE = timedelta(days=366)
_DURATION = re.compile(r"(0|[1-9][0-9]{0,5})([hdw])")
# What parse_duration accepts, as one regular expression (published in the API document,
# so a client can check an advance before sending it): 1 to 8784 h, 366 d or 52 w.
DURATION_PATTERN = (
    "^(?:(?:[1-9][0-9]{0,2}|[1-7][0-9]{3}|8[0-6][0-9]{2}|87[0-7][0-9]|878[0-4])h"
    "|(?:[1-9][0-9]?|[12][0-9]{2}|3[0-5][0-9]|36[0-6])d"
    "|(?:[1-9]|[1-4][0-9]|5[0-2])w)$"
)


def parse_duration(text: str, field: str = "by") -> timedelta:
    """``12h``, ``8d``, ``2w``: a positive span of at most ``MAX_ADVANCE`` (time only
    moves forward), exactly what ``DURATION_PATTERN`` matches. Anything else:
    ``DataValidationError`` naming ``field``."""
    found = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        reason = f"时长格式有误：应为{DURATION_FORMAT}"
    else:
        span = int(found.group(1)) * DURATION_UNITS[found.group(2)]
        if not timedelta(0) < span <= MAX_ADVANCE:
            reason = f"时长应大于 0、不超过 {MAX_ADVANCE.days} 天（时钟只能前移）"
        else:
            return span
    raise DataValidationError("时长有误", {field: reason})


def describe_offset(seconds: int) -> str:
    """An offset in Chinese: ``8 天 12 小时``, ``0``."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    parts = [
        f"{value} {unit}"
        for value, unit in ((days, "天"), (hours, "小时"), (minutes, "分"), (rest, "秒"))
        if value
    ]
    return " ".join(parts) or "0"


def ensure_utc(instant: datetime) -> datetime:
    """Aware UTC datetime; naive values are read as Asia/Shanghai local time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=SHANGHAI)
    return instant.astimezone(UTC)


_current: ContextVar[Clock | None] = ContextVar("daiban_clock", default=None)
_SYSTEM = SystemClock()


def current_clock() -> Clock:
    """The clock of the running engine operation (system clock outside one)."""
    return _current.get() or _SYSTEM


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the current clock for this context (thread/task local)."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


__all__ = [
    "SHANGHAI",
    "Clock",
    "DatabaseClock",
    "ManualClock",
    "Reading",
    "SystemClock",
    "current_clock",
    "describe_offset",
    "ensure_utc",
    "parse_duration",
    "read_clock",
    "using_clock",
]
