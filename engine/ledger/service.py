"""``LedgerService``: reading the ledger in the caller's scope, recording an issue and
appending the entries of 三转 (answer, transfer, resolve, reopen), each in one unit of work
and logged with identifiers only.

Who may see or handle an issue is the policy's (``engine.policy``); what is valid is
``checks``'s; what an entry does to the issue is ``lifecycle``'s; the figures are
``counts``'s.
"""

from __future__ import annotations

import hashlib
from datetime import date

from engine.clock import SHANGHAI, Clock
from engine.errors import ConflictError, DataValidationError, Forbidden, InvalidState
from engine.identity import Principal
from engine.labels import ISSUE_LEVELS as LEVELS
from engine.ledger.checks import NewIssue, check_entry, check_new
from engine.ledger.counts import LedgerCounts, count_per_unit
from engine.ledger.lifecycle import IssueView, advance, check_allowed
from engine.logs import get_logger
from engine.policy import Action, Reason, issue_refusal, issue_scope
from engine.records import EntryRecord, IssueRecord, LedgerQuery, LedgerScope
from engine.store import Store
from engine.store.ledger import issue_not_found
from processes.org import Organization

log = get_logger(__name__)

_LOGGED_AS = {  # the log line of each kind of entry
    "answer": "issue_answered",
    "transfer": "issue_transferred",
    "resolve": "issue_resolved",
    "reopen": "issue_reopened",
}
NUMBER_PREFIX = "TZ"  # 台账: an issue number never reads as a case number


class ReadOnly(Forbidden):
    """The caller sees the issue but may change nothing (supervisors)."""

    code = "read_only"


class NotHeldHere(Forbidden):
    """The issue is held at another level (or another unit) than the caller's."""

    code = "not_held_here"


class LedgerService:
    def __init__(self, store: Store, clock: Clock, org: Organization) -> None:
        self.store = store
        self.clock = clock
        self.org = org

    # -- reading -------------------------------------------------------------------------
    def get(self, principal: Principal, issue_id: int) -> IssueView:
        """The issue and its entries; ``NotFound`` outside the caller's scope."""
        with self.store.unit_of_work(write=False) as uow:
            issue = uow.ledger.get(issue_id)
            if issue_refusal(principal, issue, Action.SEE_ISSUE) is not None:
                raise issue_not_found(issue_id)
            return IssueView(issue, tuple(uow.ledger.entries(issue_id)))

    def find(
        self, principal: Principal, query: LedgerQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[IssueRecord], int]:
        """Issues in the caller's scope matching ``query``, newest first, and their total."""
        return self.search(issue_scope(principal), query, offset, limit)

    def search(
        self, scope: LedgerScope, query: LedgerQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[IssueRecord], int]:
        with self.store.unit_of_work(write=False) as uow:
            return uow.ledger.find(scope, query, offset, limit)

    def issue(self, issue_id: int) -> IssueView:
        """An issue and its entries, unscoped (the command line, tests)."""
        with self.store.unit_of_work(write=False) as uow:
            return IssueView(uow.ledger.get(issue_id), tuple(uow.ledger.entries(issue_id)))

    # -- writing -------------------------------------------------------------------------
    def record(
        self, principal: Principal, new: NewIssue, idempotency_key: str | None = None
    ) -> IssueView:
        """A village agent records a resident's issue for its own village (转录台账).

        Every problem is reported at once, field by field. ``idempotency_key``: the same
        caller retrying with the same key gets the issue it recorded first."""
        errors = check_new(self.org, principal, new)
        if errors:
            log.info("issue_refused", action="record", user=principal.user_id, fields=len(errors))
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
                sequence = uow.ledger.next_sequence(new.village, day)
                record.number = f"{NUMBER_PREFIX}{new.village}{day}{sequence:04d}"
                record.id = uow.ledger.insert(record)
                entry = EntryRecord(
                    issue_id=record.id,
                    seq=1,
                    type="recorded",
                    level="village",
                    actor=principal.user_id,
                    at=now,
                    note="",
                )
                uow.ledger.append_entry(entry)
                uow.commit()
        except ConflictError:
            if key is not None:
                found = self._by_key(key)
                if found is not None:
                    return found
            raise
        log.info("issue_recorded", issue=record.id, village=record.village, user=principal.user_id)
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
        inclusive, Beijing time); ``count_per_unit`` defines them."""
        return count_per_unit(self.store, self.org, start, end, group_by, units)

    # -- internals -----------------------------------------------------------------------
    def _act(
        self,
        principal: Principal,
        issue_id: int,
        action: str,
        note: str,
        department: str | None = None,
    ) -> IssueView:
        """Append one entry (``action``) to the issue, logged with identifiers only."""
        try:
            view = self._append(principal, issue_id, action, note, department)
        except (ConflictError, InvalidState, DataValidationError) as error:
            refused = "issue_conflict" if isinstance(error, ConflictError) else "issue_refused"
            log.info(
                refused, issue=issue_id, action=action, user=principal.user_id, code=error.code
            )
            raise
        issue = view.issue
        log.info(
            _LOGGED_AS[action],
            issue=issue_id,
            seq=issue.last_seq,
            level=issue.level,
            department=issue.department,
            user=principal.user_id,
        )
        return view

    def _append(
        self,
        principal: Principal,
        issue_id: int,
        action: str,
        note: str,
        department: str | None,
    ) -> IssueView:
        with self.store.unit_of_work() as uow:
            issue = uow.ledger.get(issue_id)
            self._may_act(principal, issue)
            errors = check_entry(self.org, issue, action, note, department)
            check_allowed(issue, action)
            if errors:
                raise DataValidationError(f"有 {len(errors)} 处错误", errors)
            now = self.clock.now()
            entries = uow.ledger.entries(issue_id)
            entry, updated = advance(
                issue, entries, action, principal.user_id, now, note, department
            )
            # The row first: a concurrent writer waits on it, then finds it moved on (409).
            uow.ledger.advance(updated, issue.last_seq)
            uow.ledger.append_entry(entry)
            uow.commit()
        return IssueView(updated, (*entries, entry))

    def _may_act(self, principal: Principal, issue: IssueRecord) -> None:
        """Raise unless the policy lets the caller handle the issue: ``NotFound`` outside
        its scope, ``ReadOnly`` for the supervisor, ``NotHeldHere`` elsewhere."""
        refusal = issue_refusal(principal, issue, Action.HANDLE_ISSUE)
        if refusal is None:
            return
        if refusal.reason is Reason.OUT_OF_SCOPE:
            raise issue_not_found(issue.id)
        if refusal.reason is Reason.READ_ONLY:
            raise ReadOnly(refusal.message)
        where = LEVELS[issue.level]
        if issue.level == "county" and issue.department is not None:
            unit = self.org.units.get(issue.department)
            where = unit.name if unit is not None else where
        raise NotHeldHere(f"该问题当前由{where}办理，您不能处理", level=issue.level)

    def _by_key(self, key: str) -> IssueView | None:
        with self.store.unit_of_work(write=False) as uow:
            issue = uow.ledger.by_key(key)
            if issue is None:
                return None
            return IssueView(issue, tuple(uow.ledger.entries(issue.id)))
