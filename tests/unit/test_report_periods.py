"""The periods of the reports (engine/reports/periods.py): a month, a quarter or a year,
its Beijing dates and the period before it."""

from __future__ import annotations

from datetime import date

import pytest

from engine.reports import PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "first", "last", "previous", "title"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026-10", "2026年11月"),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31), "2025-12", "2026年1月"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "2028-01", "2028年2月"),  # leap
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q3", "2026年第4季度"),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4", "2026年第1季度"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2025", "2026年"),
    ],
)
def test_periods(text: str, first: date, last: date, previous: str, title: str) -> None:
    found = parse_period(text)
    assert (found.period.first, found.period.last) == (first, last)
    assert found.previous.code == previous
    assert found.title == title


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26-11", "1999", "2026/11", ""])
def test_what_is_not_a_period(text: str) -> None:
    with pytest.raises(PeriodError, match="统计期应为"):
        parse_period(text)
