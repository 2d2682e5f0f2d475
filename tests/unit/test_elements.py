"""The element contract (engine.elements) names only what the BPMN library really has."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from lxml import etree

from engine import elements, periods
from engine.elements import TaskRef
from processes.resources import CATALOGUE_SCHEMA
from tests.support.paths import BPMN

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DAIBAN_NS = "{urn:daiban:bpmn:1}"


def _library() -> tuple[
    dict[str, set[str]], dict[str, set[str]], dict[tuple[str, str], str], dict[str, set[str]]
]:
    """Per process id: its element ids, the message names its events wait for; the enum
    values of each (task, field) form field; and the names each element id has anywhere."""
    ids: dict[str, set[str]] = defaultdict(set)
    messages: dict[str, set[str]] = defaultdict(set)
    enums: dict[tuple[str, str], str] = {}
    labels: dict[str, set[str]] = defaultdict(set)
    for path in sorted(BPMN.rglob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        names = {m.get("id"): m.get("name") for m in root.iter(f"{BPMN_NS}message")}
        for process in root.iter(f"{BPMN_NS}process"):
            pid = process.get("id")
            for element in process.iter():
                if element.get("id"):
                    ids[pid].add(element.get("id"))
                    labels[element.get("id")].add(element.get("name"))
                # message events and receive tasks wait for a message
                if element.get("messageRef"):
                    messages[pid].add(names.get(element.get("messageRef"), ""))
                if element.tag == f"{DAIBAN_NS}field" and element.get("values"):
                    task = next(a for a in element.iterancestors() if a.get("id"))
                    enums[(task.get("id"), element.get("name"))] = element.get("values")
    return ids, messages, enums, labels


IDS, MESSAGES, ENUMS, LABELS = _library()
TASKS = [
    value
    for value in vars(elements).values()
    if isinstance(value, TaskRef)
    or (isinstance(value, tuple) and value and all(isinstance(v, TaskRef) for v in value))
]


@pytest.mark.parametrize("process", elements.SHARED_ACTIVITIES)
def test_every_shared_activity_exists(process: str) -> None:
    assert process in IDS


@pytest.mark.parametrize(
    "task",
    sorted({t for v in TASKS for t in (v if isinstance(v[0], TaskRef) else [v])}),
    ids=str,
)
def test_every_named_task_exists(task: TaskRef) -> None:
    if task.process == elements.ANY_PROCESS:
        assert any(task.task in found for found in IDS.values())
    else:
        assert task.task in IDS[task.process]


@pytest.mark.parametrize("message", elements.MESSAGES)
def test_every_named_message_is_awaited_by_its_activity(message: str) -> None:
    assert message in MESSAGES[elements.MESSAGE_PROCESS[message]]


def test_the_accepting_decisions_are_values_of_the_materials_check() -> None:
    values = ENUMS[(elements.CHECK_MATERIALS.task, elements.INTAKE_DECISION)]
    offered = {option.split(":")[0] for option in values.split(",")}
    assert set(elements.ACCEPTING_DECISIONS) <= offered


@pytest.mark.parametrize("step", sorted(elements.SPECIAL_STEPS))
def test_every_special_step_task_exists_with_its_name(step: str) -> None:
    special = elements.SPECIAL_STEPS[step]
    assert LABELS[special.task] == {special.name}


@pytest.mark.parametrize("step", sorted(elements.PERIOD_RESULTS))
def test_every_period_step_records_its_result_and_is_an_excluded_period(step: str) -> None:
    result = elements.PERIOD_RESULTS[step]
    assert LABELS[result.task] == {result.name}
    assert step in periods.REASONS and step in elements.SPECIAL_STEPS


def test_the_special_steps_are_the_catalogues() -> None:
    schema = json.loads(CATALOGUE_SCHEMA.read_text(encoding="utf-8"))
    offered = set(_find(schema, "special_steps")["items"]["enum"])
    assert set(elements.SPECIAL_STEPS) == offered - set(elements.BRANCH_STEPS)


def _find(node: Any, key: str) -> Any:
    """The first value of ``key`` anywhere in a JSON document."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            found = _find(child, key)
            if found is not None:
                return found
    return None
