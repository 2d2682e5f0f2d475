"""The ledger's figures per unit and period (recorded, answered at the village,
transferred, resolved, open, resolution rate), counted by the store; supervision joins
them in (``engine.stats``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.clock import SHANGHAI
from engine.records import UnitFigures
from engine.store import Store
from processes.org import Organization

GROUPS = ("county", "township", "village")


@dataclass(frozen=True)
class LedgerCounts:
    """The ledger's figures for one unit and period (see ``LedgerService.counts``)."""

    recorded: int
    answered_at_village: int
    transferred_to_township: int
    transferred_to_county: int
    resolved: int
    open: int
    resolution_rate: float | None


def count_per_unit(
    store: Store,
    org: Organization,
    start: date,
    end: date,
    group_by: str,
    units: frozenset[str] | None = None,
) -> dict[str, LedgerCounts]:
    """The ledger's figures per unit for the period ``start``..``end`` (both days
    inclusive, Beijing time).

    ``group_by`` is "county" (one key, the county's code), "township" or "village"
    (their region codes). ``units`` keeps only the issues of those villages or
    townships (the county's code keeps all); every unit of the ``group_by`` level
    within them has a key, with zeros when it recorded nothing.

    Definitions (an issue counts in the period it was recorded in; what happened to it
    is taken as it stood at the end of the period, 24:00 of ``end``):

    * ``recorded`` — issues recorded in the period (转录台账).
    * ``answered_at_village`` — of these, answered or resolved by the village and never
      transferred (村上能够解决的，处理结果转反映群众).
    * ``transferred_to_township`` — of these, transferred to the township (转乡上),
      whatever became of them there.
    * ``transferred_to_county`` — of these, transferred on by the township to a county
      department (a part of ``transferred_to_township``).
    * ``resolved`` — of these, resolved by the end of the period and not reopened since.
    * ``open`` — ``recorded - resolved``: still being handled, or answered and waiting
      for the resident's word.
    * ``resolution_rate`` — ``resolved / recorded`` (有效办结率), None when nothing
      was recorded.

    ``recorded = answered_at_village + transferred_to_township + (not yet answered at
    the village)``; e.g. 152 recorded, 137 resolved → 0.901 (90.1%).
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    if end < start:
        raise ValueError("end before start")
    county = org.county.code
    if units is not None and county in units:
        units = None
    with store.unit_of_work(write=False) as uow:
        raw = uow.ledger.figures(
            _start_of(start), _start_of(end + timedelta(days=1)), group_by, units
        )
    if group_by == "county":
        raw = {county: raw[""]} if "" in raw else {}
        keys: list[str] = [county]
    else:
        keys = _units(org, group_by, units)
    return {key: _counts(raw.get(key, UnitFigures())) for key in sorted({*keys, *raw})}


def _units(org: Organization, group_by: str, units: frozenset[str] | None) -> list[str]:
    kinds = ("township",) if group_by == "township" else ("village", "community")
    return [
        unit.code
        for unit in org.of_kind(*kinds)
        if units is None
        or unit.code in units
        or (
            group_by == "village"
            and (township := org.township_of(unit.code)) is not None
            and township.code in units
        )
    ]


def _counts(figures: UnitFigures) -> LedgerCounts:
    recorded = figures.recorded
    return LedgerCounts(
        recorded=recorded,
        answered_at_village=figures.answered_at_village,
        transferred_to_township=figures.transferred_to_township,
        transferred_to_county=figures.transferred_to_county,
        resolved=figures.resolved,
        open=recorded - figures.resolved,
        resolution_rate=figures.resolved / recorded if recorded else None,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
