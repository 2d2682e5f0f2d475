"""The county's people as the administrator and township leaders read them (人员与岗位):
each user's roles, unit, A/B partner or stand-in, whether absent today and who stands in,
and for the administrator the account (password, login lock, live tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.absences import AbsenceService
from engine.identity import IdentityService
from engine.policy import PeopleScope
from engine.records import AccountStatus
from processes.org import Organization, User


@dataclass(frozen=True)
class PeopleQuery:
    """Narrows the people of a scope (all optional, combined with AND)."""

    unit: str | None = None  # their unit lies in this one (a township: its villages too)
    role: str | None = None  # they hold this role
    text: str | None = None  # their id or name contains this (any case)


@dataclass(frozen=True)
class Person:
    user: User
    absent_today: bool
    deputy_today: User | None  # who stands in today (absent only, the deputy present)
    account: AccountStatus | None  # None: the caller may not see accounts


class PeopleService:
    def __init__(self, absences: AbsenceService, identity: IdentityService) -> None:
        self.absences = absences
        self.identity = identity

    def find(
        self,
        scope: PeopleScope,
        query: PeopleQuery,
        offset: int = 0,
        limit: int = 50,
        with_accounts: bool = False,
    ) -> tuple[list[Person], int]:
        """The people of ``scope`` matching ``query``, by unit then id: a page and the total;
        ``with_accounts``: each one's account too (the administrator's view)."""
        org = self.absences.organization()
        found = [u for u in sorted(org.users.values(), key=_order) if _keeps(org, scope, query, u)]
        page = found[offset : offset + limit]
        accounts = self.identity.accounts([u.id for u in page]) if with_accounts and page else {}
        today = self.absences.today()
        return [_person(org, u, today, accounts.get(u.id)) for u in page], len(found)


def _order(user: User) -> tuple[str, str]:
    return user.unit, user.id


def _keeps(org: Organization, scope: PeopleScope, query: PeopleQuery, user: User) -> bool:
    if not scope.reaches(org, user.id):
        return False
    if query.unit is not None and not org.contains(query.unit, user.unit):
        return False
    if query.role is not None and query.role not in user.roles:
        return False
    text = (query.text or "").casefold()
    return not text or text in user.id.casefold() or text in user.name.casefold()


def _person(org: Organization, user: User, today: date, account: AccountStatus | None) -> Person:
    return Person(user, org.is_absent(user.id, today), org.stand_in(user.id, today), account)
