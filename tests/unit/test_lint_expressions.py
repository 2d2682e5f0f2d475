"""Lint checks every expression SpiffWorkflow will evaluate, and knows every such place.

Three walks keep the list of places (``engine.definitions.expressions.PLACES``) honest:
over SpiffWorkflow's source for every call that evaluates or runs text, over every element
its parsers read, and over the specs its parser builds from a document with a hostile
text in every place. An upgrade of SpiffWorkflow that evaluates or reads something new
fails the first two; a place lint does not look at fails the third.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import SpiffWorkflow

from engine import SourceFile, lint
from engine.definitions.compiler import compile_trees
from engine.definitions.expressions import PLACES
from engine.xmlsafe import parse_xml

SPIFF_ROOT = Path(SpiffWorkflow.__file__).parent
KINDS = {place.kind for place in PLACES}

# Every call in SpiffWorkflow that evaluates or runs text from the document, by
# (file, function, the text's argument) -> the lint places it comes from. ``refused``:
# the element that leads there is refused by lint as a whole.
EVALUATION_SITES: dict[tuple[str, str, str], set[str]] = {
    ("bpmn/specs/bpmn_task_spec.py", "_matches", "self.args[0]"): {"sequence_flow_condition"},
    ("bpmn/specs/mixins/script_task.py", "_execute", "self.script"): {"script"},
    ("spiff/specs/spiff_task.py", "execute_script", "script"): {"pre_script", "post_script"},
    ("bpmn/specs/event_definitions/timer.py", "has_fired", "self.expression"): {
        "timer_date",
        "timer_duration",
    },
    ("bpmn/specs/event_definitions/timer.py", "cycle_complete", "self.expression"): {"timer_cycle"},
    ("bpmn/specs/event_definitions/conditional.py", "has_fired", "self.expression"): {
        "conditional_event"
    },
    ("bpmn/specs/mixins/multiinstance_task.py", "loop_complete", "self.condition"): {
        "loop_condition"
    },
    (
        "bpmn/specs/mixins/multiinstance_task.py",
        "check_completion_condition",
        "self.condition",
    ): {"completion_condition"},
    ("bpmn/specs/mixins/multiinstance_task.py", "_update_hook", "self.cardinality"): {
        "loop_cardinality"
    },
    ("bpmn/specs/mixins/multiinstance_task.py", "create_children", "self.cardinality"): {
        "loop_cardinality"
    },
    (
        "bpmn/specs/event_definitions/message.py",
        "calculate_correlations",
        "prop.retrieval_expression",
    ): {"correlation_retrieval", "process_variable_correlation"},
    ("spiff/specs/event_definitions.py", "throw", "self.expression"): {
        "message_payload",
        "event_payload",
    },
    ("spiff/specs/mixins/service_task.py", "evaluate_params", "param['value']"): {
        "service_parameter",
        "refused:serviceTask",
    },
    ("spiff/specs/mixins/service_task.py", "_execute", "<call_service>"): {"refused:serviceTask"},
    ("bpmn/specs/bpmn_process_spec.py", "path_complete", "self.completion_condition"): {
        "completion_condition",
        "refused:adHocSubProcess",
    },
    ("bpmn/specs/bpmn_process_spec.py", "check_condition", "cond"): {"refused:adHocSubProcess"},
}
# Whole packages our parser never uses: DMN decision tables (business rule tasks are
# refused by lint and no DMN file is ever added) and the Camunda parser.
UNUSED_PACKAGES = ("dmn/", "camunda/", "bpmn/script_engine/")
_EVALUATING = {"evaluate", "execute", "call_service", "_evaluate"}


def _evaluation_sites() -> Iterator[tuple[str, str, str]]:
    """(file, enclosing function, argument) of every call of a script engine or of its
    environment in SpiffWorkflow's source."""
    for path in sorted(SPIFF_ROOT.rglob("*.py")):
        relative = path.relative_to(SPIFF_ROOT).as_posix()
        if relative.startswith(UNUSED_PACKAGES):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                receiver = ast.unparse(call.func.value)
                if call.func.attr not in _EVALUATING or not re.search(
                    r"script_engine|environment", receiver
                ):
                    continue
                if call.func.attr == "call_service":
                    yield relative, function.name, "<call_service>"
                    continue
                # script_engine.evaluate(task, text) or environment.evaluate(text, data)
                position = 1 if receiver.endswith("script_engine") else 0
                argument = next(
                    (k.value for k in call.keywords if k.arg in ("expression", "script")),
                    call.args[position] if len(call.args) > position else None,
                )
                assert argument is not None, (relative, function.name, ast.unparse(call))
                yield relative, function.name, ast.unparse(argument).replace('"', "'")


def test_every_evaluation_in_spiffworkflow_is_a_place_lint_checks() -> None:
    found = set(_evaluation_sites())
    assert found == set(EVALUATION_SITES), (
        "SpiffWorkflow evaluates text somewhere lint does not know about (or no longer "
        f"does): new {sorted(found - set(EVALUATION_SITES))}, "
        f"gone {sorted(set(EVALUATION_SITES) - found)}; add the place to "
        "engine.definitions.expressions.PLACES and to this table"
    )
    named = {k for kinds in EVALUATION_SITES.values() for k in kinds if ":" not in k}
    assert named <= KINDS
    # and every expression place lint checks is one SpiffWorkflow really evaluates
    names = {p.kind for p in PLACES if p.mode == "name"}
    assert KINDS - names == named


# Elements and spiffworkflow extensions SpiffWorkflow's parsers read whose text is never
# evaluated: structure, diagram, data wiring, references, and extensions only
# spiff-arena's front end or tooling uses. Anything else they read must be a lint place.
NOT_EVALUATED = {
    # structure and references
    "bpmn:process", "bpmn:collaboration", "bpmn:participant", "bpmn:lane", "bpmn:flowNodeRef",
    "bpmn:startEvent", "bpmn:endEvent", "bpmn:subProcess", "bpmn:callActivity",
    "bpmn:incoming", "bpmn:sourceRef", "bpmn:targetRef", "bpmn:documentation",
    "bpmn:extensionElements", "bpmn:standardLoopCharacteristics",
    "bpmn:multiInstanceLoopCharacteristics",
    # event definitions (their expressions are places of their own)
    "bpmn:messageEventDefinition", "bpmn:signalEventDefinition", "bpmn:errorEventDefinition",
    "bpmn:escalationEventDefinition", "bpmn:timerEventDefinition", "bpmn:cancelEventDefinition",
    "bpmn:terminateEventDefinition", "bpmn:conditionalEventDefinition", "bpmn:message",
    "bpmn:messageDefinition", "bpmn:signal", "bpmn:error", "bpmn:escalation",
    "bpmn:correlationKey", "bpmn:correlationProperty", "bpmn:correlationPropertyRef",
    "bpmn:correlationPropertyRetrievalExpression", "spiffworkflow:processVariableCorrelation",
    "spiffworkflow:propertyId",
    # data wiring: names and references, copied, never evaluated
    "bpmn:ioSpecification", "bpmn:dataInput", "bpmn:dataOutput", "bpmn:inputSet",
    "bpmn:outputSet", "bpmn:dataInputRefs", "bpmn:dataOutputRefs", "bpmn:dataObject",
    "bpmn:dataObjectReference", "bpmn:dataStore", "bpmn:dataStoreReference",
    "bpmn:dataInputAssociation", "bpmn:dataOutputAssociation",
    # the diagram (positions, to order outgoing flows)
    "bpmndi:BPMNShape", "dc:Bounds",
    # spiffworkflow extensions that are not evaluated by the engine
    "spiffworkflow:scriptsOnInstances",  # a flag
    "extension:category",  # a data object's category
    "extension:calledDecisionId",  # DMN: business rule tasks are refused
    "extension:serviceTaskOperator",  # service tasks are refused (parameters: a place)
    "extension:properties", "extension:taskMetadataValues", "extension:unitTests",
}  # fmt: skip
_EXTENSION_KEYS = {"preScript", "postScript", "payloadExpression", "variableName"}


def test_every_element_spiffworkflows_parsers_read_is_a_place_or_known_inert() -> None:
    read: set[str] = set()
    for folder in ("bpmn/parser", "spiff/parser"):
        for path in sorted((SPIFF_ROOT / folder).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            read |= set(re.findall(r"\b(?:bpmn|bpmndi|dc|spiffworkflow):[A-Za-z]+", text))
            keys = re.findall(r"extensions(?:\.get\(|\[)'([A-Za-z]+)'", text)
            read |= {f"extension:{key}" for key in keys}
    prefixes = {
        "http://www.omg.org/spec/BPMN/20100524/MODEL": "bpmn",
        "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
    }
    places = {f"{prefixes[p.namespace]}:{p.tag}" for p in PLACES}
    places |= {f"extension:{key}" for key in _EXTENSION_KEYS}
    unknown = read - places - NOT_EVALUATED
    assert not unknown, (
        f"SpiffWorkflow's parsers read {sorted(unknown)}: if the engine evaluates it, add it "
        "to engine.definitions.expressions.PLACES, else to NOT_EVALUATED here"
    )
    assert not NOT_EVALUATED - read, "stale entries in NOT_EVALUATED"
    # every extension key that is a place is also a place lint reads by tag
    assert {f"spiffworkflow:{key}" for key in _EXTENSION_KEYS} <= places


def test_spiffworkflow_runs_no_document_text_with_plain_eval_or_exec() -> None:
    """Outside the script engine, SpiffWorkflow calls ``eval``/``exec`` only where a BPMN
    workflow never goes: the core (non-BPMN) ``Transform`` spec, and the migration of
    serializations older than ours (snapshots are read with ``from_dict``, which does not
    migrate)."""
    found = set()
    for path in sorted(SPIFF_ROOT.rglob("*.py")):
        relative = path.relative_to(SPIFF_ROOT).as_posix()
        if relative.startswith("bpmn/script_engine/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("eval", "exec", "compile")
            ):
                found.add(relative)
    assert found == {"specs/Transform.py", "bpmn/serializer/migration/version_1_2.py"}


# A document with a hostile text in every place: ``{kind}`` marks where, and the hostile
# text names its kind so that each can be traced to the spec attribute it lands in.
SINK = """\
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Defs" targetNamespace="urn:daiban:test">
  <bpmn:collaboration id="Collab">
    <bpmn:participant id="Participant" processRef="sink"/>
    <bpmn:correlationKey name="main">
      <bpmn:correlationPropertyRef>cp_key</bpmn:correlationPropertyRef>
    </bpmn:correlationKey>
  </bpmn:collaboration>
  <bpmn:correlationProperty id="cp_key" name="cp_key">
    <bpmn:correlationPropertyRetrievalExpression messageRef="Msg_a">
      <bpmn:formalExpression>{correlation_retrieval}</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:message id="Msg_a" name="rating"/>
  <bpmn:signal id="Sig_a" name="sig_a">
    <bpmn:extensionElements>
      <spiffworkflow:payloadExpression>{event_payload}</spiffworkflow:payloadExpression>
      <spiffworkflow:variableName>{event_variable}</spiffworkflow:variableName>
    </bpmn:extensionElements>
  </bpmn:signal>
  <bpmn:process id="sink" isExecutable="true">
    <bpmn:startEvent id="Start_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_a">
      <bpmn:extensionElements>
        <spiffworkflow:preScript>{pre_script}</spiffworkflow:preScript>
        <spiffworkflow:postScript>{post_script}</spiffworkflow:postScript>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway" default="F_default">
      <bpmn:incoming>F2</bpmn:incoming>
      <bpmn:outgoing>F3</bpmn:outgoing><bpmn:outgoing>F_default</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:intermediateCatchEvent id="Timer_date">
      <bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate>{timer_date}</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Timer_duration">
      <bpmn:incoming>F4</bpmn:incoming><bpmn:outgoing>F5</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDuration>{timer_duration}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Timer_cycle">
      <bpmn:incoming>F5</bpmn:incoming><bpmn:outgoing>F6</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeCycle>{timer_cycle}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Conditional">
      <bpmn:incoming>F6</bpmn:incoming><bpmn:outgoing>F7</bpmn:outgoing>
      <bpmn:conditionalEventDefinition>
        <bpmn:condition>{conditional_event}</bpmn:condition>
      </bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateThrowEvent id="Throw_message">
      <bpmn:incoming>F7</bpmn:incoming><bpmn:outgoing>F8</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="Msg_a">
        <bpmn:extensionElements>
          <spiffworkflow:messagePayload>{message_payload}</spiffworkflow:messagePayload>
          <spiffworkflow:processVariableCorrelation>
            <spiffworkflow:propertyId>cp_key</spiffworkflow:propertyId>
            <spiffworkflow:expression>{process_variable_correlation}</spiffworkflow:expression>
          </spiffworkflow:processVariableCorrelation>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="Catch_message">
      <bpmn:incoming>F8</bpmn:incoming><bpmn:outgoing>F9</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="Msg_a">
        <bpmn:extensionElements>
          <spiffworkflow:messageVariable>{message_variable}</spiffworkflow:messageVariable>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateThrowEvent id="Throw_signal">
      <bpmn:incoming>F9</bpmn:incoming><bpmn:outgoing>F10</bpmn:outgoing>
      <bpmn:signalEventDefinition signalRef="Sig_a"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:task id="Loop">
      <bpmn:incoming>F10</bpmn:incoming><bpmn:outgoing>F11</bpmn:outgoing>
      <bpmn:standardLoopCharacteristics loopMaximum="3">
        <bpmn:loopCondition>{loop_condition}</bpmn:loopCondition>
      </bpmn:standardLoopCharacteristics>
    </bpmn:task>
    <bpmn:task id="Multi_count">
      <bpmn:incoming>F11</bpmn:incoming><bpmn:outgoing>F12</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>{loop_cardinality}</bpmn:loopCardinality>
        <bpmn:completionCondition>{completion_condition}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:task>
    <bpmn:task id="Multi_items">
      <bpmn:incoming>F12</bpmn:incoming><bpmn:outgoing>F13</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopDataInputRef>{loop_data_input}</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>{loop_data_output}</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="{input_data_item}"/>
        <bpmn:outputDataItem id="{output_data_item}"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:task>
    <bpmn:serviceTask id="Service">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="http/get">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="url" type="str" value="{service_parameter}"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>F13</bpmn:incoming><bpmn:outgoing>F14</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="End_1"><bpmn:incoming>F14</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_default"><bpmn:incoming>F_default</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Script_a"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Script_a" targetRef="Gateway"/>
    <bpmn:sequenceFlow id="F3" sourceRef="Gateway" targetRef="Timer_date">
      <bpmn:conditionExpression>{sequence_flow_condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_default" sourceRef="Gateway" targetRef="End_default"/>
    <bpmn:sequenceFlow id="F4" sourceRef="Timer_date" targetRef="Timer_duration"/>
    <bpmn:sequenceFlow id="F5" sourceRef="Timer_duration" targetRef="Timer_cycle"/>
    <bpmn:sequenceFlow id="F6" sourceRef="Timer_cycle" targetRef="Conditional"/>
    <bpmn:sequenceFlow id="F7" sourceRef="Conditional" targetRef="Throw_message"/>
    <bpmn:sequenceFlow id="F8" sourceRef="Throw_message" targetRef="Catch_message"/>
    <bpmn:sequenceFlow id="F9" sourceRef="Catch_message" targetRef="Throw_signal"/>
    <bpmn:sequenceFlow id="F10" sourceRef="Throw_signal" targetRef="Loop"/>
    <bpmn:sequenceFlow id="F11" sourceRef="Loop" targetRef="Multi_count"/>
    <bpmn:sequenceFlow id="F12" sourceRef="Multi_count" targetRef="Multi_items"/>
    <bpmn:sequenceFlow id="F13" sourceRef="Multi_items" targetRef="Service"/>
    <bpmn:sequenceFlow id="F14" sourceRef="Service" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>
"""
# Where each place's problem is reported: its flow node, flow or root definition.
OWNERS = {
    "correlation_retrieval": "cp_key",
    "event_payload": "Sig_a",
    "event_variable": "Sig_a",
    "pre_script": "Script_a",
    "post_script": "Script_a",
    "script": "Script_a",
    "timer_date": "Timer_date",
    "timer_duration": "Timer_duration",
    "timer_cycle": "Timer_cycle",
    "conditional_event": "Conditional",
    "message_payload": "Throw_message",
    "process_variable_correlation": "Throw_message",
    "message_variable": "Catch_message",
    "loop_condition": "Loop",
    "loop_cardinality": "Multi_count",
    "completion_condition": "Multi_count",
    "loop_data_input": "Multi_items",
    "loop_data_output": "Multi_items",
    "input_data_item": "Multi_items",
    "output_data_item": "Multi_items",
    "service_parameter": "Service",
    "sequence_flow_condition": "F3",
}


def _hostile(kind: str, mode: str) -> str:
    if mode == "name":
        return f"__{kind}"  # a data name that reaches into dunder territory
    call = f"__import__(&quot;{kind}&quot;).system(&quot;id&quot;)"
    return f"x = {call}" if mode == "exec" else call


def _sink() -> tuple[bytes, dict[str, int]]:
    """The document and, per place, the line of its hostile text."""
    text = SINK.format(**{p.kind: _hostile(p.kind, p.mode) for p in PLACES})
    lines = {}
    for kind in KINDS:
        mode = next(p.mode for p in PLACES if p.kind == kind)
        needle = f"__{kind}" if mode == "name" else f"&quot;{kind}&quot;"
        (line,) = [n for n, row in enumerate(text.splitlines(), 1) if needle in row]
        lines[kind] = line
    return text.encode(), lines


def test_sink_has_a_hostile_text_in_every_place() -> None:
    assert set(OWNERS) == KINDS


def test_a_hostile_text_in_every_place_is_reported_at_its_line_and_element() -> None:
    data, lines = _sink()
    problems = lint([SourceFile("sink.bpmn", data)]).problems
    for kind in sorted(KINDS):
        expected = f"sink.bpmn:{lines[kind]}: {OWNERS[kind]}: "
        assert any(str(p).startswith(expected) for p in problems), (kind, expected, problems)
    reported = {(p.line, p.element_id) for p in problems}
    assert all((lines[k], OWNERS[k]) in reported for k in KINDS)


def _strings(value: Any, seen: set[int]) -> Iterator[tuple[str, str]]:
    """(attribute path, string) of every string reachable from a parsed spec."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, dict):
        for key, item in value.items():
            for path, text in _strings(item, seen):
                yield f"[{key!r}]{path}", text
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            for path, text in _strings(item, seen):
                yield f"[]{path}", text
    elif type(value).__module__.startswith(("SpiffWorkflow", "engine")):
        for key, item in vars(value).items():
            for path, text in _strings(item, seen):
                yield f".{key}{path}", text


def test_every_hostile_text_reaches_a_spec_spiffworkflow_evaluates() -> None:
    """The places are real: SpiffWorkflow's parser copies each hostile text into the spec
    it builds (where the evaluation sites above read it)."""
    data, _ = _sink()
    spec, subprocesses = compile_trees("sink", {"sink.bpmn": parse_xml(data)})
    seen: set[int] = set()
    texts = {text for _, text in _strings([spec, subprocesses], seen)}
    for kind in sorted(KINDS):
        mode = next(p.mode for p in PLACES if p.kind == kind)
        marker = f"__{kind}" if mode == "name" else f'"{kind}"'
        assert any(marker in text for text in texts), kind


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("timer_date", '"2026-13-45"', "无法解析"),
        ("timer_duration", '"3 days"', "无法解析"),
        ("timer_cycle", '"R/PT0S"', "间隔应大于零"),
        ("timer_cycle", '"R5"', "无法识别"),
        ("timer_date", "3", "应为文本"),
        ("loop_cardinality", "-1", "非负整数"),
        ("loop_cardinality", "101", "超过上限 100"),
        ("loop_cardinality", '"3"', "非负整数"),
        ("script", "x = (", "语法错误"),
        ("sequence_flow_condition", "   ", "表达式为空"),
    ],
)
def test_literal_values_are_checked_before_anything_runs(
    kind: str, text: str, message: str
) -> None:
    values = {p.kind: _benign(p.kind, p.mode) for p in PLACES}
    values[kind] = text
    data = SINK.format(**values).encode()
    problems = [p for p in lint([SourceFile("sink.bpmn", data)]).problems if p.line]
    owner = OWNERS[kind]
    assert any(p.element_id == owner and message in p.message for p in problems), problems


def _benign(kind: str, mode: str) -> str:
    if mode == "name":
        return f"v_{kind}"
    if mode == "exec":
        return "x = 1"
    return {
        "timer_date": "&quot;2026-10-01T09:00&quot;",
        "timer_duration": "&quot;P3D&quot;",
        "timer_cycle": "&quot;R2/P1D&quot;",
        "loop_cardinality": "3",
    }.get(kind, "True")


def test_the_benign_sink_has_no_expression_problem() -> None:
    data = SINK.format(**{p.kind: _benign(p.kind, p.mode) for p in PLACES}).encode()
    problems = lint([SourceFile("sink.bpmn", data)]).problems
    # the service task is refused as an element; nothing about its expressions
    assert [p.element_id for p in problems if p.element_id != "Defs"] == ["Service"], problems


def test_doctype_and_entities_are_reported_at_their_line() -> None:
    data = (
        b'<?xml version="1.0"?>\n\n'
        b"<!DOCTYPE d [\n"
        b'  <!ENTITY a "aaaa">\n'
        b"]>\n"
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>\n'
    )
    (problem,) = lint([SourceFile("dtd.bpmn", data)]).problems
    assert str(problem).startswith("dtd.bpmn:3: -: 不允许 DOCTYPE/DTD 声明")
