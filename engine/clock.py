"""Injectable clocks: all engine time comes from a Clock, never from the wall directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

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
    "ManualClock",
    "SystemClock",
    "current_clock",
    "ensure_utc",
    "using_clock",
]
