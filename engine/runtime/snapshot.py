"""Workflow snapshots without specs.

A spec is stored once per definition version (as its BPMN XML); a case snapshot holds
only the instance: tasks, states, data. ``last_state_change`` wall-clock stamps are
zeroed so that a snapshot is a pure function of the events (and so is its digest).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from contextvars import ContextVar
from copy import copy
from types import ModuleType
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.definitions.timers import ClockCycle, ClockDuration, ClockTimeDate

# A task's id is written up to four times in a state: as its key, as its own id, among
# its parent's children and as its children's parent. A restore parses each once (a UUID
# is immutable, so one object can stand for every copy); nothing is kept after it.
_restoring: ContextVar[dict[str, UUID] | None] = ContextVar("daiban_restoring", default=None)


def _uuid(text: str) -> UUID:
    ids = _restoring.get()
    if ids is None:
        return UUID(text)
    found = ids.get(text)
    if found is None:
        found = ids[text] = UUID(text)
    return found


class _UuidKeys:
    """``mapping_from_dict`` with task-id keys parsed through ``_uuid``."""

    registry: Any

    def mapping_from_dict(
        self, mapping: dict[str, Any], key_class: Any = None, **kwargs: Any
    ) -> Any:
        if key_class is not UUID:
            return super().mapping_from_dict(mapping, key_class, **kwargs)  # type: ignore[misc]
        restore = self.registry.restore
        return {_uuid(key): restore(value, **kwargs) for key, value in mapping.items()}


class _TaskRestorer(TaskConverter):  # type: ignore[misc]
    """SpiffWorkflow's ``TaskConverter`` with the same ``from_dict``, done with less work:
    ids parsed once (``_uuid``), and a task's data copied from its parent's without
    ``DeepMerge`` (merging into an empty dict is a copy of each top-level value, the
    mutable ones shallow, which is what this does). ``to_dict`` is SpiffWorkflow's.
    ``tests/integration/test_verify_cost.py`` restores every state of every catalogue
    item both ways and compares the workflows."""

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Any:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        parent_id = dct["parent"]
        task._parent = _uuid(parent_id) if parent_id is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        restore = self.registry.restore
        task.internal_data = restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = {
                key: copy(value) if isinstance(value, (dict, list, set)) else value
                for key, value in parent.data.items()
            }
            data.update(restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = restore(dct["data"])
        task.data = data
        return task


class _SubWorkflowRestorer(_UuidKeys, BpmnSubWorkflowConverter):  # type: ignore[misc]
    pass


class _InstanceOnlyConverter(_UuidKeys, BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], **kwargs: Any) -> Any:
        token = _restoring.set({})
        try:
            return self._restored(dct, **kwargs)
        finally:
            _restoring.reset(token)

    def _restored(self, dct: dict[str, Any], **kwargs: Any) -> Any:
        workflow = self.target_class(kwargs["spec"], kwargs["subprocess_specs"], deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _InstanceOnlyConverter
_config[BpmnSubWorkflow] = _SubWorkflowRestorer
_config[Task] = _TaskRestorer
# Fired events (e.g. at an event-based gateway) keep their definitions in task data.
for _timer in (ClockTimeDate, ClockDuration, ClockCycle):
    _config[_timer] = TimerConditionalEventDefinitionConverter

_PLAIN = frozenset((str, int, float, bool, type(None)))


class PlainValues(DefaultRegistry):  # type: ignore[misc]
    """SpiffWorkflow's registry, converting the plain JSON values of task and workflow
    data (str, int, float, bool, None, and dicts and lists of them: nearly every value)
    without its dispatch per value (three method calls and a lookup each): serialising
    a catalogue workflow at mid-case takes 557 µs instead of 650. The result is the
    same: a dict drops its callables and modules as ``DefaultRegistry.clean`` does, and
    every other value (dates, UUIDs, event definitions, subclasses of dict or list) goes
    through the registry as before. Restoring likewise. ``tests/integration/
    test_verify_cost.py`` compares the two on every event of every catalogue item."""

    def convert(self, obj: Any) -> Any:
        kind = obj.__class__
        if kind in _PLAIN:
            return obj
        if self._encoder_mode:
            return super().convert(obj)
        if kind is dict:
            convert = self.convert
            return {
                key: convert(value)
                for key, value in obj.items()
                if not callable(value) and not isinstance(value, ModuleType)
            }
        if kind is list:
            convert = self.convert
            return [convert(value) for value in obj]
        return super().convert(obj)

    def restore(self, val: Any, **kwargs: Any) -> Any:
        """``DictionaryConverter.restore`` for plain values without a call per plain
        leaf: a dict without ``typename`` and a list are rebuilt (new objects, as there),
        a plain value is itself, and anything else goes through the registry."""
        kind = val.__class__
        if kind in _PLAIN:
            return val
        if kind is dict and "typename" not in val:
            restore = self.restore
            return {
                key: value if value.__class__ in _PLAIN else restore(value, **kwargs)
                for key, value in val.items()
            }
        if kind is list:
            restore = self.restore
            return [
                value if value.__class__ in _PLAIN else restore(value, **kwargs) for value in val
            ]
        return super().restore(val, **kwargs)


def serializer_with(
    registry: DefaultRegistry, *, spiffs_tasks: bool = False
) -> BpmnWorkflowSerializer:
    """A serializer of instance state (no specs) on ``registry``; ``spiffs_tasks``:
    restoring tasks and subprocesses with SpiffWorkflow's own converters (to compare)."""
    config = _config
    if spiffs_tasks:
        config = {**_config, Task: TaskConverter, BpmnSubWorkflow: BpmnSubWorkflowConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, registry=registry))


_serializer = serializer_with(PlainValues())


def _normalize(dct: dict[str, Any]) -> None:
    """Remove what is not a function of the events: wall-clock stamps, set order."""
    for task in dct["tasks"].values():
        _normalize_task(task)
    for sub in dct.get("subprocesses", {}).values():
        _normalize(sub)


def _normalize_task(task: dict[str, Any]) -> None:
    task["last_state_change"] = 0
    delta = task.get("delta")
    if delta and delta.get("deletions"):
        delta["deletions"] = sorted(delta["deletions"])


def workflow_to_dict(workflow: Any) -> dict[str, Any]:
    """The instance state as a JSON-compatible dict (no spec, no wall-clock values)."""
    dct: dict[str, Any] = _serializer.to_dict(workflow)
    _normalize(dct)
    return dct


def workflow_from_dict(
    dct: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any], script_engine: Any
) -> Any:
    workflow = _serializer.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) uses,
# made once.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode()


# The format of a stored snapshot. The state inside is what the digests cover; the format
# number lives in the envelope around it, so a new format never changes a digest. To
# change the format: raise SNAPSHOT_FORMAT and add the function that turns a state of the
# previous format into the new one to _MIGRATIONS (keyed by the format it upgrades from);
# snapshots are upgraded when read, and rewritten in the new format at the next change.
SNAPSHOT_FORMAT = 1
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    # format 0: the bare state, before snapshots had an envelope (same state)
    0: lambda state: state,
}


class SnapshotFormatError(ValueError):
    """A snapshot of a format this version cannot read (written by a newer daiban)."""


SNAPSHOT_LEVEL = 6


def pack(state: dict[str, Any]) -> bytes:
    # Insertion order, not sorted keys: SpiffWorkflow restores task data from deltas and
    # needs every parent task before its children, as the serializer wrote them.
    envelope = {"format": SNAPSHOT_FORMAT, "state": state}
    text = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    # zlib's default level: on the catalogue's states (about 50 KB of JSON) a quarter
    # faster than level 9 for snapshots about 1 % larger (docs/benchmarks.md).
    return zlib.compress(text.encode(), SNAPSHOT_LEVEL)


def unpack(blob: bytes) -> dict[str, Any]:
    """The state in a stored snapshot, upgraded to the current format."""
    stored: dict[str, Any] = json.loads(zlib.decompress(blob))
    enveloped = stored.keys() == {"format", "state"}  # else the bare state of format 0
    state: dict[str, Any] = stored["state"] if enveloped else stored
    found = stored["format"] if enveloped else 0
    if type(found) is not int or not 0 <= found <= SNAPSHOT_FORMAT:
        raise SnapshotFormatError(
            f"unknown snapshot format {found!r} (newest known: {SNAPSHOT_FORMAT})"
        )
    for version in range(found, SNAPSHOT_FORMAT):
        state = _MIGRATIONS[version](state)
    return state


def state_digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(state)).hexdigest()


_FINISHED = TaskState.FINISHED_MASK
_registry = _serializer.registry


class StateDigests:
    """``state_digest`` of a case's state, the same bytes hashed, assembled from cached
    canonical JSON fragments instead of serialising the whole workflow for every event.

    The canonical JSON of the state is a sorted-key object whose ``tasks`` mappings hold
    one object per task. A task that is finished (completed or cancelled) below a finished
    parent no longer changes: not its state, its children, its data or its delta against
    its parent's data. Its fragment is serialised once and kept (frozen); every other task
    (ready, waiting, predicted: bounded by the size of the process, not by the length of
    the history) and the workflow-level fields are serialised anew for each digest. What
    stays proportional to the history is joining the frozen fragments in key order and
    hashing the bytes, both in C. ``Auditor.verify`` checks a disagreement against the
    full serialisation before reporting it (``state_digest(live.state())``), so the cache
    can never fail a history that the full definition passes.
    """

    def __init__(self) -> None:
        self._workflows: dict[str, _FrozenTasks] = {}
        self._done: dict[str, tuple[Any, bytes]] = {}  # finished subprocesses, whole

    def digest(self, status: str, claims: dict[str, str], workflow: Any) -> str:
        head = b'{"claims":' + canonical_json(dict(sorted(claims.items())))
        head += b',"status":' + canonical_json(status) + b',"workflow":'
        body = self._workflow(workflow, "", top=True)
        return hashlib.sha256(head + body + b"}").hexdigest()

    def _workflow(self, workflow: Any, key: str, *, top: bool) -> bytes:
        done = self._done.get(key)
        if done is not None and done[0] is workflow:
            return done[1]
        frozen = self._workflows.get(key)
        if frozen is None or frozen.root != workflow.task_tree.id:
            frozen = self._workflows[key] = _FrozenTasks(workflow.task_tree.id)
        last = workflow.last_task
        fields: dict[str, Any] = {
            "completed": workflow.completed,
            "correlations": workflow.correlations,
            "data": _registry.convert(_registry.clean(workflow.data)),
            "last_task": str(last.id) if last is not None else None,
            "root": str(workflow.task_tree.id),
            "success": workflow.success,
            "tasks": _TASKS,
            "typename": _registry.typenames[type(workflow)],
        }
        subprocesses = b""
        if top:
            fields["bpmn_events"] = _registry.convert(workflow.bpmn_events)
            fields["subprocesses"] = _SUBPROCESSES
            subprocesses = _join_sorted(
                [
                    (str(task_id), self._workflow(sub, str(task_id), top=False))
                    for task_id, sub in workflow.subprocesses.items()
                ]
            )
            if len(self._workflows) > len(workflow.subprocesses) + 1:  # some were deleted
                keep = {str(task_id) for task_id in workflow.subprocesses} | {""}
                self._workflows = {k: v for k, v in self._workflows.items() if k in keep}
                self._done = {k: v for k, v in self._done.items() if k in keep}
        else:
            fields["parent_task_id"] = str(workflow.parent_task_id)
            fields["spec"] = workflow.spec.name
        text = canonical_json(fields)
        # Only fixed fields follow the two placeholders (the data comes before them).
        text = _splice(text, _TASKS_JSON, frozen.mapping(workflow.tasks))
        if top:
            return _splice(text, _SUBPROCESSES_JSON, subprocesses)
        if workflow.completed and len(frozen.ids) == len(workflow.tasks):
            self._done[key] = (workflow, text)  # a finished subprocess: nothing changes
        return text


_TASKS, _SUBPROCESSES = "\ue000tasks\ue000", "\ue000subprocesses\ue000"
_TASKS_JSON, _SUBPROCESSES_JSON = canonical_json(_TASKS), canonical_json(_SUBPROCESSES)


def _splice(text: bytes, placeholder: bytes, value: bytes) -> bytes:
    at = text.rindex(placeholder)
    return text[:at] + value + text[at + len(placeholder) :]


class _FrozenTasks:
    """The frozen task fragments of one workflow (see ``StateDigests``), as ``"id":{...}``
    entries sorted by task id."""

    def __init__(self, root: UUID) -> None:
        self.root = root
        self.ids: set[UUID] = set()
        self.entries: list[tuple[str, bytes]] = []
        # Unfinished tasks without data of their own (predicted ones): their fragment is a
        # function of their state, triggered flag, children and their parent's data keys.
        self.keyed: dict[UUID, tuple[tuple[Any, ...], tuple[str, bytes]]] = {}

    def mapping(self, tasks: dict[UUID, Any]) -> bytes:
        ids = self.ids
        fresh = [task for task_id, task in tasks.items() if task_id not in ids]
        if len(tasks) - len(fresh) != len(ids):  # a frozen task left the tree
            self.ids = ids = ids & tasks.keys()
            self.entries = [e for e in self.entries if UUID(e[0]) in ids]
        keyed = self.keyed
        if len(keyed) > len(fresh):
            self.keyed = keyed = {k: v for k, v in keyed.items() if k in tasks and k not in ids}
        added: list[tuple[str, bytes]] = []
        current: list[tuple[str, bytes]] = []
        for task in fresh:
            parent = tasks.get(task._parent) if task._parent is not None else None
            if task._state & _FINISHED and (parent is None or parent._state & _FINISHED):
                ids.add(task.id)
                added.append(_entry(task))
            elif not task.data and not task.internal_data:
                key = (
                    task._state,
                    task.triggered,
                    tuple(task._children),
                    None if parent is None else tuple(parent.data),
                )
                hit = keyed.get(task.id)
                if hit is None or hit[0] != key:
                    hit = keyed[task.id] = (key, _entry(task))
                current.append(hit[1])
            else:
                current.append(_entry(task))
        if added:
            self.entries.extend(added)
            self.entries.sort()
        merged = self.entries + current
        if current:
            merged.sort()
        return b"{" + b",".join([entry for _, entry in merged]) + b"}"


def _entry(task: Any) -> tuple[str, bytes]:
    """``("id", b'"id":{...}')``: the task's key and its canonical JSON entry."""
    dct = _registry.convert(task)
    _normalize_task(dct)
    task_id: str = dct["id"]
    return task_id, b'"' + task_id.encode() + b'":' + canonical_json(dct)


def _join_sorted(items: list[tuple[str, bytes]]) -> bytes:
    """A canonical JSON object from (key, canonical JSON of the value) pairs."""
    items.sort()
    return b"{" + b",".join(canonical_json(key) + b":" + value for key, value in items) + b"}"
