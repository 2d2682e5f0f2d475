"""The element contract (engine.elements) names only what the BPMN library really has."""

from __future__ import annotations

from collections import defaultdict

import pytest
from lxml import etree

from engine import elements
from engine.elements import TaskRef
from tests.support.paths import BPMN

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DAIBAN_NS = "{urn:daiban:bpmn:1}"


def _library() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[tuple[str, str], str]]:
    """Per process id: its element ids, the message names its events wait for; and the
    enum values of each (task, field) form field."""
    ids: dict[str, set[str]] = defaultdict(set)
    messages: dict[str, set[str]] = defaultdict(set)
    enums: dict[tuple[str, str], str] = {}
    for path in sorted(BPMN.rglob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        names = {m.get("id"): m.get("name") for m in root.iter(f"{BPMN_NS}message")}
        for process in root.iter(f"{BPMN_NS}process"):
            pid = process.get("id")
            for element in process.iter():
                if element.get("id"):
                    ids[pid].add(element.get("id"))
                # message events and receive tasks wait for a message
                if element.get("messageRef"):
                    messages[pid].add(names.get(element.get("messageRef"), ""))
                if element.tag == f"{DAIBAN_NS}field" and element.get("values"):
                    task = next(a for a in element.iterancestors() if a.get("id"))
                    enums[(task.get("id"), element.get("name"))] = element.get("values")
    return ids, messages, enums


IDS, MESSAGES, ENUMS = _library()
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
