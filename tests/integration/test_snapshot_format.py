"""Stored snapshots carry a format version; task ids really are deterministic."""

from __future__ import annotations

import json
import math
import uuid
import zlib
from collections import OrderedDict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry

from engine import Engine
from engine.runtime import ids
from engine.runtime.snapshot import (
    SNAPSHOT_FORMAT,
    PlainValues,
    SnapshotFormatError,
    pack,
    state_digest,
    unpack,
)
from engine.store.testing import run_sql
from tests.support.driving import INTAKE, complete, start_sample


def test_snapshots_carry_their_format_outside_the_digested_state() -> None:
    state = {"status": "open", "claims": {}, "workflow": {"tasks": {}}}
    blob = pack(state)
    assert json.loads(zlib.decompress(blob)) == {"format": SNAPSHOT_FORMAT, "state": state}
    assert unpack(blob) == state
    assert state_digest(unpack(blob)) == state_digest(state)


def test_plain_values_convert_as_spiffworkflows_registry() -> None:
    """What ``PlainValues`` converts itself (plain JSON values, dicts, lists) and what it
    hands to the registry (everything else) come out as SpiffWorkflow's own registry
    makes them: callables and modules dropped from dicts, dates and UUIDs typed."""
    at = datetime(2026, 12, 5, 9, 30)
    value = {
        "text": "王芳",
        "count": 3,
        "share": 0.5,
        "inf": math.inf,
        "yes": True,
        "none": None,
        "when": at,
        "day": date(2026, 12, 5),
        "span": timedelta(days=2, seconds=5),
        "uid": uuid.UUID(int=16),
        "money": Decimal("1.50"),
        "pair": (1, [at, {"f": len}]),
        "ordered": OrderedDict(b=1, a=at),
        "helper": len,
        "module": json,
        "nested": [{"deep": [at, "x", {"gone": print, "kept": 1}]}, [], {}],
    }
    ours, spiffs = PlainValues().convert(value), DefaultRegistry().convert(value)
    assert ours == spiffs
    assert "helper" not in ours and "module" not in ours
    assert ours["when"] == {"value": at.isoformat(), "typename": "datetime"}
    assert ours["nested"][0]["deep"][2] == {"kept": 1}


def test_snapshots_written_before_the_envelope_still_read(sample: Engine) -> None:
    """Format 0 was the bare state: such a snapshot reads as the same state, and a case
    stored that way goes on and verifies."""
    view = start_sample(sample)
    record = sample.cases.record(view.id)
    state = unpack(record.snapshot)
    legacy = zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 9)
    assert unpack(legacy) == state
    run_sql(sample.store, "UPDATE cases SET snapshot = :s WHERE id = :i", s=legacy, i=view.id)
    sample.cases.cache.clear()  # read it from the database
    after = complete(sample, sample.cases.get(view.id), "Task_intake", INTAKE)
    assert after.version == view.version + 1
    assert sample.audit.verify(view.id).ok


@pytest.mark.parametrize("found", [SNAPSHOT_FORMAT + 1, -1, True, "1", None])
def test_a_newer_or_unknown_format_is_refused_not_misread(found: object) -> None:
    blob = zlib.compress(json.dumps({"format": found, "state": {}}).encode())
    with pytest.raises(SnapshotFormatError, match="unknown snapshot format"):
        unpack(blob)


def test_a_bare_state_with_a_format_key_of_its_own_is_format_0() -> None:
    state = {"format": "a key of the state", "workflow": {}}
    blob = zlib.compress(json.dumps(state).encode())
    assert unpack(blob) == state


def test_task_ids_are_derived_from_the_case_and_the_event(sample: Engine) -> None:
    """The deterministic ids replace SpiffWorkflow's uuid4 at call time: if SpiffWorkflow
    stopped looking the name up (or renamed it), these ids would be random."""
    compiled = sample.definitions.compiled(sample.definitions.latest("sample_proxy_item").hash)

    def first_ids() -> list[uuid.UUID]:
        with ids.deterministic_ids("case-uid", 7):
            workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs)
        return [task.id for task in workflow.get_tasks()][:3]

    expected = [uuid.uuid5(ids._NAMESPACE, f"case-uid/7/{n}") for n in (1, 2, 3)]
    assert first_ids() == expected
    assert first_ids() == expected  # again: the same
    outside = [t.id for t in BpmnWorkflow(compiled.spec, compiled.subprocess_specs).get_tasks()]
    assert not set(outside) & set(expected)  # plain library use keeps random ids
