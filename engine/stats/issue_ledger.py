"""The issue ledger's figures joined into a report (``ledger_recorded``,
``ledger_resolved``): by village, township and county only, and only when nothing but
those narrows the cases (``engine.ledger`` counts them)."""

from __future__ import annotations

from dataclasses import replace

from engine.ledger.counts import GROUPS, count_per_unit
from engine.records import CaseFilter, CaseScope
from engine.stats.figures import Figures, Period
from engine.store import Store
from processes.org import Organization

LEDGER_GROUPINGS = GROUPS  # the groupings the ledger counts by


def ledger_applies(group_by: str, scope: CaseScope, where: CaseFilter) -> bool:
    """The ledger counts by village, township and county and knows nothing else of a
    case (items, departments …): its figures are None for other groupings, filters and
    callers."""
    return (
        group_by in LEDGER_GROUPINGS
        and replace(where, township=None, village=None) == CaseFilter()
        and (scope.everything or not scope.departments)
    )


def join_ledger(
    store: Store,
    org: Organization,
    period: Period,
    group_by: str,
    scope: CaseScope,
    where: CaseFilter,
    groups: dict[str | None, Figures],
) -> None:
    """Set the ledger's figures of every group (zeros where it recorded nothing)."""
    if not ledger_applies(group_by, scope, where):
        return
    units = None if scope.everything else frozenset(scope.villages | scope.townships)
    for chosen in (where.township, where.village):
        if chosen is not None and units is not None:
            units = _narrow(org, units, chosen)
        elif chosen is not None:
            units = frozenset({chosen})
    counts = (
        count_per_unit(store, org, period.first, period.last, group_by, units)
        if units is None or units
        else {}
    )
    for key, found in counts.items():
        f = groups.setdefault(key, Figures())
        f.ledger_recorded, f.ledger_resolved = found.recorded, found.resolved
    for f in groups.values():
        if f.ledger_recorded is None:
            f.ledger_recorded, f.ledger_resolved = 0, 0


def _narrow(org: Organization, units: frozenset[str], chosen: str) -> frozenset[str]:
    """The units of a scope narrowed by a filter on ``chosen`` (empty: disjoint)."""
    if any(org.contains(unit, chosen) for unit in units):
        return frozenset({chosen})  # the filter lies inside the scope
    return frozenset(unit for unit in units if org.contains(chosen, unit))
