"""The commands on cases: start one, complete a task, deliver a message, cancel, claim,
release and assign; each one change (``engine.cases.changes``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from engine.cases.changes import CaseChanges, due_date_of
from engine.cases.task_index import assessment_since, county_since, task_records
from engine.cases.views import CaseView, case_view
from engine.clock import SHANGHAI, read_clock
from engine.definitions.registry import DefinitionRegistry
from engine.errors import ConflictError, DataValidationError
from engine.history import GENESIS, seal
from engine.logs import get_logger
from engine.messages import validate_payload
from engine.metrics import CASES_STARTED
from engine.records import Actor, CaseRecord, OpenTasks
from engine.records.cases import applicant_keys, applicant_phone_tail
from engine.routing import Routing, case_number
from engine.runtime.case import OPEN, EventInput, LiveCase, start_case
from engine.runtime.snapshot import pack, state_digest

log = get_logger(__name__)

SYSTEM = Actor("system")


# Whether user ``user`` works in org unit ``unit`` (a case's township): set by the engine,
# which has the organisation; None (a bare case service) accepts any name.
StaffCheck = Callable[[str | None, str], bool]


class CaseCommands:
    def __init__(self, changes: CaseChanges, registry: DefinitionRegistry) -> None:
        self.changes = changes
        self.registry = registry
        self.store, self.clock, self.cache = changes.store, changes.clock, changes.cache
        self.staff_check: StaffCheck | None = None

    def _staff_of(self, unit: str | None) -> Callable[[str], bool]:
        check = self.staff_check
        return (lambda user: True) if check is None else (lambda user: check(unit, user))

    def start(
        self,
        process_id: str,
        data: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        *,
        item_code: str | None = None,
        org_unit: str | None = None,
        due_date: date | None = None,
        idempotency_key: str | None = None,
        routing: Routing | None = None,
    ) -> CaseView:
        """Start a case on the newest version of ``process_id``.

        ``routing`` says which units act on it; ``org_unit`` alone is the township. The
        applicant of ``data`` (a registration's) is kept on the case row for the case
        list's search (办件查询: name, the ID number's last characters, the
        phone's last four digits)."""
        routing = routing or Routing(township=org_unit)
        org_unit = routing.township
        if idempotency_key:
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing
        while True:
            version = self.registry.newest(process_id)  # confirmed in the transaction below
            compiled = self.registry.compiled(version.hash)
            uid = uuid.uuid4().hex
            payload = {
                "process_id": process_id,
                "definition_hash": version.hash,
                "data": data or {},
                "item_code": item_code,
                "org_unit": org_unit,
                "routing": asdict(routing),
            }
            applicant_name, applicant_id_tail = applicant_keys(data or {})
            reading = read_clock(self.clock)
            event = EventInput(1, "case_started", reading.at, payload, actor.user)
            live = start_case(compiled, uid, event)
            state = live.state()
            sealed, payload_json = seal(
                case_uid=uid,
                case_id=0,
                seq=1,
                type=event.type,
                at=event.at,
                payload=payload,
                actor=actor,
                prev_hash=GENESIS,
                state_digest=state_digest(state),
                clock_offset=reading.offset,
            )
            record = CaseRecord(
                id=0,
                uid=uid,
                process_id=process_id,
                definition_hash=version.hash,
                status=live.status,
                version=1,
                last_seq=1,
                last_hash=sealed.hash,
                snapshot=pack(state),
                created_at=event.at,
                updated_at=event.at,
                item_code=item_code,
                org_unit=org_unit,
                due_date=due_date or due_date_of(live),
                next_timer_at=live.next_timer_at(),
                closed_at=None if live.status == OPEN else event.at,
                idempotency_key=idempotency_key,
                village=routing.village,
                department=routing.department,
                registered_unit=routing.registered_unit,
                assessment_unit=routing.assessment,
                applicant_name=applicant_name,
                applicant_id_tail=applicant_id_tail,
                applicant_phone_tail=applicant_phone_tail(data or {}),
            )
            try:
                with self.store.unit_of_work(operation="case_started") as uow:
                    if not self.registry.is_newest(uow, version):
                        continue  # deployed anew since it was read: start on the newer one
                    day = event.at.astimezone(SHANGHAI).strftime("%Y%m%d")
                    record.case_number = case_number(
                        routing, event.at, uow.cases.next_sequence(routing.region, day)
                    )
                    record.county_since = county_since(record, live, event.at)
                    record.assessment_since = assessment_since(record, live, event.at)
                    record.id = uow.case_id = uow.cases.insert(record)
                    uow.events.append([replace(sealed, case_id=record.id)], [payload_json])
                    rows = task_records(record, live, 1, event.at, {})
                    none_yet = OpenTasks()
                    change = uow.tasks.replace(record.id, rows, 1, existing=none_yet)
                    if self.changes.keep_figures is not None:
                        self.changes.keep_figures(uow, None, record, change, [sealed])
                    self.changes.observe(uow, None, record, live, event)
                    self.changes.commit(uow)
            except ConflictError:
                if idempotency_key:
                    existing = self._by_key(idempotency_key)
                    if existing is not None:
                        return existing
                raise
            break
        self.cache.put(record, live, none_yet.after(rows))
        self.changes.meter.count(CASES_STARTED)
        self.changes.counted(None, record, "case_started")
        log.info(
            "case_started",
            case=record.id,
            process=process_id,
            item=item_code,
            unit=org_unit,
            user=actor.user,
        )
        return replace(case_view(record, live), task_rows=rows)

    def complete_task(
        self,
        case_id: int,
        task_id: str,
        data: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        acting_for: str | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """Complete a ready user task with form data (validated against its form).

        ``acting_for``: the absent colleague whose claimed task a stand-in completes
        (the caller checks the absence register); recorded in the event. ``seen``, here
        and in the other commands: the case row as the caller has just read it
        (``CaseChanges.apply``)."""

        def validate(record: CaseRecord, live: LiveCase) -> dict[str, Any]:
            payload = _validated(live, task_id, data or {}, self._staff_of(record.org_unit))
            return {**payload, "acting_for": acting_for} if acting_for else payload

        return self.changes.apply(
            case_id,
            "task_completed",
            {"task_id": task_id},
            actor,
            expected_version,
            validate,
            seen=seen,
        )[0]

    def deliver_message(
        self,
        case_id: int,
        name: str,
        payload: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """Deliver message ``name``; its payload checked first (``engine.messages``): a
        payload that does not match is refused and nothing is delivered."""
        body = {"name": name, "payload": {} if payload is None else payload}

        def validate(record: CaseRecord, live: LiveCase) -> dict[str, Any]:
            return {"name": name, "payload": validate_payload(name, body["payload"])}

        return self.changes.apply(
            case_id, "message_received", body, actor, expected_version, validate, seen=seen
        )[0]

    def cancel(
        self,
        case_id: int,
        reason: str,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        if not reason.strip():
            raise DataValidationError("请填写撤销原因", {"reason": "必填"})
        body = {"reason": reason}
        return self.changes.apply(
            case_id, "case_cancelled", body, actor, expected_version, seen=seen
        )[0]

    def claim(
        self,
        case_id: int,
        task_id: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """Take a ready task (认领): from now on only ``actor`` may complete it."""
        body = {"task_id": task_id}
        return self.changes.apply(
            case_id, "task_claimed", body, actor, expected_version, seen=seen
        )[0]

    def release(
        self,
        case_id: int,
        task_id: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """Give a claimed task back to the queue."""
        body = {"task_id": task_id}
        return self.changes.apply(
            case_id, "task_released", body, actor, expected_version, seen=seen
        )[0]

    def assign(
        self,
        case_id: int,
        task_id: str,
        user: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """Assign a ready task to ``user`` (a leader reassigning work, e.g. to a B post)."""
        body = {"task_id": task_id, "user": user}
        return self.changes.apply(
            case_id, "task_assigned", body, actor, expected_version, seen=seen
        )[0]

    def _by_key(self, key: str) -> CaseView | None:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.by_idempotency_key(key)
        return case_view(record, self.cache.load(record)) if record else None


def _validated(
    live: LiveCase, task_id: str, data: dict[str, Any], staff: Callable[[str], bool]
) -> dict[str, Any]:
    task = next((t for t in live.ready_tasks() if t.id == task_id), None)
    if task is None:
        return {"task_id": task_id, "data": data}  # apply() reports missing/closed task
    form = live.compiled.form(task.process_id, task.spec_id)
    if form is None:
        return {"task_id": task_id, "data": data}
    clean, errors = form.narrowed(live.data()).validate(data)
    for spec in form.fields:
        if spec.people and spec.name in clean and not staff(clean[spec.name]):
            errors[spec.name] = "不是本乡镇（街道）的工作人员（应填其用户名）"
    if errors:
        raise DataValidationError("表单数据有误", errors)
    return {"task_id": task_id, "data": clean}
