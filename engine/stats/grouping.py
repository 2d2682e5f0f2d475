"""The groups of a report: which case column each grouping reads, how a value becomes a
group key (the county folds every unit into one, ``kind`` folds each item into its kind:
devolved or proxy), which org units are listed even without figures, and each group's
name."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine.records import CaseFacts, CaseFilter, CaseScope
from processes.catalogue import KIND_NAMES
from processes.org import Organization

GROUPINGS = ("county", "township", "village", "item", "department", "kind")
ITEM_KINDS = tuple(KIND_NAMES)  # devolved (下放乡镇管理事项), proxy (下放代办服务职权)
# The case column each grouping reads (the county is the first six digits of the township).
COLUMNS = {
    "county": "org_unit",
    "township": "org_unit",
    "village": "village",
    "item": "item_code",
    "department": "department",
    "kind": "item_code",
}


def fold(
    org: Organization, group_by: str, item_kinds: Mapping[str, str] | None = None
) -> Callable[[str | None], str | None]:
    """The group key of a value of the grouping's column (``item_kinds``: each item
    code's kind, for ``kind``; an item the catalogue no longer lists is grouped under None)."""
    if group_by == "county":
        county = org.county.code
        return lambda value: county if value else None
    if group_by == "kind":
        kinds = dict(item_kinds or {})
        return lambda value: kinds.get(value) if value else None
    return lambda value: value


def key_function(
    org: Organization, group_by: str, item_kinds: Mapping[str, str] | None = None
) -> Callable[[CaseFacts], str | None]:
    """The group key of a case."""
    column, folded = COLUMNS[group_by], fold(org, group_by, item_kinds)
    return lambda row: folded(getattr(row, column))


def listed_units(
    org: Organization, group_by: str, scope: CaseScope, where: CaseFilter
) -> list[str]:
    """The org units listed even without figures: those of the grouping's kind that
    lie within the caller's scope and the filters (none for items and departments)."""
    if group_by == "county":
        return [org.county.code] if not scope.departments or scope.everything else []
    if group_by == "kind":
        return list(ITEM_KINDS)
    if group_by not in ("township", "village") or (scope.departments and not scope.everything):
        return []
    kinds = ("township",) if group_by == "township" else ("village", "community")
    anchors: list[set[str]] = []
    if not scope.everything:
        anchors.append(set(scope.villages | scope.townships))
    for chosen in (where.township, where.village):
        if chosen is not None:
            anchors.append({chosen})

    def related(code: str, anchor: str) -> bool:
        return org.contains(anchor, code) or org.contains(code, anchor)

    return sorted(
        unit.code
        for unit in org.of_kind(*kinds)
        if all(any(related(unit.code, a) for a in anchor) for anchor in anchors)
    )


def group_name(
    org: Organization, item_names: Mapping[str, str], group_by: str, key: str | None
) -> str:
    if key is None:
        return "（未登记单位）"
    if group_by == "item":
        return item_names.get(key, key)
    if group_by == "kind":
        return KIND_NAMES.get(key, key)
    unit = org.units.get(key)
    return unit.name if unit is not None else key
