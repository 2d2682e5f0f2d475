"""Which documents (文书) a case has, derived from its history alone.

A document belongs to the event of the step at which the practice hands it out: the
registration (收件回执, and 代办委托书 for a proxy case), the agent's handover to the
township (材料交接单), the materials check's decision (受理通知书, 补正材料通知书,
不予受理通知书), the result made ready (办结通知书; a process without a delivery step:
the event that completed the case) and the enforcement decision (送达回证). Its id is its
kind and that event's sequence number (``acceptance-5``): stable, and a second decision of
the same kind (an acceptance after a supplement) is a new document.

Nothing here reads a database: the service hands in the case row, its events and its
tasks, so the same history always names the same documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine import elements
from engine.labels import DOCUMENT_KINDS
from engine.records import CaseRecord, EventRecord, TaskRecord


@dataclass(frozen=True)
class Kind:
    code: str
    title: str  # the document's name, as printed and listed

    @property
    def template(self) -> str:
        return f"{self.code}.html"


RECEIPT = Kind("receipt", DOCUMENT_KINDS["receipt"])
ENTRUSTMENT = Kind("entrustment", DOCUMENT_KINDS["entrustment"])
HANDOVER = Kind("handover", DOCUMENT_KINDS["handover"])
ACCEPTANCE = Kind("acceptance", DOCUMENT_KINDS["acceptance"])
SUPPLEMENT = Kind("supplement", DOCUMENT_KINDS["supplement"])
REFUSAL = Kind("refusal", DOCUMENT_KINDS["refusal"])
COMPLETION = Kind("completion", DOCUMENT_KINDS["completion"])
SERVICE_RECORD = Kind("service_record", DOCUMENT_KINDS["service_record"])
KINDS = (
    RECEIPT,
    ENTRUSTMENT,
    HANDOVER,
    ACCEPTANCE,
    SUPPLEMENT,
    REFUSAL,
    COMPLETION,
    SERVICE_RECORD,
)
BY_CODE = {kind.code: kind for kind in KINDS}

# The steps whose completion hands a document out (element contract: engine/elements.py).
PREPARE_RESULT = elements.TaskRef(elements.RESULT_DELIVERY, "Task_prepare_result")
DECIDE = elements.TaskRef(elements.ENFORCEMENT, "Task_decide")
INTAKE_DECISIONS = (elements.CHECK_MATERIALS, elements.RECHECK)
_BY_DECISION = {
    "accept": ACCEPTANCE,
    "accept_with_pledge": ACCEPTANCE,
    "supplement": SUPPLEMENT,
    "refuse": REFUSAL,
}
_ID = re.compile(r"^([a-z_]+)-([1-9][0-9]{0,8})\Z")


@dataclass(frozen=True)
class Slot:
    """A document the case has, or will have once it reaches the step (``seq`` None)."""

    kind: Kind
    seq: int | None  # the event it belongs to

    @property
    def document_id(self) -> str | None:
        return document_id(self.kind, self.seq) if self.seq is not None else None


def document_id(kind: Kind, seq: int) -> str:
    return f"{kind.code}-{seq}"


def parse_id(text: str) -> tuple[Kind, int] | None:
    """The kind and event of a document id; None for anything that is not one."""
    match = _ID.match(text)
    kind = BY_CODE.get(match.group(1)) if match else None
    return (kind, int(match.group(2))) if kind is not None and match is not None else None


def slots(
    record: CaseRecord,
    events: Sequence[EventRecord],
    tasks: Sequence[TaskRecord],
    processes: frozenset[str],
) -> list[Slot]:
    """The case's documents in the order they were handed out, then those its process
    will hand out on its usual path and has not yet (``seq`` None): the receipt, the
    entrustment and handover of a proxy case, the acceptance, the completion notice and
    the service record. ``processes``: the ids of the process and those it calls."""
    by_id = {task.id: task for task in tasks}
    found: list[Slot] = []
    started = events[0] if events else None
    data = started.payload.get("data") if started is not None else None
    data = data if isinstance(data, dict) else {}
    registered = isinstance(data.get("applicant"), dict)
    proxy = data.get("via_proxy") is True
    if registered:
        found.append(Slot(RECEIPT, 1))
    if proxy:
        found.append(Slot(ENTRUSTMENT, 1))
    for event in events:
        kind = _kind_of(event, by_id)
        if kind is not None:
            found.append(Slot(kind, event.seq))
    completion = any(slot.kind is COMPLETION for slot in found)
    have = {slot.kind for slot in found}
    refused = REFUSAL in have
    # A process without a delivery step (an on-the-spot item) completes at its last step.
    if (
        registered
        and not (completion or refused)
        and record.status == "completed"
        and elements.RESULT_DELIVERY not in processes
    ):
        closing = _closing_seq(record, events)
        if closing is not None:
            found.append(Slot(COMPLETION, closing))
            have.add(COMPLETION)
    expected = [
        (HANDOVER, proxy and elements.PROXY in processes),
        (ACCEPTANCE, elements.INTAKE in processes and not refused),
        (COMPLETION, registered and not refused),
        (SERVICE_RECORD, elements.ENFORCEMENT in processes),
    ]
    if record.status == "open":
        found.extend(Slot(kind, None) for kind, due in expected if due and kind not in have)
    return found


def _kind_of(event: EventRecord, tasks: dict[str, TaskRecord]) -> Kind | None:
    if event.type != "task_completed":
        return None
    task = tasks.get(str(event.payload.get("task_id")))
    data = event.payload.get("data")
    if task is None or not isinstance(data, dict):
        return None
    ref = (task.process_id, task.spec_id)
    if ref in INTAKE_DECISIONS:
        return _BY_DECISION.get(str(data.get(elements.INTAKE_DECISION)))
    if ref == elements.HANDOVER:
        return HANDOVER
    if ref == PREPARE_RESULT:
        return COMPLETION
    if ref == DECIDE:
        return SERVICE_RECORD
    return None


def _closing_seq(record: CaseRecord, events: Sequence[EventRecord]) -> int | None:
    """The event that completed the case: the last one written at its closing time."""
    closing = [event.seq for event in events if event.at == record.closed_at]
    return closing[-1] if closing else None
