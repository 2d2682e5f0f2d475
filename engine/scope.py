"""What a caller may see and do: cases and tasks scoped to the caller's org unit.

DESIGN invariant 8. A village agent sees the cases of its village; township staff those of
their township, plus those their window registered for another township (全县域通办,
read-only); a county department officer the cases handed to the department (and, read-only,
those registered at the county centre); supervisors the whole county, read-only; designers
and administrators none. Anything else is reported as not found, so it cannot be probed.
"""

from __future__ import annotations

from datetime import date

from engine.identity import Principal
from engine.records import CaseRecord, CaseScope, TaskRecord
from processes.org import ROLE_UNIT_KINDS, Organization

READ_ONLY_ROLES = frozenset({"supervisor", "designer", "admin"})
# Designers and administrators work on processes and accounts, not on residents' cases:
# they see none (least privilege; the supervisor is the county-wide reader).
CASE_BLIND_ROLES = frozenset({"designer", "admin"})


def case_scope(principal: Principal) -> CaseScope:
    roles = principal.roles - CASE_BLIND_ROLES
    kinds = {kind for role in roles for kind in ROLE_UNIT_KINDS.get(role, ())}
    if "county" in kinds:
        return CaseScope(everything=True)
    unit = frozenset({principal.unit})
    return CaseScope(
        villages=unit if kinds & {"village", "community"} else frozenset(),
        townships=unit if "township" in kinds else frozenset(),
        # a window or the county centre keeps reading what it registered elsewhere
        registered_by=unit if kinds & {"township", "department"} else frozenset(),
        departments=unit if "department" in kinds else frozenset(),
    )


def sees_case(principal: Principal, case: CaseRecord) -> bool:
    scope = case_scope(principal)
    return (
        scope.everything
        or case.village in scope.villages
        or case.org_unit in scope.townships
        or case.registered_unit in scope.registered_by
        or (case.department in scope.departments and case.county_since is not None)
    )


def may_change_case(principal: Principal, case: CaseRecord) -> bool:
    """Read-only callers and registering windows of another township may not act on a case."""
    if principal.roles <= READ_ONLY_ROLES:
        return False
    scope = case_scope(principal)
    return (
        case.village in scope.villages
        or case.org_unit in scope.townships
        or (case.department in scope.departments and case.county_since is not None)
    )


def may_deliver(principal: Principal, case: CaseRecord, name: str) -> bool:
    """Whether the caller may deliver message ``name`` to a case it may change: the county's
    decision (``county_decision``) only an officer of the department it was handed to."""
    if name == "county_decision":
        return principal.has_role("county_officer") and principal.unit == case.department
    return True


def acts_on_task(
    org: Organization, principal: Principal, task: TaskRecord, day: date
) -> str | None:
    """On whose behalf the caller may work the task (itself, or an absent A post it covers).

    The task's role and org unit decide; a claimed task only for its holder or the holder's
    stand-in on a day the holder is absent."""
    if task.lane is None or task.org_unit is None:
        return None
    if task.claimed_by is not None:
        return task.claimed_by if org.may_act_for(principal.user_id, task.claimed_by, day) else None
    holder = org.acts_for(principal.user_id, task.lane, task.org_unit, day)
    return holder.id if holder is not None else None
