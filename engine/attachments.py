"""Scanned materials (材料附件): files attached to a case at registration, on supplement,
or at delivery, kept in the content-addressed file store (``engine.files``).

Each attachment is one ``attachment_added`` event in the case's history (a note: the
workflow is untouched), whose payload names the material, the media type, the size and
the file with its SHA-256, so ``verify`` proves the stored file is the one attached. The
history is the only record: the list of a case's attachments is read from it, and an
attachment's id is the sequence number of the event that attached it (stable, unique in
its case, never reused). Nothing is ever removed or replaced through daiban.

Rules, all here:

- a scan is checked and cleaned first (``engine.scans``); the cleaned bytes are stored;
- ``material`` is one of the item's catalogue materials, or a proof of delivery
  (``DELIVERY_PROOFS``), which is signed when the result is handed over;
- an open case takes attachments; a completed one only proofs of delivery (they are
  signed at the handover that ends the case and scanned afterwards); a cancelled one none;
- the same cleaned file attached again as the same material is the attachment already
  there (a retried upload records nothing new).

The file is stored before the transaction that records it: a file whose transaction then
fails stays in the store unreferenced, which is harmless (content-addressed, never
served: only recorded attachments are).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.cases.changes import CaseChanges
from engine.errors import DataValidationError, InvalidState, NotFound, Unavailable
from engine.files import FileStore, sha256
from engine.records import Actor, CaseRecord, EventRecord
from engine.scans import MAX_PIXELS, clean
from engine.store import Store, UnitOfWork
from processes.catalogue import Catalogue

EVENT = "attachment_added"
# Signed when the result is handed over: 办结单 (the completion slip, DOMAIN §6) and the
# 送达回证 of an enforcement decision. Accepted for every item, also once it is completed.
DELIVERY_PROOFS = ("办结单", "送达回证")
MAX_NOTE = 200
MAX_MATERIAL = 100


@dataclass(frozen=True)
class Attachment:
    """One attached scan as its event recorded it."""

    id: int  # the sequence number of the attaching event
    case_id: int
    material: str
    media_type: str
    size: int
    sha256: str
    name: str
    note: str | None
    added_at: datetime
    added_by: str
    added_by_role: str | None
    added_by_unit: str | None


class AttachmentService:
    def __init__(
        self,
        store: Store,
        changes: CaseChanges,
        files: FileStore,
        catalogue: Catalogue,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        self.store = store
        self.changes = changes
        self.files = files
        self.catalogue = catalogue
        self.max_pixels = max_pixels

    def materials(self, record: CaseRecord) -> list[str]:
        """What may be attached to the case now: to an open one its item's materials,
        then the proofs of delivery; to a completed one the proofs; to a cancelled one
        nothing."""
        if record.status == "open":
            return self._known(record)
        return list(DELIVERY_PROOFS) if record.status == "completed" else []

    def _known(self, record: CaseRecord) -> list[str]:
        """The item's materials, then the proofs of delivery."""
        item = self.catalogue.get(record.item_code or "")
        names = [material.name for material in item.materials] if item is not None else []
        return names + [name for name in DELIVERY_PROOFS if name not in names]

    def attach(
        self, case_id: int, actor: Actor, material: str, data: bytes, note: str | None = None
    ) -> tuple[Attachment, bool]:
        """Check, clean, store and record a scan; the attachment, and whether it is new
        (False: the same file was already attached as this material)."""
        material = material.strip()
        note = (note or "").strip() or None
        with self.store.unit_of_work(write=False) as uow:
            self._check_material(uow.cases.get(case_id), material, note)
        scan = clean(data, self.max_pixels)
        digest = self.files.put(scan.data)
        found: list[Attachment] = []

        def decide(uow: UnitOfWork, record: CaseRecord) -> dict[str, Any] | None:
            _check_open(record, material)
            same = [
                a
                for a in _attachments(uow.events.of_case(case_id))
                if a.sha256 == digest and a.material == material
            ]
            if same:
                found.append(same[0])
                return None
            seq = record.last_seq + 1
            name = f"{material}-{seq}{scan.extension}"
            return {
                "attachment_id": seq,
                "material": material,
                "media_type": scan.media_type,
                "size": len(scan.data),
                "note": note,
                "files": [{"sha256": digest, "name": name, "size": len(scan.data)}],
            }

        event = self.changes.note(case_id, "attachment_added", actor, decide)
        if event is None:
            return found[0], False
        return _attachment(event), True

    def list(self, case_id: int) -> list[Attachment]:
        """The case's attachments in the order they were attached."""
        with self.store.unit_of_work(write=False) as uow:
            uow.cases.get(case_id)  # NotFound for no such case
            return _attachments(uow.events.of_case(case_id))

    def get(self, case_id: int, attachment_id: int) -> Attachment:
        for attachment in self.list(case_id):
            if attachment.id == attachment_id:
                return attachment
        raise NotFound(f"办件没有编号为 {attachment_id} 的材料附件", attachment=attachment_id)

    def content(self, attachment: Attachment) -> bytes:
        """The attachment's bytes, proven against the digest its event recorded: a file
        missing from the store or changed there is never served as the one attached."""
        try:
            data = self.files.get(attachment.sha256)
        except NotFound:
            raise Unavailable(
                "材料附件的文件不在存储中，请联系系统管理员（可用 daiban verify 检查）",
                reason="file_missing",
                retry_after=3600,
            ) from None
        if sha256(data) != attachment.sha256:
            raise Unavailable(
                "材料附件的文件与记录不符（已被改动），请联系系统管理员（可用 daiban verify 检查）",
                reason="file_changed",
                retry_after=3600,
            )
        return data

    def _check_material(self, record: CaseRecord, material: str, note: str | None) -> None:
        errors: dict[str, str] = {}
        if not material:
            errors["material"] = "请选择这是哪一项材料"
        elif len(material) > MAX_MATERIAL or material not in self._known(record):
            errors["material"] = "不是该事项的申请材料（见事项的材料清单），也不是办结单或送达回证"
        if note is not None and len(note) > MAX_NOTE:
            errors["note"] = f"备注最多 {MAX_NOTE} 个字"
        if errors:
            raise DataValidationError("材料附件的信息有误，见 errors", errors)
        _check_open(record, material)


def _check_open(record: CaseRecord, material: str) -> None:
    """Attachments go to an open case; to a completed one only proofs of delivery."""
    if record.status == "open":
        return
    if record.status == "completed" and material in DELIVERY_PROOFS:
        return
    if record.status == "completed":
        text = "办件已办结，只能补传办结单或送达回证"
    else:
        text = "办件已撤件，不能再上传材料附件"
    raise InvalidState(text, case_id=record.id, status=record.status)


def _attachments(events: Iterable[tuple[EventRecord, str]]) -> list[Attachment]:
    return [_attachment(event) for event, _ in events if event.type == EVENT]


def _attachment(event: EventRecord) -> Attachment:
    payload = event.payload
    file = payload["files"][0]
    return Attachment(
        id=int(payload["attachment_id"]),
        case_id=event.case_id,
        material=str(payload["material"]),
        media_type=str(payload["media_type"]),
        size=int(payload["size"]),
        sha256=str(file["sha256"]),
        name=str(file["name"]),
        note=payload.get("note"),
        added_at=event.at,
        added_by=event.actor,
        added_by_role=event.actor_role,
        added_by_unit=event.actor_unit,
    )
