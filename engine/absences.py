"""The absence register (离岗登记): who is away from work when, so that while an A post is
away its B post (an agent's stand-in) works its tasks.

Absences come from two places: the organisation file (``absences:``, edited there) and the
register in the database, where the administrator (anyone) or a township leader (the
people of its township) registers an absence and its return (返岗) through the API. What
the policy, the work queues, the candidates of a task and assignment see is the
organisation with both (``organization``): the register is read again for every request
(one indexed query of the absences not over yet), so a registration counts at once in
every process and every worker sharing the database; the organisation built from it is
kept while the register reads the same, so its lookups are not rebuilt per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.clock import SHANGHAI, Clock
from engine.errors import AbsenceInOrgFile, AbsenceOverlap, DataValidationError, InvalidState
from engine.identity import Principal
from engine.logs import get_logger
from engine.policy import Action, PeopleScope, absence_refusal, people_scope
from engine.records import AbsenceRecord, absence_status
from engine.records.absences import CURRENT, ORG_FILE, REGISTER, UPCOMING, WITHDRAWN
from engine.store import Store, UnitOfWork
from engine.store.absences import absence_not_found
from processes.org import Absence, Organization, User

log = get_logger(__name__)

MAX_DAYS = 366  # the longest period one registration covers
MAX_REASON = 200


@dataclass(frozen=True)
class AbsenceView:
    """An absence as the register lists it: from the organisation file (``id`` None) or
    registered (``record``); ``last_day`` as registered, ``status`` as of the day read."""

    source: str  # ORG_FILE or REGISTER
    user: User
    first_day: date
    last_day: date
    reason: str
    status: str  # engine.records.ABSENCE_STATUSES
    deputy: User | None  # who takes over (the A/B partner or the agent's stand-in)
    record: AbsenceRecord | None = None  # a registered one: id, return, who recorded it

    @property
    def id(self) -> int | None:
        return self.record.id if self.record is not None else None


@dataclass(frozen=True)
class NewAbsence:
    user_id: str
    first_day: date
    last_day: date
    reason: str


def registered_since(day: date) -> date:
    """The last day of the oldest absence ``registered`` gives on ``day``: from the day
    before on, as a request at midnight may still ask about it."""
    return day - timedelta(days=1)


class AbsenceService:
    """Registers and ends absences, lists them in the caller's scope, and gives the
    organisation with the registered ones (``organization``)."""

    def __init__(self, store: Store, clock: Clock, org: Organization) -> None:
        self.store = store
        self.clock = clock
        self.org = org  # the organisation file's: units, staff and its own absences
        self._built: tuple[tuple[Absence, ...], Organization] | None = None

    def today(self) -> date:
        """The engine's day in Shanghai (a training database's clock included)."""
        return self.clock.now().astimezone(SHANGHAI).date()

    # -- the organisation as it stands now -----------------------------------------------
    def organization(self) -> Organization:
        """The organisation file's with the registered absences that are not over: what
        the policy decides with. Read from the database on every call."""
        day = self.today()
        with self.store.unit_of_work(write=False) as uow:
            records = self.registered(uow, day)
        return self.with_registered(records)

    def registered(self, uow: UnitOfWork, day: date) -> list[AbsenceRecord]:
        """The registered absences not over by ``day``, read in ``uow``."""
        return uow.absences.since(registered_since(day))

    def with_registered(self, records: list[AbsenceRecord]) -> Organization:
        """The organisation file's with ``records`` (``registered``) added."""
        registered = tuple(
            Absence(r.user_id, r.first_day, r.effective_last_day, r.reason)
            for r in records
            if not r.withdrawn
        )
        built = self._built
        if built is not None and built[0] == registered:
            return built[1]
        org = self.org.with_absences(registered)
        self._built = (registered, org)
        return org

    # -- reading -------------------------------------------------------------------------
    def find(
        self,
        principal: Principal,
        user_id: str | None = None,
        everything: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[AbsenceView], int]:
        """The absences of the people the caller sees (``user_id``: of that user only):
        current and upcoming ones, or with ``everything`` past and withdrawn ones too;
        by first day, then user; a page and the total."""
        scope = people_scope(principal)
        today = self.today()
        with self.store.unit_of_work(write=False) as uow:
            records = uow.absences.since(None if everything else today)
        views = [self._from_file(a, today) for a in self.org.absences]
        views += [self._registered(r, today) for r in records]
        found = sorted(
            (
                v
                for v in views
                if scope.reaches(self.org, v.user.id)
                and (user_id is None or v.user.id == user_id)
                and (everything or v.status in (CURRENT, UPCOMING))
            ),
            key=lambda v: (v.first_day, v.user.id, v.id or 0),
        )
        return found[offset : offset + limit], len(found)

    # -- writing -------------------------------------------------------------------------
    def register(self, principal: Principal, new: NewAbsence) -> AbsenceView:
        """Register an absence of one of the caller's people (``people_scope``). Every
        problem of the request is reported at once (``DataValidationError``): someone the
        caller does not keep (not told apart from nobody), who has no deputy, an empty
        reason, a period that ends before it starts, is over or is longer than
        ``MAX_DAYS``. A period overlapping another absence of the user is
        ``AbsenceOverlap`` (one of the organisation file: ``AbsenceInOrgFile``)."""
        today = self.today()
        errors = self._check(principal, new, today)
        if errors:
            log.info("absence_refused", user=principal.user_id, fields=",".join(sorted(errors)))
            raise DataValidationError(f"离岗登记有 {len(errors)} 处错误", errors)
        for absence in self.org.absences:
            if absence.user == new.user_id and _overlap(absence, new):
                raise AbsenceInOrgFile(
                    f"与组织机构文件中的离岗登记（{absence.first_day} 至 {absence.last_day}，"
                    f"{absence.reason}）重叠；组织机构文件中的离岗只能在该文件中修改"
                )
        now = self.clock.now()
        with self.store.unit_of_work(operation="absence_registered") as uow:
            uow.absences.lock_user(new.user_id)
            for other in uow.absences.since(new.first_day, [new.user_id]):
                if not other.withdrawn and _overlap(_covered(other), new):
                    raise AbsenceOverlap(
                        f"该人员已登记 {other.first_day} 至 {other.effective_last_day} 离岗"
                        f"（{other.reason}，编号 {other.id}），与本次登记重叠；"
                        "请先登记其返岗或改登记其他日期"
                    )
            record = AbsenceRecord(
                id=0,
                user_id=new.user_id,
                first_day=new.first_day,
                last_day=new.last_day,
                reason=new.reason.strip(),
                recorded_by=principal.user_id,
                recorded_at=now,
            )
            record = AbsenceRecord(**{**vars(record), "id": uow.absences.add(record)})
            uow.commit()
        log.info(
            "absence_registered",
            absence=record.id,
            user=new.user_id,
            by=principal.user_id,
            first=str(new.first_day),
            last=str(new.last_day),
        )
        return self._registered(record, today)

    def end(self, principal: Principal, absence_id: int, on: date | None = None) -> AbsenceView:
        """Register the return (返岗) of an absence: from ``on`` (default: today) it no longer
        covers anything; on or before its first day it is withdrawn. Out of the caller's
        scope (or no such absence): ``NotFound``; ended already or over:
        ``InvalidState``; ``on`` after its last day: ``DataValidationError`` (``on``);
        the user still away on ``on`` by the organisation file: ``AbsenceInOrgFile``."""
        today = self.today()
        returned = on or today
        with self.store.unit_of_work(operation="absence_ended") as uow:
            record = uow.absences.get(absence_id)
            if absence_refusal(self.org, principal, record.user_id, Action.MANAGE_ABSENCES):
                raise absence_not_found(absence_id)
            if record.ended_at is not None:
                raise InvalidState(
                    f"该离岗登记已于 {record.returned_on} 登记返岗（{record.ended_by}），不能再次登记"
                )
            if record.last_day < today:
                raise InvalidState(f"该离岗已于 {record.last_day} 结束，无需登记返岗")
            if returned > record.last_day:
                raise DataValidationError(
                    "返岗日期有误",
                    {"on": f"返岗日期 {returned} 晚于离岗结束日期 {record.last_day}，无需登记返岗"},
                )
            for absence in self.org.absences:
                if absence.user == record.user_id and absence.covers(returned):
                    raise AbsenceInOrgFile(
                        f"组织机构文件登记该人员 {absence.first_day} 至 {absence.last_day} 离岗"
                        f"（{absence.reason}），{returned} 仍在离岗；须在组织机构文件中修改"
                    )
            now = self.clock.now()
            if not uow.absences.end(absence_id, returned, now, principal.user_id):
                raise InvalidState("该离岗登记已由他人登记返岗，请刷新")
            record = uow.absences.get(absence_id)
            uow.commit()
        log.info("absence_ended", absence=absence_id, by=principal.user_id, on=str(returned))
        return self._registered(record, today)

    # -- helpers -------------------------------------------------------------------------
    def _check(self, principal: Principal, new: NewAbsence, today: date) -> dict[str, str]:
        errors: dict[str, str] = {}
        scope: PeopleScope = people_scope(principal)
        user = self.org.users.get(new.user_id)
        if user is None or not scope.reaches(self.org, new.user_id):
            errors["user"] = "组织机构中没有这个用户" if scope.everything else "本乡镇没有这个用户"
        elif user.deputy is None:
            errors["user"] = "没有指定 B 岗或替岗人，离岗期间无人接替，不能登记离岗"
        reason = new.reason.strip()
        if not reason:
            errors["reason"] = "必填"
        elif len(reason) > MAX_REASON:
            errors["reason"] = f"最多 {MAX_REASON} 个字"
        if new.last_day < new.first_day:
            errors["to"] = f"结束日期 {new.last_day} 早于开始日期 {new.first_day}"
        elif new.last_day < today:
            errors["to"] = f"结束日期 {new.last_day} 已过（今天是 {today}）"
        elif (new.last_day - new.first_day).days + 1 > MAX_DAYS:
            errors["to"] = f"一次登记最多 {MAX_DAYS} 天"
        return errors

    def _view(
        self, source: str, user_id: str, first: date, last: date, reason: str, **more: Any
    ) -> AbsenceView:
        user = self.org.users.get(user_id) or User(user_id, user_id, (), "")
        deputy = self.org.users.get(user.deputy) if user.deputy else None
        return AbsenceView(source, user, first, last, reason, deputy=deputy, **more)

    def _from_file(self, absence: Absence, today: date) -> AbsenceView:
        status = absence_status(absence.first_day, absence.last_day, today)
        return self._view(
            ORG_FILE,
            absence.user,
            absence.first_day,
            absence.last_day,
            absence.reason,
            status=status,
        )

    def _registered(self, record: AbsenceRecord, today: date) -> AbsenceView:
        status = absence_status(record.first_day, record.effective_last_day, today)
        return self._view(
            REGISTER,
            record.user_id,
            record.first_day,
            record.last_day,
            record.reason,
            status=WITHDRAWN if record.withdrawn else status,
            record=record,
        )


def _covered(record: AbsenceRecord) -> Absence:
    return Absence(record.user_id, record.first_day, record.effective_last_day, record.reason)


def _overlap(absence: Absence, new: NewAbsence) -> bool:
    return absence.first_day <= new.last_day and new.first_day <= absence.last_day
