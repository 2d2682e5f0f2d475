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

Written one trace at a time into chunks of bytes: the whole log is never held in memory.
Every value taken from the data goes through ``attr`` (markup escaped, characters XML
cannot carry replaced); the keys and the values of our own are fixed ASCII names. This
is several times faster than building each trace as an lxml tree (about 70 against 430
microseconds for a trace of 17 events). The document validates against the standard's
XML schema (``xes-ieee-1849-2016.xsd``, no target namespace).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

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
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


@lru_cache(maxsize=16384)
def attr(value: str) -> str:
    """``value`` as the text of a double-quoted XML attribute: markup characters and
    whitespace other than the space escaped (so that it reads back exactly), characters
    XML cannot carry replaced by U+FFFD."""
    return xml_text(value).translate(_ESCAPES)


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
    parts = [_header(about or {}, exported_at)]
    size = 0
    for history in cases:
        text = _trace(history, org, counts)
        parts.append(text)
        size += len(text)
        if size >= chunk:
            yield "".join(parts).encode()
            parts.clear()
            size = 0
    parts.append("</log>\n")
    yield "".join(parts).encode()


def write_xes(cases: Iterable[CaseHistory], out: IO[bytes], **options: Any) -> ExportCounts:
    """Write the XES document of ``cases`` to a binary file; returns what was written."""
    counts = ExportCounts()
    for data in xes_chunks(cases, counts=counts, **options):
        out.write(data)
    return counts


def _header(about: Mapping[str, str], exported_at: datetime | None) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<log xes.version="{XES_VERSION}">']
    for name, prefix, uri in EXTENSIONS:
        lines.append(f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>')
    for scope, declared in (("trace", TRACE_GLOBALS), ("event", EVENT_GLOBALS)):
        lines.append(f'  <global scope="{scope}">')
        lines += [f'    <{kind} key="{key}" value="{value}"/>' for kind, key, value in declared]
        lines.append("  </global>")
    for name, keys in CLASSIFIERS:
        lines.append(f'  <classifier name="{name}" keys="{keys}"/>')
    attributes = [
        ("string", "concept:name", "daiban 办件日志"),
        ("string", "lifecycle:model", "standard"),
        ("string", "source", "daiban"),
    ]
    if exported_at is not None:
        attributes.append(("date", "exported_at", timestamp(exported_at)))
    attributes += [("string", key, value) for key, value in about.items()]
    lines += [
        f'  <{kind} key="{attr(key)}" value="{attr(value)}"/>' for kind, key, value in attributes
    ]
    return "\n".join(lines) + "\n"


def _trace(history: CaseHistory, org: Organization | None, counts: ExportCounts) -> str:
    case = history.case
    out = ["  <trace>\n"]
    add = out.append
    add(f'    <string key="concept:name" value="{attr(history.name)}"/>\n')
    add(f'    <int key="case_id" value="{case.id}"/>\n')
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
            add(f'    <string key="{key}" value="{attr(value)}"/>\n')
    add(f'    <date key="registered_at" value="{timestamp(case.created_at)}"/>\n')
    if case.closed_at is not None:
        add(f'    <date key="closed_at" value="{timestamp(case.closed_at)}"/>\n')
    events = 0
    for step in activities(history):
        add("    <event>\n")
        add(f'      <string key="concept:name" value="{attr(step.activity)}"/>\n')
        add(f'      <string key="lifecycle:transition" value="{step.transition}"/>\n')
        add(f'      <date key="time:timestamp" value="{timestamp(step.at)}"/>\n')
        add(f'      <string key="org:resource" value="{attr(step.resource)}"/>\n')
        if step.role is not None:
            add(f'      <string key="org:role" value="{attr(step.role)}"/>\n')
        if step.group is not None:
            add(f'      <string key="org:group" value="{attr(step.group)}"/>\n')
        add(f'      <int key="seq" value="{step.seq}"/>\n')
        add(f'      <string key="event_type" value="{attr(step.event_type)}"/>\n')
        if step.on_behalf_of is not None:
            add(f'      <string key="on_behalf_of" value="{attr(step.on_behalf_of)}"/>\n')
        task = step.task
        if task is not None:
            add(f'      <string key="concept:instance" value="{attr(task.id)}"/>\n')
            add(f'      <string key="task_element" value="{attr(task.spec_id)}"/>\n')
            if task.lane is not None:
                add(f'      <string key="task_role" value="{attr(task.lane)}"/>\n')
            if task.org_unit is not None:
                add(f'      <string key="task_unit" value="{attr(task.org_unit)}"/>\n')
        for key, value in step.extra:
            add(f'      <string key="{key}" value="{attr(value)}"/>\n')
        add("    </event>\n")
        events += 1
    add("  </trace>\n")
    counts.cases += 1
    counts.events += events
    return "".join(out)


def _name(org: Organization | None, code: str | None) -> str | None:
    if org is None or code is None:
        return None
    unit = org.units.get(code)
    return unit.name if unit is not None else None
