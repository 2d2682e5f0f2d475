"""The townships ranked by satisfaction rate (满意率) or on-time rate (按期办结率) over a
period, with each township's rank and figure in the period before and the change.

Built on ``StatsService.figures`` grouped by township, once for the period and once for
the period before (the same scope). Rules (docs/reports.md):

- a township is ranked when its figure's denominator (rated cases for the satisfaction
  rate, completed cases with a due date for the on-time rate) reaches ``min_cases``;
  others are listed after the ranked ones, without a rank, flagged ``few_cases``;
- higher is better; equal figures (as shown, to 4 decimals) share a rank and the next
  rank skips as many (1, 2, 2, 4: 并列); within a rank, by township code;
- ``rank_change`` = the rank before − the rank now (59th to 5th: +54), ``figure_change``
  = the figure now − the figure before; None where either side has no rank or figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.records import CaseScope
from engine.stats import Group, Period, StatsService

# measure -> (the rate, its denominator)
MEASURES = {
    "satisfaction": ("satisfaction_rate", "ratings"),
    "on_time": ("on_time_rate", "completed_with_due_date"),
}
MIN_CASES = 5


@dataclass(frozen=True)
class Ranked:
    unit: str
    name: str
    rank: int | None  # None: too few cases, or no figure
    figure: float | None
    cases: int  # the figure's denominator
    few_cases: bool
    previous_rank: int | None
    previous_figure: float | None
    rank_change: int | None  # positive: moved up
    figure_change: float | None


@dataclass(frozen=True)
class Ranking:
    measure: str
    period: Period
    previous: Period
    min_cases: int
    rows: list[Ranked]


def rank_townships(
    stats: StatsService,
    measure: str,
    period: Period,
    previous: Period,
    scope: CaseScope | None = None,
    min_cases: int = MIN_CASES,
) -> Ranking:
    """The townships in ``scope`` ranked by ``measure`` (a key of ``MEASURES``)."""
    rate, denominator = MEASURES[measure]
    now = _ranks(stats.figures(period, "township", scope).groups, rate, denominator, min_cases)
    before = _ranks(stats.figures(previous, "township", scope).groups, rate, denominator, min_cases)
    rows = []
    for unit, name, rank, figure, cases in now:
        old = next((row for row in before if row[0] == unit), None)
        old_rank, old_figure = (old[2], old[3]) if old is not None else (None, None)
        rows.append(
            Ranked(
                unit,
                name,
                rank,
                figure,
                cases,
                cases < min_cases,
                old_rank,
                old_figure,
                old_rank - rank if rank is not None and old_rank is not None else None,
                round(figure - old_figure, 4)
                if figure is not None and old_figure is not None
                else None,
            )
        )
    return Ranking(measure, period, previous, min_cases, rows)


_Row = tuple[str, str, int | None, float | None, int]


def _ranks(groups: list[Group], rate: str, denominator: str, min_cases: int) -> list[_Row]:
    """(unit, name, rank, figure, cases) of every township group, ranked first."""
    rows = []
    for group in groups:
        if group.unit is None:  # cases without a township: no one to rank
            continue
        values = group.figures.as_dict()
        rows.append((group.unit, group.name, values[rate], values[denominator]))
    ranked = sorted(
        (row for row in rows if row[2] is not None and row[3] >= min_cases),
        key=lambda row: (-row[2], row[0]),
    )
    result: list[_Row] = []
    for position, (unit, name, figure, cases) in enumerate(ranked, start=1):
        tied = result and result[-1][3] == figure
        rank = result[-1][2] if tied else position
        result.append((unit, name, rank, figure, cases))
    listed = {row[0] for row in result}
    result.extend(
        (unit, name, None, figure, cases)
        for unit, name, figure, cases in sorted(rows, key=lambda row: row[0])
        if unit not in listed
    )
    return result
