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
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.definitions.timers import ClockCycle, ClockDuration, ClockTimeDate


class _InstanceOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], **kwargs: Any) -> Any:
        workflow = self.target_class(kwargs["spec"], kwargs["subprocess_specs"], deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _InstanceOnlyConverter
# Fired events (e.g. at an event-based gateway) keep their definitions in task data.
for _timer in (ClockTimeDate, ClockDuration, ClockCycle):
    _config[_timer] = TimerConditionalEventDefinitionConverter
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def _normalize(dct: dict[str, Any]) -> None:
    """Remove what is not a function of the events: wall-clock stamps, set order."""
    for task in dct["tasks"].values():
        task["last_state_change"] = 0
        delta = task.get("delta")
        if delta and delta.get("deletions"):
            delta["deletions"] = sorted(delta["deletions"])
    for sub in dct.get("subprocesses", {}).values():
        _normalize(sub)


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


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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


def pack(state: dict[str, Any]) -> bytes:
    # Insertion order, not sorted keys: SpiffWorkflow restores task data from deltas and
    # needs every parent task before its children, as the serializer wrote them.
    envelope = {"format": SNAPSHOT_FORMAT, "state": state}
    text = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode(), 9)


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
