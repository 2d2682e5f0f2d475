"""Write tests/data/calendar_cn_2004_2026.json: the working days of 2004-2026 as
``chinesecalendar`` 1.11 gave them, the calendar daiban used before the ``holidays`` package.

tests/unit/test_calendar.py compares the engine's calendar with this file day by day. The
file was written once, on 2026-12-04, with chinesecalendar 1.11.0; chinesecalendar is no
longer a dependency, so to write it again install it first
(``pip install 'chinesecalendar==1.11.0'``) and run ``python tools/calendar_snapshot.py``.

Per year: ``days_off`` are the weekdays (Monday-Friday) that are not working days
(holidays and make-up days off), ``working_weekends`` the Saturdays and Sundays that are
working days (调休上班). Every other day is a working day if and only if it is a weekday,
so the two lists give every day of the year.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import version
from pathlib import Path

import chinese_calendar

FIRST, LAST = 2004, 2026
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "calendar_cn_2004_2026.json"


def snapshot() -> dict[str, object]:
    years: dict[str, dict[str, list[str]]] = {}
    day = dt.date(FIRST, 1, 1)
    while day.year <= LAST:
        year = years.setdefault(str(day.year), {"days_off": [], "working_weekends": []})
        weekend = day.weekday() >= 5
        working = chinese_calendar.is_workday(day)
        if weekend and working:
            year["working_weekends"].append(day.isoformat())
        elif not weekend and not working:
            year["days_off"].append(day.isoformat())
        day += dt.timedelta(days=1)
    return {"source": f"chinesecalendar {version('chinesecalendar')}", "years": years}


def main() -> None:
    text = json.dumps(snapshot(), ensure_ascii=False, indent=1)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
