"""The Chinese titles of the fields a case's history records (办件历史的字段名称).

The history (``GET /cases/{id}/history``) gives each event's data as recorded: keyed by
field names (``intake_decision``, ``applicant`` → ``id_number``) and holding codes
(``accept``). ``history_labels`` names, in one map for the whole history, every field
path that occurs in a case's events, and the option titles of those that hold enums:

- the registration (``case_started``'s ``data``): ``labels.REGISTRATION_FIELDS`` and
  ``labels.REGISTRATION_VALUES``;
- a task's answers (``task_completed``'s ``data``): the titles of that task's form in the
  case's pinned definition (its called processes included) and its enums' options;
- a message's payload (``message_received``'s ``payload``): the titles of the message's
  schema (``engine.messages``) and its ``oneOf`` options;
- what every event records beside them: ``labels.EVENT_FIELDS``.

A path: an object's member is ``parent.member``, from the root of the submitted data
(registration, answers, payload) or, for the rest, of the event's data; list items add
nothing (``materials``). A path given two different titles in one case (two forms of the
case, each with a ``received_by``) gets both, joined by ``／``; option titles likewise.

A definition's form titles are read once per definition hash (a pinned definition never
changes); a history then costs a walk over its events' keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine import labels, messages

if TYPE_CHECKING:
    from engine.audit import HistoryEntry
    from engine.definitions.compiler import CompiledProcess

__all__ = ["DefinitionNames", "HistoryLabels", "Names", "definition_names", "history_labels"]

JOIN = "／"


@dataclass(frozen=True)
class Names:
    """Titles by field path, and option titles (code -> title) by field path."""

    fields: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DefinitionNames:
    """The names of every task form of a process version: per (process id, task id), and
    all merged (for a task the history cannot place)."""

    forms: Mapping[tuple[str, str], Names]
    merged: Names


@dataclass
class HistoryLabels:
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, paths: Iterable[str], names: Names) -> None:
        for path in paths:
            title = names.fields.get(path)
            if title is not None:
                self.labels[path] = _joined(self.labels.get(path), title)
            options = names.values.get(path)
            if options:
                known = self.value_labels.setdefault(path, {})
                for value, shown in options.items():
                    known[value] = _joined(known.get(value), shown)


def _joined(known: str | None, title: str) -> str:
    if not known:
        return title
    return known if title in known.split(JOIN) else f"{known}{JOIN}{title}"


def definition_names(compiled: CompiledProcess | None) -> DefinitionNames:
    """The titles of the task forms of ``compiled`` (None: a version that cannot be read;
    its answers keep their field names)."""
    forms: dict[tuple[str, str], Names] = {}
    merged = HistoryLabels()
    for process_id, outline in (compiled.outlines if compiled is not None else {}).items():
        for task_id, form in outline.forms.items():
            names = Names(
                {f.name: f.title for f in form.fields},
                {f.name: dict(f.values) for f in form.fields if f.type == "enum" and f.values},
            )
            forms[process_id, task_id] = names
            merged.add(names.fields, names)
    return DefinitionNames(forms, Names(merged.labels, merged.value_labels))


def _message_names(schema: Mapping[str, Any]) -> Names:
    properties: Mapping[str, Any] = schema.get("properties", {})
    return Names(
        {name: str(p.get("title", name)) for name, p in properties.items()},
        {
            name: {str(c["const"]): str(c.get("title", c["const"])) for c in p["oneOf"]}
            for name, p in properties.items()
            if p.get("oneOf")
        },
    )


MESSAGE_NAMES = {name: _message_names(schema) for name, schema in messages.SCHEMAS.items()}
REGISTRATION = Names(labels.REGISTRATION_FIELDS, labels.REGISTRATION_VALUES)
_EVENT_VALUES_BY_TYPE = {
    "message_received": ("name",),
    "incident": ("action",),
    "due_date_extended": ("period", "limit_unit"),
    "limit_met": ("met_by",),
}
EVENT_NAMES = {
    kind: Names(labels.EVENT_FIELDS, {path: labels.EVENT_FIELD_VALUES[path] for path in paths})
    for kind, paths in _EVENT_VALUES_BY_TYPE.items()
}
PLAIN_EVENT = Names(labels.EVENT_FIELDS)


def history_labels(definition: DefinitionNames, entries: Iterable[HistoryEntry]) -> HistoryLabels:
    """The titles of every field path in the events of ``entries`` that has one."""
    found = HistoryLabels()
    for entry in entries:
        payload = entry.event.payload
        key, names = _submitted(entry, definition)
        found.add(_paths({k: v for k, v in payload.items() if k != key}), _event(entry))
        if key is not None and key in payload:
            found.add([key], PLAIN_EVENT)
            found.add(_paths(payload[key]), names)
    return found


def _event(entry: HistoryEntry) -> Names:
    return EVENT_NAMES.get(entry.event.type, PLAIN_EVENT)


def _submitted(entry: HistoryEntry, definition: DefinitionNames) -> tuple[str | None, Names]:
    """Where the event holds what was submitted, and the names it is read with."""
    event = entry.event
    if event.type == "case_started":
        return "data", REGISTRATION
    if event.type == "task_completed":
        task = entry.task
        form = definition.forms.get((task.process_id, task.spec_id)) if task else None
        return "data", form if form is not None else definition.merged
    if event.type == "message_received":
        return "payload", MESSAGE_NAMES.get(str(event.payload.get("name")), Names())
    return None, Names()


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every member path of ``value``: ``a``, ``a.b``…; list items add no segment."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            path = f"{prefix}{key}"
            yield path
            yield from _paths(inner, path + ".")
    elif isinstance(value, list):
        for inner in value:
            yield from _paths(inner, prefix)
