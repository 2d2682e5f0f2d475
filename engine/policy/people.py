"""Who sees the county's people and their absences, and whose absences a caller registers
and ends (离岗登记): the administrator everyone, a township leader the people of its
township (its staff, its mobile agents and its villages' agents)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.identity import Principal
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import ADMIN_ROLE, ASSIGNING_ROLE
from processes.org import Organization


@dataclass(frozen=True)
class PeopleScope:
    """The people a caller sees: everyone, or those whose own unit lies in one of
    ``units`` (a unit contains itself and its villages); empty: nobody."""

    everything: bool = False
    units: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.units)

    def reaches(self, org: Organization, user_id: str) -> bool:
        """Whether ``user_id`` is a user of the organisation inside this scope."""
        user = org.users.get(user_id)
        if user is None:
            return False
        return self.everything or any(org.contains(unit, user.unit) for unit in self.units)


def people_scope(principal: Principal) -> PeopleScope:
    """The people the caller sees and whose absences it keeps: the administrator everyone,
    a township leader its township's, anyone else nobody."""
    if principal.has_role(ADMIN_ROLE):
        return PeopleScope(everything=True)
    if principal.has_role(ASSIGNING_ROLE):
        return PeopleScope(units=frozenset({principal.unit}))
    return PeopleScope()


def sees_person(org: Organization, principal: Principal, user_id: str) -> bool:
    return people_scope(principal).reaches(org, user_id)


def absence_refusal(
    org: Organization, principal: Principal, user_id: str, action: Action
) -> Refusal | None:
    """Why the caller may not see (``SEE_PEOPLE``) or register and end (``MANAGE_ABSENCES``)
    the absences of ``user_id``; None: it may. Someone outside the caller's people is out
    of scope (answered like a missing object), so nobody's existence can be probed."""
    if sees_person(org, principal, user_id):
        return None
    return refuse(action, principal, Reason.OUT_OF_SCOPE, subject=user_id)
