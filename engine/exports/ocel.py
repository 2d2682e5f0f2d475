"""OCEL 2.0 JSON: the same activity events, related to the objects they concern.

Objects: 办件 (the case, its status changing over time), 任务 (a task instance), 人员 (a
user), 单位 (an org unit: township, village, county department) and 事项 (the item). An
event is related to its case, to its task, to the user whose event it is (经办人) and to
that user's unit (经办单位); a task to its case; a case to its item and units.

Streamed like the XES export: ``events`` first, one case at a time, while the case and
task objects go to a spooled temporary file (spilled to disk when large) that follows as
``objects``; then the users, units and items met (bounded by the organisation and the
catalogue, not by the log) and the declared types.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from engine.exports.common import CaseHistory, ExportCounts, activities, timestamp
from processes.org import Organization

MEDIA_TYPE = "application/json"
CASE, TASK, USER, UNIT, ITEM = "办件", "任务", "人员", "单位", "事项"
STATIC = "1970-01-01T00:00:00Z"  # the time of an attribute that does not change
OBJECT_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    CASE: (
        ("case_number", "string"),
        ("case_id", "integer"),
        ("item_code", "string"),
        ("item_name", "string"),
        ("township", "string"),
        ("village", "string"),
        ("department", "string"),
        ("channel", "string"),
        ("status", "string"),
        ("due_date", "string"),
        ("registered_at", "time"),
    ),
    TASK: (
        ("name", "string"),
        ("element", "string"),
        ("process_id", "string"),
        ("role", "string"),
        ("org_unit", "string"),
        ("due_at", "time"),
    ),
    USER: (("name", "string"),),
    UNIT: (("name", "string"), ("kind", "string")),
    ITEM: (("name", "string"),),
}
EVENT_ATTRIBUTES: dict[str, str] = {
    "lifecycle": "string",
    "seq": "integer",
    "event_type": "string",
    "role": "string",
    "on_behalf_of": "string",
    "assignee": "string",
    "acting_for": "string",
    "message": "string",
    "task_name": "string",
}
CHUNK = 64 * 1024
SPOOL = 16 * 1024 * 1024  # objects kept in memory up to this size, then on disk


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class _Seen:
    """Objects every case may share: written once, at the end."""

    users: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    items: dict[str, str | None] = field(default_factory=dict)
    event_types: dict[str, set[str]] = field(default_factory=dict)


def ocel_chunks(
    cases: Iterable[CaseHistory],
    *,
    org: Organization | None = None,
    counts: ExportCounts | None = None,
    chunk: int = CHUNK,
) -> Iterator[bytes]:
    """The OCEL 2.0 JSON document of ``cases`` in chunks of about ``chunk`` bytes."""
    counts = counts if counts is not None else ExportCounts()
    seen = _Seen()
    buffer: list[bytes] = [b'{"events":[']
    size = 0
    first_event = first_object = True
    with tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+b") as objects:
        for history in cases:
            for event in _events(history, seen, counts):
                data = _dumps(event)
                buffer.append(data if first_event else b"," + data)
                size += len(data) + 1
                first_event = False
            for obj in _case_objects(history, seen):
                objects.write(_dumps(obj) if first_object else b"," + _dumps(obj))
                first_object = False
            if size >= chunk:
                yield b"".join(buffer)
                buffer.clear()
                size = 0
        buffer.append(b'],"objects":[')
        yield b"".join(buffer)
        objects.seek(0)
        while data := objects.read(chunk):
            yield data
    shared = [_dumps(obj) for obj in _shared_objects(seen, org)]
    if shared:
        yield (b"," if not first_object else b"") + b",".join(shared)
    yield b'],"objectTypes":' + _dumps(
        [
            {"name": name, "attributes": [{"name": a, "type": t} for a, t in attributes]}
            for name, attributes in OBJECT_TYPES.items()
        ]
    )
    yield b',"eventTypes":' + _dumps(
        [
            {
                "name": name,
                "attributes": [
                    {"name": a, "type": EVENT_ATTRIBUTES.get(a, "string")} for a in sorted(names)
                ],
            }
            for name, names in sorted(seen.event_types.items())
        ]
    )
    yield b"}"


def write_ocel(cases: Iterable[CaseHistory], out: IO[bytes], **options: Any) -> ExportCounts:
    """Write the OCEL 2.0 JSON document of ``cases`` to a binary file."""
    counts = ExportCounts()
    for data in ocel_chunks(cases, counts=counts, **options):
        out.write(data)
    return counts


def event_type(activity: str, transition: str) -> str:
    """An OCEL event type: the activity, with its lifecycle step unless it completes it."""
    labels = {
        "schedule": "待办",
        "assign": "认领",
        "reassign": "改派",
        "withdraw": "撤回",
        "ate_abort": "中止",
    }
    label = labels.get(transition)
    return f"{activity}（{label}）" if label else activity


def _events(history: CaseHistory, seen: _Seen, counts: ExportCounts) -> Iterator[dict[str, Any]]:
    case_ref = _case_id(history)
    number = 0
    for step in activities(history):
        number += 1
        kind = event_type(step.activity, step.transition)
        attributes: dict[str, Any] = {
            "lifecycle": step.transition,
            "seq": step.seq,
            "event_type": step.event_type,
        }
        if step.role is not None:
            attributes["role"] = step.role
        if step.on_behalf_of is not None:
            attributes["on_behalf_of"] = step.on_behalf_of
        attributes.update(step.extra)
        seen.event_types.setdefault(kind, set()).update(attributes)
        relationships = [{"objectId": case_ref, "qualifier": "办件"}]
        if step.task is not None:
            relationships.append({"objectId": f"task:{step.task.id}", "qualifier": "任务"})
        relationships.append({"objectId": f"user:{step.resource}", "qualifier": "经办人"})
        seen.users.add(step.resource)
        if step.group is not None:
            relationships.append({"objectId": f"unit:{step.group}", "qualifier": "经办单位"})
            seen.units.add(step.group)
        yield {
            "id": f"{history.name}/{step.seq}/{number}",
            "type": kind,
            "time": timestamp(step.at),
            "attributes": [{"name": k, "value": v} for k, v in attributes.items()],
            "relationships": relationships,
        }
    counts.cases += 1
    counts.events += number


def _case_objects(history: CaseHistory, seen: _Seen) -> Iterator[dict[str, Any]]:
    case = history.case
    case_ref = _case_id(history)
    static: list[tuple[str, Any]] = [
        ("case_number", history.name),
        ("case_id", case.id),
        ("item_code", case.item_code),
        ("item_name", history.item_name),
        ("township", case.org_unit),
        ("village", case.village),
        ("department", case.department),
        ("channel", history.channel),
        ("due_date", case.due_date.isoformat() if case.due_date else None),
        ("registered_at", timestamp(case.created_at)),
    ]
    attributes = [{"name": k, "time": STATIC, "value": v} for k, v in static if v is not None]
    attributes.append({"name": "status", "time": STATIC, "value": "open"})
    if case.status != "open" and case.closed_at is not None:
        attributes.append(
            {"name": "status", "time": timestamp(case.closed_at), "value": case.status}
        )
    relationships = []
    if case.item_code is not None:
        relationships.append({"objectId": f"item:{case.item_code}", "qualifier": "事项"})
        seen.items.setdefault(case.item_code, history.item_name)
    for code, qualifier in (
        (case.org_unit, "承办乡镇"),
        (case.village, "所在村（社区）"),
        (case.department, "县级部门"),
        (case.registered_unit, "登记单位"),
    ):
        if code is not None:
            relationships.append({"objectId": f"unit:{code}", "qualifier": qualifier})
            seen.units.add(code)
    yield {"id": case_ref, "type": CASE, "attributes": attributes, "relationships": relationships}
    tasks = {t.id: t for entry in history.entries for t in entry.opened}
    for task in tasks.values():
        values: list[tuple[str, Any]] = [
            ("name", task.name),
            ("element", task.spec_id),
            ("process_id", task.process_id),
            ("role", task.lane),
            ("org_unit", task.org_unit),
            ("due_at", timestamp(task.due_at) if task.due_at else None),
        ]
        yield {
            "id": f"task:{task.id}",
            "type": TASK,
            "attributes": [{"name": k, "time": STATIC, "value": v} for k, v in values if v],
            "relationships": [{"objectId": case_ref, "qualifier": "所属办件"}],
        }


def _shared_objects(seen: _Seen, org: Organization | None) -> Iterator[dict[str, Any]]:
    for user_id in sorted(seen.users):
        user = org.users.get(user_id) if org is not None else None
        yield {
            "id": f"user:{user_id}",
            "type": USER,
            "attributes": [{"name": "name", "time": STATIC, "value": user.name}] if user else [],
        }
    for code in sorted(seen.units):
        unit = org.units.get(code) if org is not None else None
        yield {
            "id": f"unit:{code}",
            "type": UNIT,
            "attributes": (
                [
                    {"name": "name", "time": STATIC, "value": unit.name},
                    {"name": "kind", "time": STATIC, "value": unit.kind},
                ]
                if unit
                else []
            ),
        }
    for code, name in sorted(seen.items.items()):
        yield {
            "id": f"item:{code}",
            "type": ITEM,
            "attributes": [{"name": "name", "time": STATIC, "value": name}] if name else [],
        }


def _case_id(history: CaseHistory) -> str:
    return f"case:{history.name}"
