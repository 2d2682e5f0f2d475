"""Issuing documents (文书): the first request for a document renders it, stores its bytes
in the file store and records ``document_issued`` with their SHA-256 in the case's
history; every later request serves those stored bytes, so what was handed over is what
the history proves (DESIGN invariant 12).

A document is rendered from the case as its event left it (``engine.documents.context``)
and dated with that event's time, so rendering it again gives the same bytes: an auditor
can render it anew and compare. Two first requests at once: both render the same bytes,
one records the issue, the other finds it recorded (the case row's version decides) and
serves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from engine.audit import Auditor
from engine.cases.changes import CaseChanges
from engine.definitions.registry import DefinitionRegistry
from engine.documents import kinds
from engine.documents.context import Moment, template_context
from engine.documents.kinds import Kind, Slot
from engine.documents.pdf import Code, PageSetup, render
from engine.documents.templates import Templates
from engine.errors import ConflictError, NotFound, Unavailable
from engine.files import FileStore, sha256
from engine.labels import unit_name
from engine.logs import get_logger
from engine.records import Actor, CaseRecord, EventRecord, TaskRecord
from engine.store import Store, UnitOfWork
from processes.catalogue import Catalogue
from processes.org import Organization

log = get_logger(__name__)

EVENT = "document_issued"
NO_SUCH_DOCUMENT = "没有这份文书"
ISSUE_ATTEMPTS = 3  # a note that lost its race to another change of the case is retried

RatingUrl = Callable[[int], "str | None"]


@dataclass(frozen=True)
class Issued:
    seq: int  # the ``document_issued`` event
    at: datetime
    by: str
    sha256: str
    name: str
    size: int


@dataclass(frozen=True)
class Entry:
    """A document of a case: available once its step is reached, issued once printed."""

    kind: Kind
    document_id: str | None
    issued: Issued | None

    @property
    def available(self) -> bool:
        return self.document_id is not None


@dataclass(frozen=True)
class Document:
    data: bytes
    name: str  # the file name (受理通知书-<case number>.pdf)
    sha256: str
    issued: Issued


class DocumentService:
    def __init__(
        self,
        store: Store,
        registry: DefinitionRegistry,
        audit: Auditor,
        changes: CaseChanges,
        files: FileStore,
        catalogue: Catalogue,
        org: Organization,
        templates: Templates,
        public_url: str,
    ) -> None:
        self.store = store
        self.registry = registry
        self.audit = audit
        self.changes = changes
        self.files = files
        self.catalogue = catalogue
        self.org = org
        self.templates = templates
        self.public_url = public_url
        # The resident's rating link of a case for the completion notice's second QR code
        # (None: no rating link); the ratings service sets it.
        self.rating_url: RatingUrl = _no_rating

    # -- reading -------------------------------------------------------------------------
    def entries(self, case_id: int) -> list[Entry]:
        """The case's documents, issued or not, then those its next steps will bring."""
        record, events, tasks = self._read(case_id)
        issued = _issued(events)
        return [
            Entry(
                slot.kind,
                slot.document_id,
                issued.get(slot.document_id) if slot.document_id else None,
            )
            for slot in self._slots(record, events, tasks)
        ]

    def progress_url(self, record: CaseRecord) -> str:
        number = record.case_number or str(record.id)
        return f"{self.public_url}/progress?{urlencode({'number': number})}"

    # -- issuing -------------------------------------------------------------------------
    def document(self, case_id: int, document_id: str, actor: Actor) -> Document:
        """The document's bytes: as stored when it was issued, or rendered, stored and
        recorded now (by ``actor``) on the first request. ``NotFound`` for an id the case
        does not have (yet)."""
        for _ in range(ISSUE_ATTEMPTS):
            record, events, tasks = self._read(case_id)
            slot = self._slot(record, events, tasks, document_id)
            found = _issued(events).get(document_id)
            if found is not None:
                return Document(self._stored(found), found.name, found.sha256, found)
            data = self._render(record, events, tasks, slot)
            try:
                issued = self._issue(case_id, slot, record, data, actor)
            except ConflictError:
                continue  # another change of the case came first: read it again
            if issued is not None:
                return Document(data, issued.name, issued.sha256, issued)
        raise ConflictError("文书正在由他人出具，请稍后重试", case_id=case_id)

    def _stored(self, issued: Issued) -> bytes:
        data = self.files.get(issued.sha256)
        if sha256(data) != issued.sha256:
            # Never hand out a document other than the one recorded; verify reports it.
            log.error("document_changed", sha256=issued.sha256)
            raise Unavailable("文书文件与办件记录不符，请联系系统管理员", reason="io_error")
        return data

    def render(self, case_id: int, document_id: str) -> bytes:
        """The document as rendering gives it now, issued or not (nothing is recorded): the
        same bytes as the issued document unless its file was changed."""
        record, events, tasks = self._read(case_id)
        slot = self._slot(record, events, tasks, document_id)
        return self._render(record, events, tasks, slot)

    def _issue(
        self, case_id: int, slot: Slot, record: CaseRecord, data: bytes, actor: Actor
    ) -> Issued | None:
        digest = self.files.put(data)
        name = file_name(slot.kind, record)
        document_id = str(slot.document_id)

        def decide(uow: UnitOfWork, _: CaseRecord) -> dict[str, Any] | None:
            events = [event for event, _ in uow.events.of_case(case_id)]
            if document_id in _issued(events):
                return None
            return {
                "kind": slot.kind.code,
                "document_id": document_id,
                "files": [{"sha256": digest, "name": name, "size": len(data)}],
            }

        sealed = self.changes.note(case_id, "document_issued", actor, decide)
        if sealed is None:
            return None
        log.info("document_issued", case=case_id, document=document_id, sha256=digest)
        return Issued(sealed.seq, sealed.at, sealed.actor, digest, name, len(data))

    def _render(
        self, record: CaseRecord, events: list[EventRecord], tasks: list[TaskRecord], slot: Slot
    ) -> bytes:
        seq = slot.seq
        assert seq is not None  # _slot answers only documents that are available
        event = events[seq - 1]
        state = self.audit.replay(record.id, seq)
        item = self.catalogue.get(record.item_code or "")
        progress = self.progress_url(record)
        rating = self.rating_url(record.id) if slot.kind is kinds.COMPLETION else None
        moment = Moment(record, event, events[0], state.data)
        links = {"progress_url": progress, "rating_url": rating}
        context = template_context(slot.kind, str(slot.document_id), moment, item, self.org, links)
        body = self.templates.render(slot.kind.template, context)
        codes = [Code(progress, "扫码查询办理进度（输入身份证号码后六位）")]
        if rating:
            codes.append(Code(rating, "扫码评价本次服务（好差评）"))
        issuer = unit_name(self.org, record.org_unit) or self.org.county.name
        setup = PageSetup(
            title=f"{slot.kind.title} {context['case']['number']}",
            author=issuer,
            made_at=event.at,
            codes=tuple(codes),
            footer_note=f"{slot.kind.title}　办件编号 {context['case']['number']}",
        )
        return render(body, setup)

    def _choices(
        self, record: CaseRecord, event: EventRecord, tasks: list[TaskRecord]
    ) -> dict[str, str]:
        """The titles of the choices the step's form data made (``<field>_name``), from the
        form of the case's pinned process version."""
        task = next((t for t in tasks if t.id == event.payload.get("task_id")), None)
        data = event.payload.get("data")
        if task is None or not isinstance(data, dict):
            return {}
        compiled = self.registry.compiled(record.definition_hash)
        form = compiled.form(task.process_id, task.spec_id)
        titles = {}
        for field in form.fields if form is not None else ():
            title = dict(field.values).get(str(data.get(field.name)))
            if title is not None:
                titles[f"{field.name}_name"] = title
        return titles

    # -- the case's history ----------------------------------------------------------------
    def _read(self, case_id: int) -> tuple[CaseRecord, list[EventRecord], list[TaskRecord]]:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
            events = [event for event, _ in uow.events.of_case(case_id)]
            tasks = uow.tasks.of_case(case_id)
        return record, events, tasks

    def _slots(
        self, record: CaseRecord, events: list[EventRecord], tasks: list[TaskRecord]
    ) -> list[Slot]:
        processes = frozenset(self.registry.compiled(record.definition_hash).outlines)
        return kinds.slots(record, events, tasks, processes)

    def _slot(
        self,
        record: CaseRecord,
        events: list[EventRecord],
        tasks: list[TaskRecord],
        document_id: str,
    ) -> Slot:
        if kinds.parse_id(document_id) is not None:
            for slot in self._slots(record, events, tasks):
                if slot.document_id == document_id:
                    return slot
        raise NotFound(NO_SUCH_DOCUMENT, case_id=record.id, document_id=document_id)


def file_name(kind: Kind, record: CaseRecord) -> str:
    short = kind.title.split("（")[0]
    return f"{short}-{record.case_number or record.id}.pdf"


def _issued(events: list[EventRecord]) -> dict[str, Issued]:
    """The documents the history records as issued, by id (the first record of each)."""
    found: dict[str, Issued] = {}
    for event in events:
        if event.type != EVENT:
            continue
        document_id = event.payload.get("document_id")
        files = event.payload.get("files")
        if not isinstance(document_id, str) or not isinstance(files, list) or not files:
            continue
        first = files[0]
        found.setdefault(
            document_id,
            Issued(
                event.seq,
                event.at,
                event.actor,
                str(first["sha256"]),
                str(first["name"]),
                int(first.get("size", 0)),
            ),
        )
    return found


def _no_rating(case_id: int) -> str | None:
    return None


__all__ = ["EVENT", "Document", "DocumentService", "Entry", "Issued", "file_name"]
