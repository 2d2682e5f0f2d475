"""Every place in a BPMN document that SpiffWorkflow evaluates, and its static checks.

Lint checks each expression with the sandbox's static checker before anything runs, so
a hostile or broken expression is a deploy-time problem with its line and element, not
an incident in a resident's case. ``PLACES`` is the one list of those places; the tests
compare it with every evaluation SpiffWorkflow's source makes, so an evaluation added
by an upgrade cannot slip past lint unnoticed.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.definitions.timers import parse_cycle, parse_instant
from engine.scripting.sandbox import check_script
from engine.xmlsafe import line_of

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
Mode = Literal["exec", "eval", "name"]


@dataclass(frozen=True)
class Place:
    """Where an evaluated text sits: an element (its text, or one of its attributes)."""

    kind: str  # a stable name, used by the tests and in nothing user-facing
    namespace: str
    tag: str
    mode: Mode  # exec: a script; eval: an expression; name: a data variable's name
    attribute: str | None = None  # the attribute holding it (None: the element's text)


def _bpmn(tag: str, kind: str, mode: Mode, attribute: str | None = None) -> Place:
    return Place(kind, BPMN_NS, tag, mode, attribute)


def _spiff(tag: str, kind: str, mode: Mode, attribute: str | None = None) -> Place:
    return Place(kind, SPIFF_NS, tag, mode, attribute)


PLACES: tuple[Place, ...] = (
    _bpmn("script", "script", "exec"),
    _spiff("preScript", "pre_script", "exec"),
    _spiff("postScript", "post_script", "exec"),
    _bpmn("conditionExpression", "sequence_flow_condition", "eval"),
    _bpmn("timeDate", "timer_date", "eval"),
    _bpmn("timeDuration", "timer_duration", "eval"),
    _bpmn("timeCycle", "timer_cycle", "eval"),
    _bpmn("condition", "conditional_event", "eval"),  # bpmn:conditionalEventDefinition
    _bpmn("loopCondition", "loop_condition", "eval"),
    _bpmn("loopCardinality", "loop_cardinality", "eval"),
    # multi-instance (and ad hoc subprocess, which lint refuses anyway)
    _bpmn("completionCondition", "completion_condition", "eval"),
    _bpmn("formalExpression", "correlation_retrieval", "eval"),
    _spiff("expression", "process_variable_correlation", "eval"),
    _spiff("messagePayload", "message_payload", "eval"),
    _spiff("payloadExpression", "event_payload", "eval"),  # signal, error, escalation
    _spiff("parameter", "service_parameter", "eval", "value"),  # service tasks: refused
    _bpmn("loopDataInputRef", "loop_data_input", "name"),
    _bpmn("loopDataOutputRef", "loop_data_output", "name"),
    _bpmn("inputDataItem", "input_data_item", "name", "id"),
    _bpmn("outputDataItem", "output_data_item", "name", "id"),
    _spiff("messageVariable", "message_variable", "name"),
    _spiff("variableName", "event_variable", "name"),
)
_BY_TAG = {f"{{{p.namespace}}}{p.tag}": p for p in PLACES}

# The elements a problem is reported against: the flow node, sequence flow or root
# definition an expression belongs to (not, say, its timerEventDefinition).
_OWNERS = frozenset(
    {
        "startEvent", "endEvent", "task", "userTask", "manualTask", "scriptTask",
        "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity",
        "subProcess", "transaction", "adHocSubProcess", "exclusiveGateway",
        "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
        "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
        "sequenceFlow", "message", "signal", "error", "escalation", "correlationProperty",
        "process",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    element: etree._Element  # the element the problem is reported against
    line: int | None
    message: str


@dataclass(frozen=True)
class Expression:
    place: Place
    element: etree._Element  # the element holding the text
    source: str

    @property
    def owner(self) -> etree._Element:
        return owner_of(self.element)


def owner_of(element: etree._Element) -> etree._Element:
    """The flow node, sequence flow or root definition ``element`` belongs to."""
    current: etree._Element | None = element
    nearest_with_id = None
    while current is not None:
        if isinstance(current.tag, str) and current.get("id") is not None:
            if etree.QName(current).localname in _OWNERS:
                return current
            nearest_with_id = nearest_with_id if nearest_with_id is not None else current
        current = current.getparent()
    return nearest_with_id if nearest_with_id is not None else element


def expressions(root: etree._Element) -> Iterator[Expression]:
    """Every evaluated text in the document, in document order."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        place = _BY_TAG.get(element.tag)
        if place is None:
            continue
        if place.attribute is None:
            yield Expression(place, element, element.text or "")
        elif element.get(place.attribute) is not None:
            yield Expression(place, element, element.get(place.attribute) or "")


def check_expressions(
    root: etree._Element, functions: Collection[str], loop_maximum: int | None
) -> Iterator[Finding]:
    """Every problem of every evaluated text: sandbox policy, names, literal values."""
    for found in expressions(root):
        yield from _check(found, functions, loop_maximum)
    if loop_maximum is not None:
        yield from _check_loop_maximums(root, loop_maximum)


def _check(
    found: Expression, functions: Collection[str], loop_maximum: int | None
) -> Iterator[Finding]:
    line = line_of(found.element)
    mode = found.place.mode
    if mode == "name":
        name = found.source.strip()
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            yield Finding(found.owner, line, f"数据变量名“{name}”无效：应为不以下划线开头的标识符")
        return
    source = found.source if mode == "exec" else found.source.strip()
    if not source.strip():
        yield Finding(found.owner, line, "表达式为空")
        return
    issues = check_script(found.source, mode, functions)
    for issue in issues:
        offset = issue.line - 1 if found.place.attribute is None else 0
        yield Finding(found.owner, (line or 0) + offset, issue.message)
    if issues or mode != "eval":
        return
    literal = _literal(source)
    if literal is _NOT_LITERAL:
        return
    message = _literal_problem(found.place.kind, literal, loop_maximum)
    if message:
        yield Finding(found.owner, line, message)


_NOT_LITERAL = object()
_ANY_START = datetime(2026, 1, 1, tzinfo=UTC)  # a cycle's interval hardly depends on it


def _literal(source: str) -> object:
    """The value of a constant expression (``"P3D"``, ``5``), else ``_NOT_LITERAL``."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return _NOT_LITERAL
    body = tree.body
    if isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.USub):
        inner = body.operand
        if isinstance(inner, ast.Constant) and isinstance(inner.value, int):
            return -inner.value
    return body.value if isinstance(body, ast.Constant) else _NOT_LITERAL


def _literal_problem(kind: str, value: object, loop_maximum: int | None) -> str | None:
    """What is wrong with a constant timer value or cardinality, if anything."""
    if kind == "loop_cardinality":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"多实例数量应为非负整数，现为 {value!r}"
        if loop_maximum is not None and value > loop_maximum:
            return f"多实例数量 {value} 超过上限 {loop_maximum}"
        return None
    if kind not in ("timer_date", "timer_duration", "timer_cycle"):
        return None
    if not isinstance(value, str):
        return f"定时表达式应为文本（ISO 8601），现为 {value!r}"
    try:
        if kind == "timer_date":
            parse_instant(value)
        elif kind == "timer_duration":
            TimerEventDefinition.parse_iso_duration(value)
        elif parse_cycle(value, _ANY_START)[2] <= 0:
            return f"循环定时“{value}”的间隔应大于零"
    except Exception as exc:  # SpiffWorkflow's duration parser raises a bare Exception
        return f"定时表达式“{value}”无法解析：{exc}"
    return None


def _check_loop_maximums(root: etree._Element, loop_maximum: int) -> Iterator[Finding]:
    """A standard loop needs a ``loopMaximum`` between 1 and the configured cap: its
    condition alone could keep it turning for ever."""
    for loop in root.iter(f"{{{BPMN_NS}}}standardLoopCharacteristics"):
        raw = loop.get("loopMaximum")
        owner = owner_of(loop)
        line = line_of(loop)
        if raw is None:
            yield Finding(owner, line, f"标准循环必须设置 loopMaximum（1 至 {loop_maximum}）")
            continue
        try:
            value = int(raw)
        except ValueError:
            yield Finding(owner, line, f"loopMaximum“{raw}”不是整数")
            continue
        if not 1 <= value <= loop_maximum:
            yield Finding(owner, line, f"loopMaximum {value} 应在 1 至 {loop_maximum} 之间")
