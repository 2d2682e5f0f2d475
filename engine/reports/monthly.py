"""The monthly tables a county supervision office files (效能监督月报): which figures of
which grouping each table shows (``TABLES``) and the tables of a period and scope.

Every row is a group of ``StatsService.figures`` and the 合计 row is that report's total,
so a table's totals equal ``daiban stats`` for the same period and grouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.clock import SHANGHAI
from engine.labels import FIGURES
from engine.labels import GROUPINGS as GROUP_NAMES
from engine.records import CaseFilter, CaseScope
from engine.stats import Period, Report, StatsService

_UNITS = {"count": "件", "rate": "%", "days": "个工作日"}
# Counts that are not of cases (steps, warnings, ratings, issues) name their own unit.
_COUNT_UNITS = {
    "yellow_warnings": "次",
    "red_warnings": "次",
    "ratings": "条",
    "satisfied": "条",
    "bad_ratings": "条",
    "rectified": "条",
    "rectified_on_time": "条",
    "entered_ratings": "条",
    "appeal_upheld_ratings": "条",
    "ledger_recorded": "个",
    "ledger_resolved": "个",
    "step_overdue": "个",
}


@dataclass(frozen=True)
class TableSpec:
    number: int
    title: str
    group_by: str
    figures: tuple[str, ...]


_CASES = ("registered", "accepted", "completed", "on_time_rate", "overdue", "avg_handling_days")
TABLES = (
    TableSpec(
        1,
        "全县办件情况（按乡镇）",
        "township",
        (*_CASES, "on_the_spot_share", "step_overdue", "ratings", "satisfaction_rate"),
    ),
    TableSpec(2, "县级部门办件情况", "department", (*_CASES, "ratings", "satisfaction_rate")),
    TableSpec(
        3,
        "代办情况（按村、社区）",
        "village",
        (
            "proxy_cases",
            "handed_over",
            "handover_on_time",
            "handover_on_time_rate",
            "avg_village_holding_days",
        ),
    ),
    TableSpec(
        4,
        "好差评与整改（按乡镇）",
        "township",
        (
            "ratings",
            "satisfied",
            "satisfaction_rate",
            "bad_ratings",
            "rectified",
            "rectified_on_time",
            "rectification_rate",
            "entered_ratings",
            "appeal_upheld_ratings",
        ),
    ),
    TableSpec(
        5,
        "问题台账与预警（按乡镇）",
        "township",
        (
            "ledger_recorded",
            "ledger_resolved",
            "ledger_resolution_rate",
            "yellow_warnings",
            "red_warnings",
        ),
    ),
    TableSpec(
        6,
        "下放事项与代办事项办件情况",
        "kind",
        (*_CASES, "proxy_cases", "ratings", "satisfaction_rate"),
    ),
)


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    kind: str  # count | rate | days (engine.labels.FIGURES)
    unit: str

    @property
    def header(self) -> str:
        return f"{self.name}（{self.unit}）"


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    period_title: str
    period: Period
    unit_name: str  # whose cases: the county, or the caller's township …
    as_of_text: str
    columns: list[Column]
    rows: list[tuple[str | None, str, list[Any]]]  # (code, name, values)
    total: list[Any]

    @property
    def title(self) -> str:
        return f"表{self.spec.number} {self.spec.title}"

    @property
    def group_header(self) -> str:
        return "事项类别" if self.spec.group_by == "kind" else GROUP_NAMES[self.spec.group_by]


def column(code: str) -> Column:
    figure = FIGURES[code]
    unit = _COUNT_UNITS.get(code, _UNITS[figure.kind])
    return Column(code, figure.name, figure.kind, unit)


def monthly_tables(
    stats: StatsService,
    period: Period,
    period_title: str,
    unit_name: str,
    scope: CaseScope | None = None,
    where: CaseFilter | None = None,
) -> list[Table]:
    """The tables of ``TABLES`` over ``period`` for the cases in ``scope`` matching
    ``where``."""
    tables = []
    reports: dict[str, Report] = {}  # one count per grouping (three tables are by township)
    for spec in TABLES:
        report = reports.get(spec.group_by)
        if report is None:
            report = reports[spec.group_by] = stats.figures(period, spec.group_by, scope, where)
        columns = [column(code) for code in spec.figures]
        as_of = f"{report.as_of.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        rows = []
        for group in report.groups:
            values = group.figures.as_dict()
            rows.append((group.unit, group.name, [values[c.code] for c in columns]))
        total = report.total.as_dict()
        tables.append(
            Table(
                spec,
                period_title,
                period,
                unit_name,
                as_of,
                columns,
                rows,
                [total[c.code] for c in columns],
            )
        )
    return tables
