"""Absences registered in the database (离岗登记): a user away from work on some days,
whose tasks reach the deputy (the A post's B post, an agent's stand-in) meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Where an absence comes from: the organisation file (edited there) or the register kept in
# the database (``POST /absences``), with their Chinese names.
ORG_FILE, REGISTER = "org_file", "register"
ABSENCE_SOURCES = {ORG_FILE: "组织机构文件", REGISTER: "离岗登记"}
# Where an absence stands on a day: away now, not begun yet, over (by its last day or a
# return), or withdrawn (returned before it began: it never covered a day).
CURRENT, UPCOMING, ENDED, WITHDRAWN = "current", "upcoming", "ended", "withdrawn"
ABSENCE_STATUSES = {
    CURRENT: "离岗中",
    UPCOMING: "未开始",
    ENDED: "已结束",
    WITHDRAWN: "已撤销",
}


@dataclass(frozen=True)
class AbsenceRecord:
    """One absence of the register, both days inclusive. ``returned_on`` (返岗) is the
    day the user is back at work, set when the absence is ended early: from that day on
    it no longer covers anything (a return on or before ``first_day`` withdraws it)."""

    id: int
    user_id: str
    first_day: date
    last_day: date
    reason: str
    recorded_by: str
    recorded_at: datetime
    returned_on: date | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None

    @property
    def effective_last_day(self) -> date:
        """The last day the absence covers (before ``first_day``: withdrawn)."""
        if self.returned_on is None:
            return self.last_day
        return min(self.last_day, self.returned_on - timedelta(days=1))

    @property
    def withdrawn(self) -> bool:
        return self.effective_last_day < self.first_day


def absence_status(first_day: date, last_day: date, today: date) -> str:
    """Where an absence covering ``first_day``–``last_day`` (effective) stands ``today``."""
    if last_day < first_day:
        return WITHDRAWN
    if last_day < today:
        return ENDED
    return UPCOMING if first_day > today else CURRENT
