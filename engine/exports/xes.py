"""IEEE 1849-2016 XES: one trace per case, streamed.

The log declares the concept, time, lifecycle and organizational extensions, the
attributes every trace and event carries (globals) and two classifiers. A trace is named
by its case number and carries the item, the township, village and department, the
status and the due date; an event carries its activity (the task's name, or a Chinese
label for the other events), ``time:timestamp`` (Beijing offset), the standard lifecycle
transition (see ``engine.exports.common``), ``org:resource`` (the user), ``org:role`` (the
role acted in) and ``org:group`` (the user's org unit) when recorded, the task instance
(``concept:instance``), the stored event's sequence number and type, and the resident a
proxy agent acted for (``on_behalf_of``, masked as stored).

Written with lxml's incremental writer, one trace at a time, into chunks of bytes: the
whole log is never held in memory. The document validates against the standard's XML
schema (``xes-ieee-1849-2016.xsd``, no target namespace).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO

from lxml import etree

from engine.exports.common import (
    CaseHistory,
    ExportCounts,
    activities,
    timestamp,
    xml_text,
)
from processes.org import Organization

XES_VERSION = "1849.2016"
MEDIA_TYPE = "application/xml"
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
EPOCH = "1970-01-01T00:00:00.000+00:00"
# Attributes every trace / every event has (the value stands in for a missing one).
TRACE_GLOBALS = (("string", "concept:name", "UNKNOWN"),)
EVENT_GLOBALS = (
    ("string", "concept:name", "UNKNOWN"),
    ("date", "time:timestamp", EPOCH),
    ("string", "lifecycle:transition", "complete"),
    ("string", "org:resource", "UNKNOWN"),
)
CLASSIFIERS = (
    ("Activity", "concept:name"),
    ("Activity_and_transition", "concept:name lifecycle:transition"),
    ("Resource", "org:resource"),
)
CHUNK = 64 * 1024


class _Sink:
    """What lxml writes to: bytes collected until taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _attribute(parent: etree._Element, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, kind, {"key": key, "value": value})


def xes_chunks(
    cases: Iterable[CaseHistory],
    *,
    org: Organization | None = None,
    about: Mapping[str, str] | None = None,
    exported_at: datetime | None = None,
    counts: ExportCounts | None = None,
    chunk: int = CHUNK,
) -> Iterator[bytes]:
    """The XES document of ``cases`` in chunks of about ``chunk`` bytes.

    ``about``: further log attributes (e.g. the filter used); ``counts`` is filled in
    as the traces are written."""
    counts = counts if counts is not None else ExportCounts()
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("log", {"xes.version": XES_VERSION}):
            xf.write("\n")
            for element in _header(about or {}, exported_at):
                xf.write(element, pretty_print=True)
            for history in cases:
                xf.write(_trace(history, org, counts), pretty_print=True)
                if sink.size >= chunk:
                    yield sink.take()
    yield sink.take()


def write_xes(cases: Iterable[CaseHistory], out: IO[bytes], **options: object) -> ExportCounts:
    """Write the XES document of ``cases`` to a binary file; returns what was written."""
    counts = ExportCounts()
    for data in xes_chunks(cases, counts=counts, **options):  # type: ignore[arg-type]
        out.write(data)
    return counts


def _header(about: Mapping[str, str], exported_at: datetime | None) -> Iterator[etree._Element]:
    for name, prefix, uri in EXTENSIONS:
        yield etree.Element("extension", {"name": name, "prefix": prefix, "uri": uri})
    for scope, declared in (("trace", TRACE_GLOBALS), ("event", EVENT_GLOBALS)):
        element = etree.Element("global", {"scope": scope})
        for kind, key, value in declared:
            _attribute(element, kind, key, value)
        yield element
    for name, keys in CLASSIFIERS:
        yield etree.Element("classifier", {"name": name, "keys": keys})
    attributes = etree.Element("attributes")  # a holder: its children are written
    _attribute(attributes, "string", "concept:name", "daiban 办件日志")
    _attribute(attributes, "string", "lifecycle:model", "standard")
    _attribute(attributes, "string", "source", "daiban")
    if exported_at is not None:
        _attribute(attributes, "date", "exported_at", timestamp(exported_at))
    for key, value in about.items():
        _attribute(attributes, "string", key, xml_text(value))
    yield from attributes


def _trace(history: CaseHistory, org: Organization | None, counts: ExportCounts) -> etree._Element:
    case = history.case
    trace = etree.Element("trace")
    sub = etree.SubElement
    sub(trace, "string", {"key": "concept:name", "value": xml_text(history.name)})
    sub(trace, "int", {"key": "case_id", "value": str(case.id)})
    for key, value in (
        ("item_code", case.item_code),
        ("item_name", history.item_name),
        ("process_id", case.process_id),
        ("township", case.org_unit),
        ("township_name", _name(org, case.org_unit)),
        ("village", case.village),
        ("village_name", _name(org, case.village)),
        ("department", case.department),
        ("department_name", _name(org, case.department)),
        ("registered_unit", case.registered_unit),
        ("channel", history.channel),
        ("status", case.status),
        ("due_date", case.due_date.isoformat() if case.due_date else None),
    ):
        if value is not None:
            sub(trace, "string", {"key": key, "value": xml_text(value)})
    sub(trace, "date", {"key": "registered_at", "value": timestamp(case.created_at)})
    if case.closed_at is not None:
        sub(trace, "date", {"key": "closed_at", "value": timestamp(case.closed_at)})
    events = 0
    for step in activities(history):
        event = sub(trace, "event")
        sub(event, "string", {"key": "concept:name", "value": xml_text(step.activity)})
        sub(event, "string", {"key": "lifecycle:transition", "value": step.transition})
        sub(event, "date", {"key": "time:timestamp", "value": timestamp(step.at)})
        sub(event, "string", {"key": "org:resource", "value": xml_text(step.resource)})
        if step.role is not None:
            sub(event, "string", {"key": "org:role", "value": xml_text(step.role)})
        if step.group is not None:
            sub(event, "string", {"key": "org:group", "value": xml_text(step.group)})
        sub(event, "int", {"key": "seq", "value": str(step.seq)})
        sub(event, "string", {"key": "event_type", "value": step.event_type})
        if step.on_behalf_of is not None:
            sub(event, "string", {"key": "on_behalf_of", "value": xml_text(step.on_behalf_of)})
        task = step.task
        if task is not None:
            sub(event, "string", {"key": "concept:instance", "value": task.id})
            sub(event, "string", {"key": "task_element", "value": task.spec_id})
            if task.lane is not None:
                sub(event, "string", {"key": "task_role", "value": task.lane})
            if task.org_unit is not None:
                sub(event, "string", {"key": "task_unit", "value": task.org_unit})
        for key, value in step.extra:
            sub(event, "string", {"key": key, "value": xml_text(value)})
        events += 1
    counts.cases += 1
    counts.events += events
    return trace


def _name(org: Organization | None, code: str | None) -> str | None:
    if org is None or code is None:
        return None
    unit = org.units.get(code)
    return unit.name if unit is not None else None
