"""Yearly payout lists (年度发放清册): one case per village, item and year holds the list.

The steps are the process's (``common_batch_payout``); the lines are the history's
(``engine.batch.lines``). Here: opening a list, changing its lines in the step that
allows it, and the checks that hold a step until its list is right (``observe``, run in
the transaction of every change of a case: a refused change rolls back whole):

- the village submits (``compile``) a list with at least one line;
- the township's review ends with no line still objected to (each objection is settled
  by striking or correcting the line, a correction that changes nothing keeps it as is);
- an objection names a line on the list;
- the payment step ends when every line on the list has its result, paid or failed.

Who may do each is the policy's (``engine.policy.batch``); the caller asks it first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine import elements, labels
from engine.batch.checks import BatchInputs, NewLine, PaymentResult, strike_reason
from engine.batch.lines import BatchList, read_list
from engine.cases import CaseView
from engine.cases.task_index import task_key
from engine.errors import ConflictError, DataValidationError, InvalidState, NotFound
from engine.logs import get_logger
from engine.records import Actor, CaseRecord
from engine.routing import Routing
from engine.store import UnitOfWork
from processes.catalogue import Item

if TYPE_CHECKING:
    from engine import Engine
    from engine.runtime.case import EventInput, LiveCase

log = get_logger(__name__)

# The step a list is in: its open user task (else, open, it waits out the notice).
STEPS = {
    elements.BATCH_COMPILE.task: "compile",
    elements.BATCH_REVIEW.task: "review",
    elements.BATCH_POST.task: "post",
    elements.BATCH_APPROVAL.task: "approval",
    elements.BATCH_PAYMENT.task: "payment",
    elements.BATCH_PUBLISH.task: "publish",
}
LINE_STEPS = ("compile", "review")  # when lines may be added, struck, corrected


Decide = Callable[[UnitOfWork, CaseRecord, BatchList], dict[str, Any]]


@dataclass(frozen=True)
class BatchView:
    record: CaseRecord
    item: Item
    step: str
    list: BatchList


class BatchService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self._changes = engine.cases.changes

    # -- reading -----------------------------------------------------------------------
    def item_of(self, record: CaseRecord) -> Item:
        """The payout item of ``record``; NotFound for a case that is not a list."""
        item = self.engine.catalogue.get(record.item_code or "")
        if item is None or item.batch is None:
            raise NotFound(f"办件 {record.id} 不是年度发放清册", case_id=record.id)
        return item

    def view(self, record: CaseRecord) -> BatchView:
        item = self.item_of(record)
        with self.store.unit_of_work(write=False) as uow:
            return BatchView(record, item, _step(uow, record), _read(uow, record.id))

    # -- opening -----------------------------------------------------------------------
    def open(self, inputs: BatchInputs, actor: Actor) -> CaseView:
        """Open the list of ``inputs.village`` for ``inputs.year``: one per village, item
        and year (a second is a conflict naming the first)."""
        item, rate = inputs.checked(self.engine.catalogue, self.engine.org)
        village = inputs.village
        township = self.engine.org.township_of(village)
        assert item.batch is not None and township is not None  # checked
        key = hashlib.sha256(f"batch\0{item.code}\0{village}\0{inputs.year}".encode()).hexdigest()
        with self.store.unit_of_work(write=False) as uow:
            existing = uow.cases.by_idempotency_key(key)
        if existing is not None:
            raise ConflictError(
                f"本村 {inputs.year} 年度的{item.name}清册已经建立（办件编号 {existing.id}），"
                "请在原清册中添加名单",
                case_id=existing.id,
            )
        data = {
            "item": item.process_data(),
            "batch": {
                "year": inputs.year,
                "village": village,
                "rate": str(rate),
                "area_label": item.batch.area_label,
            },
        }
        routing = Routing(township=township.code, village=village, department=item.department_code)
        view = self.engine.cases.start(
            item.process_id, data, actor, item_code=item.code, idempotency_key=key, routing=routing
        )
        log.info("batch_opened", case=view.id, item=item.code, unit=village, user=actor.user)
        return view

    # -- changing lines ----------------------------------------------------------------
    def add_lines(self, case_id: int, lines: Sequence[NewLine], actor: Actor) -> None:
        def decide(uow: UnitOfWork, record: CaseRecord, batch: BatchList) -> dict[str, Any]:
            item = self.item_of(record)
            assert item.batch is not None
            if len(batch.lines) + len(lines) > item.batch.max_lines:
                raise DataValidationError(
                    f"每份清册最多 {item.batch.max_lines} 行（已有 {len(batch.lines)} 行）",
                    {"lines": f"本次最多还能添加 {item.batch.max_lines - len(batch.lines)} 行"},
                )
            listed = {line.id_number: line.no for line in batch.on_list()}
            errors = {
                f"lines.{i}.id_number": f"已在清册第 {listed[line.id_number]} 行"
                for i, line in enumerate(lines)
                if line.id_number in listed
            }
            if errors:
                raise DataValidationError(f"清册名单有 {len(errors)} 处错误", errors)
            first = batch.next_no
            return {"lines": [line.payload(first + i) for i, line in enumerate(lines)]}

        self._changes.note(case_id, "batch_lines_added", actor, _in_step(LINE_STEPS, decide))

    def strike(self, case_id: int, line: int, reason: str, actor: Actor) -> None:
        reason = strike_reason(reason)

        def decide(uow: UnitOfWork, record: CaseRecord, batch: BatchList) -> dict[str, Any]:
            _on_list(batch, line)
            return {"line": line, "reason": reason}

        self._changes.note(case_id, "batch_line_struck", actor, _in_step(LINE_STEPS, decide))

    def correct(self, case_id: int, line: int, changes: dict[str, str], actor: Actor) -> None:
        """Correct a line (``changes``: the fields changed and ``reason``); it settles an
        objection to the line too."""

        def decide(uow: UnitOfWork, record: CaseRecord, batch: BatchList) -> dict[str, Any]:
            _on_list(batch, line)
            number = changes.get("id_number")
            twin = next((x.no for x in batch.on_list() if x.id_number == number), line)
            if twin != line:
                raise DataValidationError("清册名单有误", {"id_number": f"已在清册第 {twin} 行"})
            return {"line": line, **changes}

        self._changes.note(case_id, "batch_line_corrected", actor, _in_step(LINE_STEPS, decide))

    def record_payments(self, case_id: int, results: Sequence[PaymentResult], actor: Actor) -> None:
        def decide(uow: UnitOfWork, record: CaseRecord, batch: BatchList) -> dict[str, Any]:
            errors = {
                f"results.{i}.line": "清册中没有这一行，或已核减"
                for i, result in enumerate(results)
                if result.line not in batch.lines or not batch.lines[result.line].on_list
            }
            if errors:
                raise DataValidationError(f"发放结果有 {len(errors)} 处错误", errors)
            return {"results": [result.payload() for result in results]}

        self._changes.note(
            case_id, "batch_payments_recorded", actor, _in_step(("payment",), decide)
        )

    # -- holding a step until its list is right ------------------------------------------
    def observe(
        self,
        uow: UnitOfWork,
        before: CaseRecord | None,
        after: CaseRecord,
        live: LiveCase,
        event: EventInput,
    ) -> None:
        """Refuse (roll back) a change that would leave a step with its list not right."""
        if event.type not in ("task_completed", "message_received"):
            return
        item = self.engine.catalogue.get(after.item_code or "")
        if item is None or item.batch is None:
            return
        batch = _read(uow, after.id)
        if event.type == "message_received":
            body = event.payload.get("payload", {})
            if event.payload.get("name") == elements.BATCH_OBJECTION:
                _on_list(batch, int(body["line"]), field="line")
            return
        key = task_key(uow, live, str(event.payload.get("task_id")))
        step = STEPS.get(key[1]) if key is not None else None
        totals = batch.totals()
        if step == "compile" and totals.lines == 0:
            raise DataValidationError("清册中还没有名单，不能提交", {"lines": "至少一行"})
        if step == "review" and totals.objected:
            raise DataValidationError(
                f"还有 {totals.objected} 行公示异议未处理（核减或更正该行）",
                {"lines": "有未处理的异议"},
            )
        if step == "payment" and totals.unrecorded:
            raise DataValidationError(
                f"还有 {totals.unrecorded} 行没有登记发放结果", {"results": "每行都应登记结果"}
            )


def _in_step(steps: tuple[str, ...], decide: Decide) -> Callable[[UnitOfWork, CaseRecord], Any]:
    """``decide`` on the list, if the list is in one of ``steps`` (else 409, naming the
    step it is in)."""

    def in_step(uow: UnitOfWork, record: CaseRecord) -> dict[str, Any]:
        step = _step(uow, record)
        if step not in steps:
            doing = "登记发放结果" if steps == ("payment",) else "修改名单"
            raise InvalidState(
                f"清册当前处于“{_step_name(step)}”阶段，不能{doing}", case_id=record.id
            )
        return decide(uow, record, _read(uow, record.id))

    return in_step


def _read(uow: UnitOfWork, case_id: int) -> BatchList:
    return read_list(event for event, _ in uow.events.of_case(case_id))


def _step(uow: UnitOfWork, record: CaseRecord) -> str:
    if record.status != "open":
        return "done" if record.status == "completed" else "cancelled"
    open_steps = [STEPS[t.spec_id] for t in uow.tasks.open(case_id=record.id) if t.spec_id in STEPS]
    return open_steps[0] if open_steps else "notice"


def _step_name(step: str) -> str:
    return labels.BATCH_STEPS.get(step, step)


def _on_list(batch: BatchList, no: int, field: str = "line") -> None:
    if no not in batch.lines or not batch.lines[no].on_list:
        raise DataValidationError(
            "清册中没有这一行", {field: f"清册中没有第 {no} 行，或该行已核减"}
        )
