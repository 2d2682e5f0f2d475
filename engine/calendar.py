"""Working-day calendar on the official Chinese holiday arrangement (法定节假日与调休).

Sources, in order of precedence, for each year:

1. the administrator override file (``processes/holidays.yaml``, or the file the engine
   is given: ``DAIBAN_HOLIDAY_FILE``): a year listed there replaces every other source for
   that year;
2. the ``holidays`` package's arrangement for China (``holidays.country_holidays("CN")``:
   days off, make-up days off and adjusted working weekends) for the *published* years:
   from the first to the last year its table of the State Council's yearly notices
   (国务院办公厅关于某年部分节假日安排的通知, ``ChinaStaticHolidays.special_public_holidays``)
   has an entry for — 2001–2026 in holidays 0.109 (``PUBLISHED_YEARS``). A release that
   adds the next year's notice makes that year official without a change here;
3. a *provisional* fallback from the law alone (国务院《全国年节及纪念日放假办法》, 2024
   revision): weekends, the statutory holidays, and the make-up day off (补假) the law grants
   for a statutory holiday that falls on a Saturday or Sunday. The lunar dates (春节, 端午,
   中秋) and 清明 come from the ``holidays`` package's Chinese lunisolar tables. Adjusted
   working weekends (调休上班) are announced year by year and never appear in the fallback.
   The package computes the same days for the years it has no notice for (2027–2099 are
   checked by the tests); the engine keeps its own rule so that the law it applies is
   written here.

Due dates that depend on fallback data are flagged ``provisional``.

On the 8,401 days of 2004–2026 the package agrees with ``chinesecalendar``, the source used
before, on every day but Saturday 2005-12-31: the 2006 notice (国办发明电〔2005〕35号) makes
it a working day (“12月31日（星期六）上班”), as the package has it; chinesecalendar had it off.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from holidays import country_holidays
from holidays.calendars.chinese import _ChineseLunisolar
from holidays.countries.china import ChinaStaticHolidays

from processes.resources import HOLIDAY_FILE

__all__ = [
    "DEFAULT_HOLIDAY_FILE",
    "FALLBACK_YEARS",
    "PUBLISHED_YEARS",
    "DueDate",
    "HolidayFileError",
    "WorkingCalendar",
    "YearArrangement",
    "fallback_arrangement",
    "load_overrides",
    "qingming",
    "statutory_holidays",
    "use_holiday_file",
]

DEFAULT_HOLIDAY_FILE = HOLIDAY_FILE  # the shipped overrides (processes/holidays.yaml)
# Years whose arrangement the State Council has published, as far as the ``holidays``
# package knows: from its first to its last yearly notice (each year between has one).
PUBLISHED_YEARS = range(
    min(ChinaStaticHolidays.special_public_holidays),
    max(ChinaStaticHolidays.special_public_holidays) + 1,
)
# Years the fallback can compute: the package's lunar tables and its Qingming rule are
# reliable for 1901–2099, and the fallback applies the 2024 law, which says nothing of
# years long past.
FALLBACK_YEARS = range(2000, 2100)

_ONE_DAY = dt.timedelta(days=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_KEYS = ("holidays", "workdays")
_LUNAR = _ChineseLunisolar()


class HolidayFileError(ValueError):
    """The holiday override file (or an override mapping) is invalid."""


@dataclass(frozen=True)
class YearArrangement:
    """One year's arrangement: days off besides weekends, and weekend working days (调休上班)."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable of dates at runtime; store frozensets.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))


@dataclass(frozen=True)
class DueDate:
    """The due day of a period, and whether any day counted came from fallback data."""

    date: dt.date
    provisional: bool


@dataclass(frozen=True)
class _YearIndex:
    """Every non-working day of one year (weekends included), sorted, plus its provenance."""

    off: frozenset[dt.date]
    off_sorted: tuple[dt.date, ...] = field(repr=False)
    official: bool


# --------------------------------------------------------------------------- fallback


def _require_fallback_year(year: int) -> None:
    if year not in FALLBACK_YEARS:
        raise ValueError(
            f"no holiday data for {year}: not published in the holidays package or the "
            f"override file, and the fallback only covers {FALLBACK_YEARS[0]}–{FALLBACK_YEARS[-1]}"
        )


def qingming(year: int) -> dt.date:
    """The Qingming solar term (清明) of ``year``, from the ``holidays`` package (2000–2099)."""
    _require_fallback_year(year)
    day, _estimated = _LUNAR.qingming_date(year)
    return day


def _lunar(found: tuple[dt.date | None, bool], year: int, name: str) -> dt.date:
    day, _estimated = found  # "estimated": computed, not yet confirmed by an authority
    if day is None:
        raise ValueError(f"no lunar date of {name} for {year} in the holidays package")
    return day


def _statutory_days(year: int) -> list[dt.date]:
    """Each statutory holiday day of ``year`` once per festival: a day two festivals
    share (中秋 on 10-02 in 2039 and 2066) is listed twice, and on a weekend gives two 补假."""
    _require_fallback_year(year)
    new_year = _lunar(_LUNAR.lunar_new_year_date(year), year, "春节")
    return [
        dt.date(year, 1, 1),  # 元旦
        new_year - _ONE_DAY,  # 春节: 除夕
        new_year,  # 春节: 正月初一
        new_year + _ONE_DAY,  # 正月初二
        new_year + 2 * _ONE_DAY,  # 正月初三
        qingming(year),  # 清明
        dt.date(year, 5, 1),  # 劳动节
        dt.date(year, 5, 2),
        _lunar(_LUNAR.dragon_boat_date(year), year, "端午"),  # 农历五月初五
        _lunar(_LUNAR.mid_autumn_date(year), year, "中秋"),  # 农历八月十五
        dt.date(year, 10, 1),  # 国庆节
        dt.date(year, 10, 2),
        dt.date(year, 10, 3),
    ]


def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The statutory holidays of ``year`` as fixed by law (2024 revision), without 补假."""
    return frozenset(_statutory_days(year))


def fallback_arrangement(year: int) -> YearArrangement:
    """Provisional arrangement from the law: statutory holidays plus 补假, no 调休 workdays.

    A statutory holiday on a Saturday or Sunday gives a make-up day off (补假) on the next
    weekday after it that is not already off (《全国年节及纪念日放假办法》第六条).
    """
    statutory = sorted(_statutory_days(year))
    off = set(statutory)
    for day in statutory:
        if day.weekday() >= 5:
            makeup = day + _ONE_DAY
            while makeup.weekday() >= 5 or makeup in off:
                makeup += _ONE_DAY
            off.add(makeup)
    return YearArrangement(holidays=frozenset(off))


# --------------------------------------------------------------------------- package data


@cache
def _package_by_year() -> dict[int, YearArrangement]:
    """The package's days off and adjusted working weekends of every published year,
    grouped by year (built once; the weekend workdays of a notice may lie in the year
    before it, like 2005-12-31 in the 2006 notice, and are grouped by their own year)."""
    china = country_holidays("CN", years=PUBLISHED_YEARS)  # public holidays, 补假 included
    days_off: dict[int, set[dt.date]] = {year: set() for year in PUBLISHED_YEARS}
    workdays: dict[int, set[dt.date]] = {year: set() for year in PUBLISHED_YEARS}
    for day in china:
        days_off.setdefault(day.year, set()).add(day)
    for day in china.weekend_workdays:
        workdays.setdefault(day.year, set()).add(day)
    return {
        year: YearArrangement(
            holidays=frozenset(days_off[year]), workdays=frozenset(workdays[year])
        )
        for year in PUBLISHED_YEARS
    }


# --------------------------------------------------------------------------- override file


def _check_arrangement(source: str, year: int, arrangement: YearArrangement) -> None:
    """Semantic checks shared by the file loader and programmatic overrides."""
    for key in _YEAR_KEYS:
        days: frozenset[object] = getattr(arrangement, key)
        for item in days:
            if not isinstance(item, dt.date) or isinstance(item, dt.datetime):
                raise HolidayFileError(f"{source}: {year}.{key}: {item!r} is not a date")
        for day in sorted(getattr(arrangement, key)):
            if day.year != year:
                raise HolidayFileError(
                    f"{source}: {year}.{key}: {day.isoformat()} is not in {year}"
                )
    both = arrangement.holidays & arrangement.workdays
    if both:
        listed = ", ".join(d.isoformat() for d in sorted(both))
        raise HolidayFileError(f"{source}: {year}: {listed} listed in both holidays and workdays")
    for day in sorted(arrangement.workdays):
        if day.weekday() < 5:
            raise HolidayFileError(
                f"{source}: {year}.workdays: {day.isoformat()} is a {day.strftime('%A')}; "
                "workdays lists only weekend days that are working days (调休上班)"
            )


def _parse_dates(source: str, year: int, key: str, raw: object) -> frozenset[dt.date]:
    if not isinstance(raw, list):
        raise HolidayFileError(
            f"{source}: {year}.{key}: expected a list of dates (use [] for none), got {raw!r}"
        )
    days: set[dt.date] = set()
    for i, item in enumerate(raw):
        where = f"{source}: {year}.{key}[{i}]"
        day: dt.date
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            day = item
        elif isinstance(item, str) and _ISO_DATE.fullmatch(item):
            try:
                day = dt.date.fromisoformat(item)
            except ValueError as exc:
                raise HolidayFileError(f"{where}: {item!r} is not a valid date ({exc})") from None
        else:
            raise HolidayFileError(f"{where}: {item!r} is not a date; write YYYY-MM-DD")
        if day in days:
            raise HolidayFileError(f"{where}: {day.isoformat()} is listed twice")
        days.add(day)
    return frozenset(days)


def _duplicate_key(node: yaml.Node | None) -> str | None:
    """The first duplicated mapping key anywhere in a composed YAML tree, if any."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    return f"{key.value} (line {key.start_mark.line + 1})"
                seen.add(key.value)
            found = _duplicate_key(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found is not None:
                return found
    return None


def load_overrides(path: Path) -> dict[int, YearArrangement]:
    """Load and strictly validate a holiday override file; raise HolidayFileError if invalid."""
    source = str(path)
    text = path.read_text(encoding="utf-8")
    try:
        duplicate = _duplicate_key(yaml.compose(text, Loader=yaml.SafeLoader))
        data: object = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise HolidayFileError(f"{source}: invalid YAML: {exc}") from None
    if duplicate is not None:
        raise HolidayFileError(f"{source}: duplicate key {duplicate}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HolidayFileError(f"{source}: expected a mapping of year -> arrangement")
    result: dict[int, YearArrangement] = {}
    for year, entry in data.items():
        if not isinstance(year, int) or isinstance(year, bool) or not 1 <= year <= 9999:
            raise HolidayFileError(f"{source}: year key {year!r} must be a year like 2027")
        if not isinstance(entry, dict):
            raise HolidayFileError(
                f"{source}: {year}: expected a mapping with holidays and workdays, got {entry!r}"
            )
        unknown = sorted(str(k) for k in entry if k not in _YEAR_KEYS)
        if unknown:
            raise HolidayFileError(
                f"{source}: {year}: unknown key {', '.join(unknown)} (expected holidays, workdays)"
            )
        missing = [k for k in _YEAR_KEYS if k not in entry]
        if missing:
            raise HolidayFileError(
                f"{source}: {year}: missing {', '.join(missing)} (use [] for none)"
            )
        arrangement = YearArrangement(
            holidays=_parse_dates(source, year, "holidays", entry["holidays"]),
            workdays=_parse_dates(source, year, "workdays", entry["workdays"]),
        )
        _check_arrangement(source, year, arrangement)
        result[year] = arrangement
    return result


# --------------------------------------------------------------------------- calendar


def _require_date(value: dt.date) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(
            f"expected a datetime.date (local date in Asia/Shanghai), got {type(value).__name__}"
        )


_default_lock = threading.Lock()
_default_cache: dict[Path | None, WorkingCalendar] = {}
_default_file: Path | None = None  # set by ``use_holiday_file``; None: the shipped file


class WorkingCalendar:
    """Working days under the official arrangement, with overrides and a provisional fallback."""

    def __init__(self, overrides: Mapping[int, YearArrangement] | None = None) -> None:
        self._overrides: dict[int, YearArrangement] = dict(overrides or {})
        for year, arrangement in self._overrides.items():
            _check_arrangement("overrides", year, arrangement)
        self._years: dict[int, _YearIndex] = {}

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """A calendar with the overrides of a YAML holiday file (validated strictly)."""
        return cls(load_overrides(Path(path)))

    @classmethod
    def default(cls) -> WorkingCalendar:
        """The process-wide calendar: the holiday file given to ``use_holiday_file`` (the
        engine's), else the shipped ``processes/holidays.yaml`` if present.

        Cached per file; edits to the file take effect on restart.
        """
        with _default_lock:
            return _calendar_of(_default_file)

    # -- per-year index

    def _index(self, year: int) -> _YearIndex:
        index = self._years.get(year)
        if index is None:
            index = self._build_index(year)
            self._years[year] = index
        return index

    def _build_index(self, year: int) -> _YearIndex:
        arrangement = self._overrides.get(year)
        official = True
        if arrangement is None:
            if year in PUBLISHED_YEARS:
                arrangement = _package_by_year()[year]
            else:
                arrangement = fallback_arrangement(year)
                official = False
        off: list[dt.date] = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            weekend = day.weekday() >= 5
            if day in arrangement.holidays or (weekend and day not in arrangement.workdays):
                off.append(day)
            day += _ONE_DAY
        return _YearIndex(off=frozenset(off), off_sorted=tuple(off), official=official)

    def _provisional(self, first: dt.date, last: dt.date) -> bool:
        """Whether any year from ``first`` to ``last`` (inclusive) uses fallback data."""
        return any(not self._index(y).official for y in range(first.year, last.year + 1))

    # -- queries

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day."""
        _require_date(day)
        index = self._years.get(day.year)
        if index is None:
            index = self._index(day.year)
        return day not in index.off

    def is_official(self, year: int) -> bool:
        """Whether ``year`` is in the override file or published in the package (not the fallback)."""
        return year in self._overrides or year in PUBLISHED_YEARS

    def add_working_days(self, start: dt.date, days: int) -> DueDate:
        """The ``days``-th working day after ``start`` (start not counted, 期限开始之日不计入).

        ``days == 0`` gives ``start`` if it is a working day, else the next working day.
        """
        _require_date(start)
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        day = start
        if days == 0:
            while not self.is_workday(day):
                day += _ONE_DAY
            return DueDate(day, self._provisional(start, day))
        remaining = days
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return DueDate(day, self._provisional(start + _ONE_DAY, day))

    def add_calendar_days(self, start: dt.date, days: int) -> DueDate:
        """``start`` plus ``days`` natural days, moved to the next working day if that day is off.

        期间届满的最后一日是法定节假日的，以节假日后的第一日为期间届满的日期.
        Provisional only if that working-day check used fallback data.
        """
        _require_date(start)
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        last = start + dt.timedelta(days=days)
        day = last
        while not self.is_workday(day):
            day += _ONE_DAY
        return DueDate(day, self._provisional(last, day))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days ``d`` with ``start < d <= end`` (0 if ``end <= start``)."""
        _require_date(start)
        _require_date(end)
        if end <= start:
            return 0
        count = 0
        first = start + _ONE_DAY
        for year in range(first.year, end.year + 1):
            lo = max(first, dt.date(year, 1, 1))
            hi = min(end, dt.date(year, 12, 31))
            off = self._index(year).off_sorted
            off_in_range = bisect.bisect_right(off, hi) - bisect.bisect_left(off, lo)
            count += (hi - lo).days + 1 - off_in_range
        return count


def use_holiday_file(path: Path | None) -> WorkingCalendar:
    """Make the calendar of the holiday file ``path`` (None: the shipped one) the one
    ``WorkingCalendar.default()`` returns, and return it.

    One per process, because the BPMN script helpers (``working_days_after`` …) are plain
    functions that cannot be handed a calendar; the composition root (``engine.Engine``)
    sets it from the value it was given, so nothing here reads the environment."""
    global _default_file
    with _default_lock:
        calendar = _calendar_of(path)
        _default_file = path
        return calendar


def _calendar_of(path: Path | None) -> WorkingCalendar:
    """The cached calendar of ``path``; the caller holds ``_default_lock``."""
    if path is None and HOLIDAY_FILE.is_file():
        path = HOLIDAY_FILE
    calendar = _default_cache.get(path)
    if calendar is None:
        calendar = WorkingCalendar() if path is None else WorkingCalendar.from_file(path)
        _default_cache[path] = calendar
    return calendar
