"""What a caller sees: one scope of org units per caller, read for cases, figures and
issues alike, and which of its roles let it change a case it sees."""

from __future__ import annotations

from dataclasses import replace

from engine.identity import Principal
from engine.policy.roles import ASSESSING_ROLES, CASE_BLIND, reads_county, unit_kinds
from engine.records import CaseRecord, CaseScope, IssueRecord, LedgerScope

_VILLAGE_KINDS = frozenset({"village", "community"})
# A county department or a grassroots station: sees the cases handed to it (the case's
# ``department`` is the deciding department's or station's code).
_DECIDING_KINDS = frozenset({"department", "station"})


def case_scope(principal: Principal) -> CaseScope:
    """The cases the caller sees: its village's, its township's (and what its window
    registered for another township), what its park window (工业园小窗口) registered,
    or those handed to its department or grassroots station (基层站所); the supervisor
    all of them; designers and administrators none."""
    if reads_county(principal):
        return CaseScope(everything=True)
    # a designated hospital's doctors (评定医生) see the cases handed to it for assessment
    assessing = principal.roles & ASSESSING_ROLES
    roles = principal.roles - CASE_BLIND - assessing
    kinds = {kind for role in roles for kind in unit_kinds(role)}
    unit = frozenset({principal.unit})
    return CaseScope(
        villages=unit if kinds & _VILLAGE_KINDS else frozenset(),
        townships=unit if "township" in kinds else frozenset(),
        # a window or the county centre keeps reading what it registered elsewhere
        registered_by=unit if kinds & {"township", "park_window", "department"} else frozenset(),
        departments=unit if kinds & _DECIDING_KINDS else frozenset(),
        assessing=unit if assessing else frozenset(),
    )


def figures_scope(principal: Principal) -> CaseScope:
    """Whose supervision figures the caller sees: the case scope without the cases it
    registered for another township (those count where they are handled) nor those it
    assessed as a designated hospital (they count at the 残联 that decides them)."""
    return replace(case_scope(principal), registered_by=frozenset(), assessing=frozenset())


def issue_scope(principal: Principal) -> LedgerScope:
    """The ledger issues the caller sees: the units of its case scope (an issue has no
    registering unit)."""
    scope = case_scope(principal)
    return LedgerScope(
        everything=scope.everything,
        villages=scope.villages,
        townships=scope.townships,
        departments=scope.departments,
    )


def sees_case(principal: Principal, case: CaseRecord) -> bool:
    """Whether the case lies in the caller's case scope."""
    handed = case.department if case.county_since is not None else None
    hospital = case.assessment_unit if case.assessment_since is not None else None
    return _reaches(
        case_scope(principal),
        village=case.village,
        township=case.org_unit,
        department=handed,
        registered_by=case.registered_unit,
        assessing=hospital,
    )


def sees_issue(principal: Principal, issue: IssueRecord) -> bool:
    """Whether the issue lies in the caller's issue scope."""
    scope = case_scope(principal)
    return _reaches(
        scope, village=issue.village, township=issue.township, department=issue.department
    )


def _reaches(
    scope: CaseScope,
    *,
    village: str | None,
    township: str | None,
    department: str | None,
    registered_by: str | None = None,
    assessing: str | None = None,
) -> bool:
    """Whether something of these units lies in ``scope`` (None: no unit of that kind)."""
    return scope.everything or any(
        unit is not None and unit in units
        for unit, units in (
            (village, scope.villages),
            (township, scope.townships),
            (department, scope.departments),
            (registered_by, scope.registered_by),
            (assessing, scope.assessing),
        )
    )


def changing_roles(principal: Principal, case: CaseRecord) -> frozenset[str]:
    """The caller's roles that let it change ``case``: held in the case's own village,
    township, or (once handed over) department, station or designated hospital. Seeing a case county-wide or as its
    registering window gives none."""
    scope = case_scope(principal)
    places: set[str] = set()
    if case.village in scope.villages:
        places |= _VILLAGE_KINDS
    if case.org_unit in scope.townships:
        places.add("township")
    if case.department in scope.departments and case.county_since is not None:
        places |= _DECIDING_KINDS
    roles = {role for role in principal.roles - CASE_BLIND if unit_kinds(role) & places}
    if case.assessment_unit in scope.assessing and case.assessment_since is not None:
        roles |= principal.roles & ASSESSING_ROLES
    return frozenset(roles)


def may_change_case(principal: Principal, case: CaseRecord) -> bool:
    """Read-only callers and registering windows of another township may not act on a case."""
    return bool(changing_roles(principal, case))


def scope_covers_township(scope: CaseScope, township: str) -> bool:
    """Whether the figures of ``scope`` (``figures_scope``) include the whole township."""
    return scope.everything or township in scope.townships


def scope_covers_village(scope: CaseScope, village: str) -> bool:
    """Whether the figures of ``scope`` include the village (a village's code begins with
    its township's nine digits)."""
    return scope.everything or village in scope.villages or village[:9] in scope.townships
