"""The variables a document template is rendered with, from the case as it stood after
the document's event (``docs/documents.md`` lists them).

Everything comes from the history, the catalogue and the organisation: the registration
(applicant, materials, agent), the form data of the step that hands the document out,
the case data replayed to that step (its due date, a pledge's deadline), the item's
legal basis and limits. Nothing depends on when the document is rendered, so rendering
the same case again gives the same text.

ID numbers and phones are printed masked (``110105********002X``): a document is kept
and shown to everyone who may see the case, some of whom see only masked data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.clock import SHANGHAI
from engine.documents.kinds import Kind
from engine.labels import LIMIT_UNITS, MATERIAL_FORMS, unit_name
from engine.records import CaseRecord, EventRecord
from processes.catalogue import Item
from processes.org import Organization
from processes.patterns import mask_id, mask_phone

# How a text field lists materials: names separated by 、，,；; or new lines.
_SEPARATORS = re.compile(r"[、，,；;\n]+")
_DECISIONS = {"penalty": "行政处罚", "no_penalty": "不予行政处罚"}
_DELIVERY_MODES = {
    "window": "窗口领取",
    "home": "送件上门",
    "scheduled": "定期送达",
    "post": "邮寄送达",
}


@dataclass(frozen=True)
class Moment:
    """The case as the document's event left it."""

    record: CaseRecord
    event: EventRecord  # the event the document belongs to
    started: EventRecord  # the registration
    data: dict[str, Any]  # the case data replayed to ``event``


def split_names(text: Any) -> list[str]:
    """Material names from a text field (``户口簿（原件）、居住证明``)."""
    if not isinstance(text, str):
        return []
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else ""


def _day_text(value: Any) -> str:
    """A date the process stored (ISO text) in Chinese; "" for none."""
    try:
        return chinese_date(date.fromisoformat(value)) if isinstance(value, str) else ""
    except ValueError:
        return ""


def local_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def template_context(
    kind: Kind,
    document_id: str,
    moment: Moment,
    item: Item | None,
    org: Organization,
    links: dict[str, str | None],
    choices: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The variables of ``kind``'s template for the case at ``moment``; ``links``: the
    ``progress_url`` and ``rating_url`` (None: none) printed as QR codes; ``choices``:
    the titles of the step's choices (``delivery_mode_name``: 窗口领取 …)."""
    record, event, data = moment.record, moment.event, moment.data
    registered = moment.started.payload.get("data")
    registered = registered if isinstance(registered, dict) else {}
    decision = event.payload.get("data") if event.type == "task_completed" else None
    decision = decision if isinstance(decision, dict) else {}
    applicant = registered.get("applicant")
    applicant = applicant if isinstance(applicant, dict) else {}
    staff = org.users.get(event.actor)
    agent_id = registered.get("agent") or (
        moment.started.actor if registered.get("via_proxy") else None
    )
    agent = org.users.get(str(agent_id)) if agent_id else None
    issued_on = local_day(event.at)
    return {
        "document": {
            "kind": kind.code,
            "title": kind.title,
            "id": document_id,
            "number": f"{record.case_number or record.id}-{event.seq:02d}",
        },
        "case": {
            "number": record.case_number or str(record.id),
            "item_code": record.item_code,
            "registered_on": chinese_date(local_day(moment.started.at)),
            "due_date": _day_text(data.get("due_on")),
            "pledge_deadline": _day_text(data.get("pledge_deadline")),
            "channel": registered.get("channel"),
            "via_proxy": registered.get("via_proxy") is True,
        },
        "item": _item(item, data),
        "applicant": {
            "name": applicant.get("name") or "",
            "id_number": mask_id(str(applicant.get("id_number") or "")),
            # an organisation (法人或其他组织): its credit code and representative, public
            "uscc": applicant.get("uscc") or "",
            "legal_representative": applicant.get("legal_representative") or "",
            "phone": mask_phone(str(applicant.get("phone") or "")),
            "address": applicant.get("address") or "",
            "village": unit_name(org, applicant.get("village")) or "",
        },
        "agent": {"name": agent.name, "unit": unit_name(org, agent.unit) or ""}
        if agent is not None
        else None,
        "unit": {
            "county": org.county.name,
            "township": unit_name(org, record.org_unit) or "",
            "village": unit_name(org, record.village) or "",
            "department": unit_name(org, record.department) or "",
        },
        "staff": {"name": staff.name if staff is not None else event.actor},
        "materials": _materials(item, registered, decision),
        "decision": {**decision, **(choices or {})},
        "data": data,
        "issued_on": chinese_date(issued_on),
        "progress_url": links.get("progress_url"),
        "rating_url": links.get("rating_url"),
    }


def _item(item: Item | None, data: dict[str, Any]) -> dict[str, Any]:
    if item is None:
        carried = data.get("item")
        carried = carried if isinstance(carried, dict) else {}
        return {"code": carried.get("code", ""), "name": carried.get("name", "")}
    return {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "type_name": item.type_name,
        "is_licence": item.type == "licence",
        "legal_basis": list(item.legal_basis),
        "conditions": list(item.conditions),
        "promised_limit": item.promised_limit,
        "statutory_limit": item.statutory_limit,
        "limit_unit": LIMIT_UNITS.get(item.limit_unit, item.limit_unit),
        "on_the_spot": item.on_the_spot,
        "result_document": item.result_document,
        "fees": item.fees,
        "appeal": item.appeal,
    }


def _materials(
    item: Item | None,
    registered: dict[str, Any],
    decision: dict[str, Any],
) -> dict[str, Any]:
    """The catalogue's materials with what was received at registration; ``missing``: the
    materials the step names as missing (a supplement notice lists exactly these), else
    the required ones not received."""
    received = [str(name) for name in registered.get("materials") or []]
    listed = [
        {
            "name": material.name,
            "required": material.required,
            "form": MATERIAL_FORMS.get(material.form, material.form),
            "copies": material.copies,
            "received": material.name in received,
        }
        for material in (item.materials if item is not None else ())
    ]
    named = split_names(decision.get("missing_materials"))
    missing = named or [
        material.name
        for material in (item.materials if item is not None else ())
        if material.required and material.name not in received
    ]
    return {
        "listed": listed,
        "received": received,
        "missing": missing,
        "pledged": named if decision.get("intake_decision") == "accept_with_pledge" else [],
    }
