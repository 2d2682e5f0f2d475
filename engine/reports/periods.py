"""A report's period: a month (``2026-11``), a quarter (``2026-Q4``) or a year
(``2026``), and the period before it of the same length."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from engine.stats import Period

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
PERIOD_ERROR = "统计期应为月份（2026-11）、季度（2026-Q4）或年份（2026），年份在 2000–2099"


class PeriodError(ValueError):
    """Not a month, quarter or year the reports know."""


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar month, quarter or year (``kind``) and its Beijing dates."""

    kind: str  # month | quarter | year
    year: int
    number: int  # the month (1-12), the quarter (1-4), or 1 for a year

    @property
    def period(self) -> Period:
        first_month, months = {
            "month": (self.number, 1),
            "quarter": (3 * self.number - 2, 3),
            "year": (1, 12),
        }[self.kind]
        first = date(self.year, first_month, 1)
        after = _add_months(first, months)
        return Period(first, after - timedelta(days=1))

    @property
    def previous(self) -> ReportPeriod:
        if self.number > 1:
            return ReportPeriod(self.kind, self.year, self.number - 1)
        last = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        return ReportPeriod(self.kind, self.year - 1, last)

    @property
    def code(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def title(self) -> str:
        """Its Chinese name: 2026年11月, 2026年第4季度, 2026年."""
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年"


def parse_period(text: str) -> ReportPeriod:
    """``2026-11``, ``2026-Q4`` or ``2026`` (years 2000–2099, as every date the API takes)."""
    text = text.strip()
    for kind, pattern in (("month", _MONTH), ("quarter", _QUARTER), ("year", _YEAR)):
        found = pattern.match(text)
        if found is None:
            continue
        year = int(found.group(1))
        number = int(found.group(2)) if kind != "year" else 1
        if not 2000 <= year <= 2099 or not 1 <= number <= 12:
            break
        return ReportPeriod(kind, year, number)
    raise PeriodError(PERIOD_ERROR)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
