"""``StatsService.figures``: one report for a period, grouping and scope — the cases
counted one by one (``counting``) and by the database, grouped (``grouping``), with the
issue ledger's figures joined in (``issue_ledger``)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.calendar import WorkingCalendar
from engine.clock import Clock
from engine.records import CaseFilter, CaseScope
from engine.stats.counting import Tally, count_case, count_in_sql, read_cases
from engine.stats.facts import count_from_days, count_from_rows, rolled_up
from engine.stats.figures import Figures, Group, Period, Report
from engine.stats.grouping import (
    COLUMNS,
    GROUPINGS,
    fold,
    group_name,
    key_function,
    listed_units,
)
from engine.stats.issue_ledger import join_ledger, ledger_applies
from engine.steps import DEFAULT_WARNING_SHARE
from engine.store import Store
from processes.org import Organization


class StatsError(ValueError):
    """Bad arguments to a figures query (the API validates them before)."""


class StatsService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        org: Organization,
        item_names: Mapping[str, str] | None = None,
        calendar: WorkingCalendar | None = None,
        warning_share: float = DEFAULT_WARNING_SHARE,
        item_kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.org = org
        self.item_names = dict(item_names or {})
        self.calendar = calendar or WorkingCalendar.default()
        self.warning_share = warning_share
        self.item_kinds = dict(item_kinds or {})  # item code -> devolved | proxy

    def figures(
        self,
        period: Period,
        group_by: str = "county",
        scope: CaseScope | None = None,
        where: CaseFilter | None = None,
        *,
        bounded: bool = True,
    ) -> Report:
        """The figures of the cases in ``scope`` (default: everything) matching ``where``.

        Only the period's rows are read: what the cases alive in it contribute
        (``case_figures``, summed by the database), their tasks, its warnings and ratings.
        ``bounded=False`` reads every case, task and rating instead and counts each case
        in Python — the full recomputation, the same figures (the tests compare the two)."""
        if group_by not in GROUPINGS:
            raise StatsError(f"group_by 应为 {'、'.join(GROUPINGS)} 之一")
        if period.last < period.first:
            raise StatsError("统计期止日早于起日")
        scope = scope or CaseScope(everything=True)
        where = where or CaseFilter()
        as_of = min(period.end, self.clock.now())
        key_of = key_function(self.org, group_by, self.item_kinds)
        groups: dict[str | None, Figures] = {
            key: Figures() for key in listed_units(self.org, group_by, scope, where)
        }

        def figures_of(key: str | None) -> Figures:
            return groups.setdefault(key, Figures())

        tally = Tally(
            self.store,
            period,
            as_of,
            COLUMNS[group_by],
            fold(self.org, group_by, self.item_kinds),
            scope,
            where,
            figures_of,
        )
        if not bounded:  # the full recomputation: every case and task, counted in Python
            for case in read_cases(self.store, period, scope, where, bounded):
                count_case(case, period, as_of, figures_of(key_of(case.row)), self.calendar)
            count_in_sql(tally, bounded=False)
        elif rolled_up(scope, where):
            count_from_rows(tally)
            count_from_days(tally)
        else:  # a county officer's scope: the rows joined to the cases, the task index
            count_from_rows(tally)
            count_in_sql(tally)
        join_ledger(self.store, self.org, period, group_by, scope, where, groups)
        ledger = 0 if ledger_applies(group_by, scope, where) else None
        total = Figures(ledger_recorded=ledger, ledger_resolved=ledger)
        for figures in groups.values():
            total.add(figures)
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        return Report(
            period,
            group_by,
            as_of,
            [
                Group(key, group_name(self.org, self.item_names, group_by, key), figures)
                for key, figures in ordered
            ],
            total,
            self.warning_share,
        )
