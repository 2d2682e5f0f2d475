"""Working-day calendar: official data, overrides, provisional fallback, due dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import holidays
import pytest
from holidays.countries.china import ChinaStaticHolidays

from engine.calendar import (
    DEFAULT_HOLIDAY_FILE,
    FALLBACK_YEARS,
    PUBLISHED_YEARS,
    DueDate,
    HolidayFileError,
    WorkingCalendar,
    YearArrangement,
    fallback_arrangement,
    qingming,
    statutory_holidays,
    use_holiday_file,
)
from tests.support.paths import DATA, ROOT
from webapi.settings import Settings

D = dt.date
# The working days of 2004-2026 as chinesecalendar 1.11, the source before the holidays
# package, gave them (written by tools/calendar_snapshot.py).
PREVIOUS = DATA / "calendar_cn_2004_2026.json"
# Days on which the holidays package differs from that data, with what the package says
# (is it a working day?) and why it is right:
KNOWN_DIFFERENCES = {
    # The 2006 notice (国办发明电〔2005〕35号): “将12月31日（星期六）、1月1日（星期日）两个公休日
    # 调至1月2日（星期一）、3日（星期二），12月31日（星期六）上班”; chinesecalendar had it off.
    D(2005, 12, 31): True,
}


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- package data


def previous_workdays() -> dict[dt.date, bool]:
    """Every day of 2004-2026 -> whether it was a working day in the previous data."""
    data = json.loads(PREVIOUS.read_text(encoding="utf-8"))
    assert data["source"] == "chinesecalendar 1.11.0"
    result: dict[dt.date, bool] = {}
    for year, lists in data["years"].items():
        days_off = {D.fromisoformat(d) for d in lists["days_off"]}
        working_weekends = {D.fromisoformat(d) for d in lists["working_weekends"]}
        day = D(int(year), 1, 1)
        while day.year == int(year):
            weekend = day.weekday() >= 5
            result[day] = day in working_weekends if weekend else day not in days_off
            day += dt.timedelta(days=1)
    return result


def test_matches_previous_data_every_day_2004_2026(cal: WorkingCalendar) -> None:
    previous = previous_workdays()
    assert len(previous) == (D(2027, 1, 1) - D(2004, 1, 1)).days == 8401
    differing = {
        day: cal.is_workday(day) for day in previous if cal.is_workday(day) != previous[day]
    }
    assert differing == KNOWN_DIFFERENCES


def test_the_package_alone_gives_the_same_days() -> None:
    # The calendar's data are the package's, unchanged: its own working-day test agrees.
    cal = WorkingCalendar()
    china = holidays.country_holidays("CN", years=PUBLISHED_YEARS)
    day = D(PUBLISHED_YEARS[0], 1, 1)
    while day.year in PUBLISHED_YEARS:
        assert cal.is_workday(day) == china.is_working_day(day), day
        day += dt.timedelta(days=1)


def test_published_years() -> None:
    # The years of the State Council's notices the package carries: 2001-2026 in 0.109.
    # When a release adds the 2027 notice, 2027 is official and the examples of provisional
    # due dates below (2027) must move on a year.
    assert (PUBLISHED_YEARS.start, PUBLISHED_YEARS.stop) == (2001, 2027)
    notices = ChinaStaticHolidays.special_public_holidays
    assert all(year in notices for year in PUBLISHED_YEARS)


def test_no_gpl_calendar_library_is_imported() -> None:
    # lunardate (GPL-3.0-or-later) and chinesecalendar may still be installed, but the
    # calendar must not need them: with both made unimportable, the engine, the app and the
    # command line import and the calendar works.
    code = (
        "import sys, datetime\n"
        "sys.modules['chinese_calendar'] = None\n"
        "sys.modules['lunardate'] = None\n"
        "import engine, webapi, webapi.cli\n"
        "from engine.calendar import WorkingCalendar, fallback_arrangement\n"
        "cal = WorkingCalendar()\n"
        "assert not cal.is_workday(datetime.date(2026, 10, 1))\n"
        "assert cal.add_working_days(datetime.date(2027, 2, 3), 3).provisional\n"
        "assert datetime.date(2027, 2, 6) in fallback_arrangement(2027).holidays\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


def test_is_official() -> None:
    cal = WorkingCalendar()
    assert cal.is_official(2001)
    assert cal.is_official(2004)
    assert cal.is_official(2026)
    assert not cal.is_official(2027)
    assert not cal.is_official(2000)
    assert WorkingCalendar({2027: YearArrangement()}).is_official(2027)


def test_spring_festival_2026(cal: WorkingCalendar) -> None:
    # Official 2026 arrangement: Feb 15 (Sun) - Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 work.
    for day in range(15, 24):
        assert not cal.is_workday(D(2026, 2, day))
    assert cal.is_workday(D(2026, 2, 14))
    assert cal.is_workday(D(2026, 2, 28))
    assert not cal.is_workday(D(2026, 3, 1))  # ordinary Sunday
    # 5 working days after Thu 2026-02-12:
    #   Fri 02-13 (1), Sat 02-14 调休 (2), 02-15..02-23 off, Tue 02-24 (3), Wed 02-25 (4),
    #   Thu 02-26 (5).
    assert cal.add_working_days(D(2026, 2, 12), 5) == DueDate(D(2026, 2, 26), False)
    # ... Fri 02-27 (6), Sat 02-28 调休 (7).
    assert cal.add_working_days(D(2026, 2, 12), 7) == DueDate(D(2026, 2, 28), False)
    # 02-13, 02-14, 02-24, 02-25, 02-26 are the working days in (02-12, 02-26].
    assert cal.working_days_between(D(2026, 2, 12), D(2026, 2, 26)) == 5


def test_mid_autumn_and_national_day_2026(cal: WorkingCalendar) -> None:
    # Official 2026: 中秋 Sep 25-27 off, 国庆 Oct 1-7 off, Sun Sep 20 and Sat Oct 10 work.
    for day in (25, 26, 27):
        assert not cal.is_workday(D(2026, 9, day))
    for day in range(1, 8):
        assert not cal.is_workday(D(2026, 10, day))
    assert cal.is_workday(D(2026, 9, 20))
    assert cal.is_workday(D(2026, 10, 10))
    # 3 working days after Fri 09-18: Sat 19 off, Sun 20 调休 (1), Mon 21 (2), Tue 22 (3).
    assert cal.add_working_days(D(2026, 9, 18), 3) == DueDate(D(2026, 9, 22), False)
    # 1 working day after Thu 09-24: Fri 25 - Sun 27 中秋, Mon 28 (1).
    assert cal.add_working_days(D(2026, 9, 24), 1) == DueDate(D(2026, 9, 28), False)
    # 5 working days after Tue 09-29: Wed 30 (1), Oct 1-7 off, Thu 8 (2), Fri 9 (3),
    #   Sat 10 调休 (4), Sun 11 off, Mon 12 (5).
    assert cal.add_working_days(D(2026, 9, 29), 5) == DueDate(D(2026, 10, 12), False)


def test_crossing_into_fallback_year_is_provisional(cal: WorkingCalendar) -> None:
    # 20 working days after Tue 2026-12-15 (no holidays in late Dec 2026):
    #   Dec 16 17 18 (3), 21-25 (8), 28-31 (12);
    #   2027 fallback: Fri Jan 1 元旦 off, Jan 2-3 weekend; Jan 4-8 (17), Jan 11 12 13 (20).
    assert cal.add_working_days(D(2026, 12, 15), 20) == DueDate(D(2027, 1, 13), True)
    # 12 working days end on Thu 2026-12-31: no fallback day counted.
    assert cal.add_working_days(D(2026, 12, 15), 12) == DueDate(D(2026, 12, 31), False)
    # 13th: Jan 1 2027 is off (fallback), weekend, so Mon Jan 4 2027.
    assert cal.add_working_days(D(2026, 12, 15), 13) == DueDate(D(2027, 1, 4), True)
    assert cal.working_days_between(D(2026, 12, 15), D(2027, 1, 13)) == 20


def test_days_zero_and_negative(cal: WorkingCalendar) -> None:
    # A working day is its own due day; a holiday moves to the next working day.
    assert cal.add_working_days(D(2026, 9, 30), 0) == DueDate(D(2026, 9, 30), False)
    assert cal.add_working_days(D(2026, 10, 1), 0) == DueDate(D(2026, 10, 8), False)
    assert cal.add_working_days(D(2027, 1, 1), 0) == DueDate(D(2027, 1, 4), True)
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_calendar_days(D(2026, 1, 5), -1)


def test_datetime_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        cal.is_workday(dt.datetime(2026, 10, 1, 12, 0))


def test_add_calendar_days(cal: WorkingCalendar) -> None:
    # Mon 09-21 + 10 = Thu 10-01 (国庆) -> first day after the holiday, Thu 10-08.
    assert cal.add_calendar_days(D(2026, 9, 21), 10) == DueDate(D(2026, 10, 8), False)
    # Tue 12-01 + 30 = Thu 12-31, a working day.
    assert cal.add_calendar_days(D(2026, 12, 1), 30) == DueDate(D(2026, 12, 31), False)
    # Sat 02-07 + 7 = Sat 02-14, a 调休 working day: stays.
    assert cal.add_calendar_days(D(2026, 2, 7), 7) == DueDate(D(2026, 2, 14), False)
    # Tue 12-22 + 10 = Fri 2027-01-01 (fallback 元旦) -> Mon 2027-01-04, provisional.
    assert cal.add_calendar_days(D(2026, 12, 22), 10) == DueDate(D(2027, 1, 4), True)
    # Fri 12-25 + 10 = Mon 2027-01-04: a working day, but only according to the fallback.
    assert cal.add_calendar_days(D(2026, 12, 25), 10) == DueDate(D(2027, 1, 4), True)
    # 0 days: the day itself, or the next working day.
    assert cal.add_calendar_days(D(2026, 10, 3), 0) == DueDate(D(2026, 10, 8), False)


def test_working_days_between(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == 0
    # Mon 03-02 -> Mon 03-09: Tue-Fri + Mon = 5.
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 9)) == 5
    # (09-30, 10-07]: the whole 国庆 holiday, no working day.
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    # All of 2026: 365 days - 104 weekend days - 19 weekday holidays + 6 调休 = 248.
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248
    # Additive over a split point.
    a, b, c = D(2025, 11, 3), D(2026, 5, 17), D(2027, 3, 1)
    total = cal.working_days_between(a, b) + cal.working_days_between(b, c)
    assert cal.working_days_between(a, c) == total


def test_round_trip(cal: WorkingCalendar) -> None:
    start = D(2026, 1, 1)
    while start < D(2027, 1, 10):
        for days in (1, 2, 5, 20, 40):
            due = cal.add_working_days(start, days)
            assert cal.working_days_between(start, due.date) == days
            assert cal.is_workday(due.date)
            # The due day is the first day reaching the count.
            assert cal.working_days_between(start, due.date - dt.timedelta(days=1)) == days - 1
        start += dt.timedelta(days=3)


def test_per_year_cache(cal: WorkingCalendar, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = WorkingCalendar._build_index

    def counting(self: WorkingCalendar, year: int) -> object:
        built.append(year)
        return original(self, year)

    monkeypatch.setattr(WorkingCalendar, "_build_index", counting)
    for _ in range(100):
        cal.add_working_days(D(2026, 3, 2), 40)
    assert built == [2026]


# --------------------------------------------------------------------------- fallback


def test_fallback_2027_statutory_holidays() -> None:
    # Lunar New Year 2027 = Sat Feb 6; 除夕 Fri Feb 5; 端午 (lunar 5/5) Wed Jun 9;
    # 中秋 (lunar 8/15) Wed Sep 15; 清明 Mon Apr 5 (int(27*0.2422+4.81) - 27//4 = 11 - 6).
    assert statutory_holidays(2027) == {
        D(2027, 1, 1),
        D(2027, 2, 5),
        D(2027, 2, 6),
        D(2027, 2, 7),
        D(2027, 2, 8),
        D(2027, 4, 5),
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 6, 9),
        D(2027, 9, 15),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    }


def test_fallback_2027_makeup_days() -> None:
    # 补假 for statutory days on weekends: Sat/Sun Feb 6-7 -> Tue/Wed Feb 9-10;
    # Sat/Sun May 1-2 -> Mon/Tue May 3-4; Sat/Sun Oct 2-3 -> Mon/Tue Oct 4-5.
    arrangement = fallback_arrangement(2027)
    makeup = {D(2027, 2, 9), D(2027, 2, 10), D(2027, 5, 3), D(2027, 5, 4)}
    makeup |= {D(2027, 10, 4), D(2027, 10, 5)}
    assert arrangement.holidays == statutory_holidays(2027) | makeup
    assert arrangement.workdays == frozenset()


def test_fallback_2027_working_days(cal: WorkingCalendar) -> None:
    for day in (D(2027, 2, 5), D(2027, 2, 8), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)):
        assert not cal.is_workday(day), day
    assert not cal.is_workday(D(2027, 2, 10))  # 补假
    assert cal.is_workday(D(2027, 2, 11))
    # No 调休 in the fallback: Sat Feb 20 2027 stays a weekend day.
    assert not cal.is_workday(D(2027, 2, 20))
    # 3 working days after Wed 2027-02-03: Thu 4 (1), Feb 5-10 off, Thu 11 (2), Fri 12 (3).
    assert cal.add_working_days(D(2027, 2, 3), 3) == DueDate(D(2027, 2, 12), True)


@pytest.mark.parametrize("year", [2025, 2026])
def test_fallback_agrees_with_official_years_under_2024_law(year: int) -> None:
    # Under the 2024 revision every statutory day and every 补假 is off in the real
    # arrangement (the previous data, independent of the package).
    previous = previous_workdays()
    for day in fallback_arrangement(year).holidays:
        assert not previous[day], day


def test_fallback_agrees_with_the_package_2027_2099() -> None:
    # The package computes unpublished years from the same law; both give the same days,
    # including 2039 and 2066, where 中秋 falls on Sunday 10-02 with 国庆 (two 补假).
    for year in range(2027, 2100):
        computed = set(holidays.country_holidays("CN", years=year))
        assert fallback_arrangement(year).holidays == computed, year
    assert fallback_arrangement(2039).holidays >= {D(2039, 10, 4), D(2039, 10, 5), D(2039, 10, 6)}


def test_qingming_against_the_formula_and_previous_data() -> None:
    # The 21st-century formula int(Y*D+C)-L (D=0.2422, C=4.81), used before the package.
    for year in FALLBACK_YEARS:
        y = year % 100
        assert qingming(year) == D(year, 4, int(y * 0.2422 + 4.81) - y // 4), year
    previous = previous_workdays()
    for year in range(2008, 2027):  # 清明 became a public holiday in 2008
        assert not previous[qingming(year)], year


def test_qingming_known_dates() -> None:
    assert qingming(2025) == D(2025, 4, 4)
    assert qingming(2026) == D(2026, 4, 5)
    assert qingming(2027) == D(2027, 4, 5)
    assert qingming(2028) == D(2028, 4, 4)


def test_fallback_out_of_range(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="no holiday data for 2100"):
        cal.is_workday(D(2100, 3, 1))


# --------------------------------------------------------------------------- override file


def test_shipped_file_has_no_years() -> None:
    cal = WorkingCalendar.from_file(DEFAULT_HOLIDAY_FILE)
    assert not cal.is_official(2027)
    assert cal.is_official(2026)


def test_shipped_example_is_valid(tmp_path: Path) -> None:
    lines = DEFAULT_HOLIDAY_FILE.read_text(encoding="utf-8").splitlines()
    example = lines[lines.index("# 2027:") :]
    path = write(tmp_path, "\n".join(line.removeprefix("# ") for line in example))
    cal = WorkingCalendar.from_file(path)
    assert cal.is_official(2027)
    assert cal.is_workday(D(2027, 2, 20))


def test_override_replaces_year(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2026:\n  holidays: [2026-03-02]\n  workdays: []\n"
        "2027:\n  holidays: [2027-01-01]\n  workdays: ['2027-02-20']\n",
    )
    cal = WorkingCalendar.from_file(path)
    assert cal.is_official(2027)
    # 2026 from the file only: the package's Spring Festival and 调休 are gone.
    assert cal.is_workday(D(2026, 2, 16))
    assert not cal.is_workday(D(2026, 2, 14))
    assert not cal.is_workday(D(2026, 3, 2))
    # 2027 from the file: no fallback 春节 days, Sat Feb 20 works; nothing provisional.
    assert cal.is_workday(D(2027, 2, 8))
    assert cal.is_workday(D(2027, 2, 20))
    assert cal.add_working_days(D(2026, 12, 15), 20) == DueDate(D(2027, 1, 13), False)


def test_empty_file(tmp_path: Path) -> None:
    assert not WorkingCalendar.from_file(write(tmp_path, "# nothing\n")).is_official(2027)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2027:\n  holidays: [2026-12-31]\n  workdays: []\n",
            "2027.holidays: 2026-12-31 is not in 2027",
        ),
        (
            "2027:\n  holidays: [2027-02-20]\n  workdays: [2027-02-20]\n",
            "2027: 2027-02-20 listed in both holidays and workdays",
        ),
        (
            "2027:\n  holidays: [tomorrow]\n  workdays: []\n",
            "2027.holidays[0]: 'tomorrow' is not a date",
        ),
        (
            "2027:\n  holidays: [20270101]\n  workdays: []\n",
            "2027.holidays[0]: 20270101 is not a date",
        ),
        ("2027:\n  holidays: ['2027-02-30']\n  workdays: []\n", "'2027-02-30' is not a valid date"),
        ("2027:\n  holidays: [2027-02-30]\n  workdays: []\n", "invalid YAML: day is out of range"),
        (
            "2027:\n  holidays: [2027-01-01, 2027-01-01]\n  workdays: []\n",
            "2027.holidays[1]: 2027-01-01 is listed twice",
        ),
        (
            "2027:\n  holidays: []\n  workdays: [2027-02-22]\n",
            "2027.workdays: 2027-02-22 is a Monday",
        ),
        ("2027:\n  holiday: []\n  workdays: []\n", "2027: unknown key holiday"),
        ("2027:\n  holidays: []\n", "2027: missing workdays"),
        ("2027:\n  holidays:\n  workdays: []\n", "2027.holidays: expected a list of dates"),
        ("'2027':\n  holidays: []\n  workdays: []\n", "year key '2027' must be a year"),
        ("2027: [2027-01-01]\n", "2027: expected a mapping with holidays and workdays"),
        ("- 2027-01-01\n", "expected a mapping of year -> arrangement"),
        (
            "2027:\n  holidays: []\n  workdays: []\n2027:\n  holidays: []\n  workdays: []\n",
            "duplicate key 2027 (line 4)",
        ),
        ("2027:\n  holidays: [2027-01-01\n", "invalid YAML"),
    ],
)
def test_validation_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HolidayFileError, match=re.escape(f"{path}: ")) as info:
        WorkingCalendar.from_file(path)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_programmatic_overrides_validated() -> None:
    with pytest.raises(HolidayFileError, match=r"overrides: 2027\.holidays: 2026-12-31 is not in"):
        WorkingCalendar({2027: YearArrangement(holidays=frozenset({D(2026, 12, 31)}))})


def test_default_uses_env_file_and_caches(tmp_path: Path) -> None:
    path = write(tmp_path, "2027:\n  holidays: []\n  workdays: []\n")
    # DAIBAN_HOLIDAY_FILE reaches the calendar through the settings and the engine.
    use_holiday_file(Settings.from_environ({"DAIBAN_HOLIDAY_FILE": str(path)}).holiday_file)
    try:
        cal = WorkingCalendar.default()
        assert cal is WorkingCalendar.default()
        assert cal.is_official(2027)
    finally:
        use_holiday_file(None)
    shipped = WorkingCalendar.default()
    assert shipped is not cal
    assert not shipped.is_official(2027)
