"""The issue ledger (问题台账) and its 三转.

Village staff collect residents' issues at the Monday meeting (碰头会), on their rounds
(下村“三带”, 下组“三听”), by phone or at the service point, and 汇总“三转”: record every
issue in the ledger (转录台账); answer at the village what the village can solve and tell
the resident the result (转反映群众); pass on to the township what it cannot (转乡上). The
township answers or resolves it, or passes it on to a county department.

An issue's life is an append-only list of entries, each with actor, time and note:

* ``recorded`` — at the village; the issue is ``open``.
* ``answer`` — whoever holds the issue tells the resident the result; ``answered``, waiting
  for the resident's word.
* ``transfer`` — village → its township, or township → a county department; ``open``
  there.
* ``resolve`` — the resident's problem is solved (from ``open`` or ``answered``);
  ``resolved``.
* ``reopen`` — the resident is not satisfied with the answer or the resolution; ``open``
  again where it was.

Status, level (village, township, county) and department are derived from the entries
(``derive``); the issue row keeps them for listing and scoping, written in the same
transaction as the entry. Entries are never changed: database triggers refuse UPDATE and
DELETE on them, and DELETE on issues.

Scope is that of cases (DESIGN invariant 8): a village agent sees its village's issues,
township staff (and mobile agents) their township's, a county officer those transferred to
their department, a supervisor all of them, read-only; designers and administrators none.
Outside the scope an issue does not exist (``NotFound``). Only who holds the issue's
current level may write: the village's agents, the township's staff, the department's
officers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from engine.clock import SHANGHAI, Clock
from engine.errors import ConflictError, DataValidationError, Forbidden, InvalidState
from engine.identity import Principal
from engine.store import Store
from engine.store.ledger import (
    EntryRecord,
    IssueRecord,
    LedgerQuery,
    LedgerScope,
    UnitFigures,
    issue_not_found,
)
from processes.org import ROLE_UNIT_KINDS, Organization

CATEGORIES = {  # 下组“三听”: 工作情况、产业发展难题、困难群众民生
    "livelihood": "民生保障",
    "industry": "产业发展",
    "infrastructure": "基础设施",
    "land": "土地林地",
    "dispute": "矛盾纠纷",
    "environment": "环境卫生",
    "policy": "政策咨询",
    "other": "其他",
}
SOURCES = {
    "meeting": "碰头会",
    "visit": "走访",
    "phone": "来电",
    "window": "代办点窗口",
    "courtyard": "院坝会",
    "other": "其他",
}
STATUSES = {"open": "办理中", "answered": "已答复", "resolved": "已解决"}
LEVELS = {"village": "村（社区）", "township": "乡镇", "county": "县级部门"}
ENTRY_TYPES = {
    "recorded": "登记",
    "answer": "答复群众",
    "transfer": "转办",
    "resolve": "办结",
    "reopen": "重新办理",
}
ACTIONS = ("answer", "transfer", "resolve", "reopen")
GROUPS = ("county", "township", "village")
_AFTER: dict[str, str] = {  # the status each kind of entry leaves the issue in
    "recorded": "open",
    "answer": "answered",
    "transfer": "open",
    "resolve": "resolved",
    "reopen": "open",
}
_ALLOWED_FROM: dict[str, frozenset[str]] = {
    "answer": frozenset({"open"}),
    "transfer": frozenset({"open"}),
    "resolve": frozenset({"open", "answered"}),
    "reopen": frozenset({"answered", "resolved"}),
}
_NEXT_LEVEL = {"village": "township", "township": "county"}
READ_ONLY_ROLES = frozenset({"supervisor"})
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
MAX_NAME = 50
MAX_CONTENT = 2000
MAX_NOTE = 1000
NUMBER_PREFIX = "TZ"  # 台账: an issue number never reads as a case number


class ReadOnly(Forbidden):
    """The caller sees the issue but may change nothing (supervisors)."""

    code = "read_only"


class NotHeldHere(Forbidden):
    """The issue is held at another level (or another unit) than the caller's."""

    code = "not_held_here"


@dataclass(frozen=True)
class NewIssue:
    """What a village agent records."""

    village: str
    resident_name: str
    category: str
    content: str
    source: str
    resident_phone: str | None = None


@dataclass(frozen=True)
class IssueView:
    issue: IssueRecord
    entries: tuple[EntryRecord, ...]


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


@dataclass(frozen=True)
class Derived:
    level: str
    status: str
    department: str | None


def derive(entries: Iterable[EntryRecord]) -> Derived:
    """An issue's level, status and department, from its entries alone."""
    level, status, department = "village", "open", None
    for entry in entries:
        status = _AFTER[entry.type]
        level = entry.level
        if entry.type == "transfer" and entry.level == "county":
            department = entry.department
    return Derived(level, status, department)


def ledger_scope(principal: Principal) -> LedgerScope:
    if principal.has_role(*READ_ONLY_ROLES):
        return LedgerScope(everything=True)
    kinds = {kind for role in principal.roles for kind in ROLE_UNIT_KINDS.get(role, ())}
    unit = frozenset({principal.unit})
    return LedgerScope(
        villages=unit if kinds & {"village", "community"} else frozenset(),
        townships=unit if "township" in kinds else frozenset(),
        departments=unit if "department" in kinds else frozenset(),
    )


def sees_issue(principal: Principal, issue: IssueRecord) -> bool:
    scope = ledger_scope(principal)
    return (
        scope.everything
        or issue.village in scope.villages
        or issue.township in scope.townships
        or (issue.department is not None and issue.department in scope.departments)
    )


def holds_issue(principal: Principal, issue: IssueRecord) -> bool:
    """Whether the caller acts at the issue's current level: the village's agents, the
    township's staff or mobile agents, the department's county officers."""
    if issue.level == "village":
        return principal.has_role("village_agent") and principal.unit == issue.village
    if issue.level == "township":
        roles = [r for r, kinds in ROLE_UNIT_KINDS.items() if "township" in kinds]
        return principal.has_role(*roles) and principal.unit == issue.township
    return principal.has_role("county_officer") and principal.unit == issue.department


def actions_for(principal: Principal, issue: IssueRecord) -> list[str]:
    """What the caller may do to the issue now (empty for read-only callers)."""
    if not holds_issue(principal, issue):
        return []
    return [
        action
        for action in ACTIONS
        if issue.status in _ALLOWED_FROM[action]
        and not (action == "transfer" and issue.level not in _NEXT_LEVEL)
    ]


class LedgerService:
    def __init__(self, store: Store, clock: Clock, org: Organization) -> None:
        self.store = store
        self.clock = clock
        self.org = org

    # -- reading -------------------------------------------------------------------------
    def get(self, principal: Principal, issue_id: int) -> IssueView:
        """The issue and its entries; ``NotFound`` outside the caller's scope."""
        with self.store.unit_of_work(write=False) as uow:
            issue = uow.ledger_issue(issue_id)
            if not sees_issue(principal, issue):
                raise issue_not_found(issue_id)
            return IssueView(issue, tuple(uow.ledger_entries(issue_id)))

    def find(
        self, principal: Principal, query: LedgerQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[IssueRecord], int]:
        """Issues in the caller's scope matching ``query``, newest first, and their total."""
        return self.search(ledger_scope(principal), query, offset, limit)

    def search(
        self, scope: LedgerScope, query: LedgerQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[IssueRecord], int]:
        with self.store.unit_of_work(write=False) as uow:
            return uow.find_ledger_issues(scope, query, offset, limit)

    def issue(self, issue_id: int) -> IssueView:
        """An issue and its entries, unscoped (the command line, tests)."""
        with self.store.unit_of_work(write=False) as uow:
            return IssueView(uow.ledger_issue(issue_id), tuple(uow.ledger_entries(issue_id)))

    # -- writing -------------------------------------------------------------------------
    def record(
        self, principal: Principal, new: NewIssue, idempotency_key: str | None = None
    ) -> IssueView:
        """A village agent records a resident's issue for its own village (转录台账).

        Every problem is reported at once, field by field. ``idempotency_key``: the same
        caller retrying with the same key gets the issue it recorded first."""
        errors = self._check(principal, new)
        if errors:
            raise DataValidationError(f"问题登记有 {len(errors)} 处错误", errors)
        key = (
            hashlib.sha256(f"{principal.user_id}\0{idempotency_key}".encode()).hexdigest()
            if idempotency_key
            else None
        )
        if key is not None:
            found = self._by_key(key)
            if found is not None:
                return found
        township = self.org.township_of(new.village)
        assert township is not None  # checked
        now = self.clock.now()
        record = IssueRecord(
            id=0,
            number="",
            village=new.village,
            township=township.code,
            department=None,
            level="village",
            status="open",
            resident_name=new.resident_name.strip(),
            resident_phone=(new.resident_phone or "").strip() or None,
            category=new.category,
            content=new.content.strip(),
            source=new.source,
            recorded_by=principal.user_id,
            recorded_at=now,
            updated_at=now,
            last_seq=1,
            idempotency_key=key,
        )
        try:
            with self.store.unit_of_work() as uow:
                day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
                sequence = uow.next_issue_sequence(new.village, day)
                record.number = f"{NUMBER_PREFIX}{new.village}{day}{sequence:04d}"
                record.id = uow.insert_issue(record)
                entry = EntryRecord(record.id, 1, "recorded", "village", principal.user_id, now, "")
                uow.append_ledger_entry(entry)
                uow.commit()
        except ConflictError:
            if key is not None:
                found = self._by_key(key)
                if found is not None:
                    return found
            raise
        return IssueView(record, (entry,))

    def answer(self, principal: Principal, issue_id: int, note: str) -> IssueView:
        """Tell the resident the result (转反映群众): answered, waiting for the resident."""
        return self._act(principal, issue_id, "answer", note)

    def transfer(
        self, principal: Principal, issue_id: int, note: str, department: str | None = None
    ) -> IssueView:
        """Pass the issue on (转乡上): village → its township; township → ``department``."""
        return self._act(principal, issue_id, "transfer", note, department)

    def resolve(self, principal: Principal, issue_id: int, note: str) -> IssueView:
        return self._act(principal, issue_id, "resolve", note)

    def reopen(self, principal: Principal, issue_id: int, note: str) -> IssueView:
        """The resident is not satisfied: open again at the level that answered."""
        return self._act(principal, issue_id, "reopen", note)

    # -- figures -------------------------------------------------------------------------
    def counts(
        self,
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
        county = self.org.county.code
        if units is not None and county in units:
            units = None
        with self.store.unit_of_work(write=False) as uow:
            raw = uow.ledger_figures(
                _start_of(start), _start_of(end + timedelta(days=1)), group_by, units
            )
        if group_by == "county":
            raw = {county: raw[""]} if "" in raw else {}
            keys: list[str] = [county]
        else:
            keys = self._units(group_by, units)
        return {key: _counts(raw.get(key, UnitFigures())) for key in sorted({*keys, *raw})}

    # -- internals -----------------------------------------------------------------------
    def _units(self, group_by: str, units: frozenset[str] | None) -> list[str]:
        kinds = ("township",) if group_by == "township" else ("village", "community")
        return [
            unit.code
            for unit in self.org.of_kind(*kinds)
            if units is None
            or unit.code in units
            or (
                group_by == "village"
                and (township := self.org.township_of(unit.code)) is not None
                and township.code in units
            )
        ]

    def _act(
        self,
        principal: Principal,
        issue_id: int,
        action: str,
        note: str,
        department: str | None = None,
    ) -> IssueView:
        with self.store.unit_of_work() as uow:
            issue = uow.ledger_issue(issue_id)
            if not sees_issue(principal, issue):
                raise issue_not_found(issue_id)
            self._may_act(principal, issue)
            errors = self._check_note(note)
            if action == "transfer":
                errors.update(self._check_transfer(issue, department))
            elif department is not None:
                errors["department"] = "只有转办到县级部门时填写"
            if issue.status not in _ALLOWED_FROM[action]:
                raise InvalidState(
                    f"该问题{STATUSES[issue.status]}，不能{ENTRY_TYPES[action]}",
                    issue_id=issue_id,
                    status=issue.status,
                )
            if action == "transfer" and issue.level not in _NEXT_LEVEL:
                raise InvalidState("该问题已在县级部门办理，不能再转办", issue_id=issue_id)
            if errors:
                raise DataValidationError(f"有 {len(errors)} 处错误", errors)
            level = _NEXT_LEVEL[issue.level] if action == "transfer" else issue.level
            now = self.clock.now()
            entries = uow.ledger_entries(issue_id)
            entry = EntryRecord(
                issue_id,
                issue.last_seq + 1,
                action,
                level,
                principal.user_id,
                now,
                note.strip(),
                department if level == "county" and action == "transfer" else None,
            )
            derived = derive([*entries, entry])
            updated = replace(
                issue,
                level=derived.level,
                status=derived.status,
                department=derived.department,
                updated_at=now,
                last_seq=entry.seq,
            )
            # The row first: a concurrent writer waits on it, then finds it moved on (409).
            uow.advance_issue(updated, issue.last_seq)
            uow.append_ledger_entry(entry)
            uow.commit()
        return IssueView(updated, (*entries, entry))

    def _may_act(self, principal: Principal, issue: IssueRecord) -> None:
        if holds_issue(principal, issue):
            return
        if principal.has_role(*READ_ONLY_ROLES):
            raise ReadOnly("您对问题台账只有查看权限，不能办理")
        where = LEVELS[issue.level]
        if issue.level == "county" and issue.department is not None:
            unit = self.org.units.get(issue.department)
            where = unit.name if unit is not None else where
        raise NotHeldHere(f"该问题当前由{where}办理，您不能处理", level=issue.level)

    def _check(self, principal: Principal, new: NewIssue) -> dict[str, str]:
        errors: dict[str, str] = {}
        village = self.org.units.get(new.village)
        if village is None or village.kind not in ("village", "community"):
            errors["village"] = "应为本县一个村（社区）的 12 位区划代码"
        elif not principal.has_role("village_agent"):
            errors["village"] = "问题台账由村（社区）代办员登记"
        elif principal.unit != new.village:
            errors["village"] = "村（社区）代办员只能登记本村（社区）群众反映的问题"
        name = new.resident_name.strip()
        if not name:
            errors["resident.name"] = "必填"
        elif len(name) > MAX_NAME:
            errors["resident.name"] = f"不能超过 {MAX_NAME} 个字"
        phone = (new.resident_phone or "").strip()
        if phone and not _PHONE.match(phone):
            errors["resident.phone"] = "应为 11 位手机号或 0818-1234567 式座机号"
        if new.category not in CATEGORIES:
            errors["category"] = "取值应为：" + "、".join(CATEGORIES)
        content = new.content.strip()
        if not content:
            errors["content"] = "必填：群众反映的问题"
        elif len(content) > MAX_CONTENT:
            errors["content"] = f"不能超过 {MAX_CONTENT} 个字"
        if new.source not in SOURCES:
            errors["source"] = "取值应为：" + "、".join(SOURCES)
        return errors

    def _check_note(self, note: str) -> dict[str, str]:
        text = note.strip()
        if not text:
            return {"note": "必填：答复、转办或办结情况，或群众不满意的原因"}
        if len(text) > MAX_NOTE:
            return {"note": f"不能超过 {MAX_NOTE} 个字"}
        return {}

    def _check_transfer(self, issue: IssueRecord, department: str | None) -> dict[str, str]:
        if issue.level == "village":
            if department is not None:
                return {"department": "村上不能解决的事项转乡上，不直接转县级部门"}
            return {}
        if issue.level != "township":
            return {}
        unit = self.org.units.get(department or "")
        if not department:
            return {"department": "必填：乡镇转县级部门时须指定承办部门"}
        if unit is None or unit.kind != "department":
            return {"department": "不是本县的县级部门代码"}
        return {}

    def _by_key(self, key: str) -> IssueView | None:
        with self.store.unit_of_work(write=False) as uow:
            issue = uow.ledger_issue_by_key(key)
            if issue is None:
                return None
            return IssueView(issue, tuple(uow.ledger_entries(issue.id)))


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
