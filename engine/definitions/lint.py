"""Static checks of BPMN documents: every problem, each with file, line and element id.

Checks run on the hardened lxml tree before SpiffWorkflow sees it, so a designer gets
all the problems of a file at once rather than the first one the parser trips on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.definitions.expressions import BPMN_NS, check_expressions
from engine.definitions.forms import DAIBAN_NS, Form, read_form
from engine.errors import Problem
from engine.messages import SCHEMAS as MESSAGE_SCHEMAS
from engine.xmlsafe import line_of

FLOW_NODES = frozenset(
    {
        "startEvent",
        "endEvent",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
    }
)
UNSUPPORTED = ("serviceTask", "businessRuleTask", "adHocSubProcess", "complexGateway")
# Names SpiffWorkflow gives its own task specs: a flow node with one of them is silently
# replaced by the internal spec (a start event "Start" makes a process that does nothing).
RESERVED_IDS = frozenset({"Start", "End", "StartEventSplit", "StartEventJoin"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
# A lane names the role that works its tasks in this attribute; its ``name`` is the
# Chinese label people read.
LANE_ROLE = f"{{{DAIBAN_NS}}}role"
# Files written before lanes had ``daiban:role`` named a lane with its role code: still
# read (versions deployed then must keep loading), with a warning.
LEGACY_LANE_NAME = re.compile(r"[a-z][a-z0-9_]*")
LEGACY_LANE = "legacy_lane"  # the warning's code


@dataclass(frozen=True)
class LaneRole:
    """A lane and the role (code) whose holders work the tasks in it."""

    lane_id: str
    role: str
    name: str
    line: int | None


@dataclass
class ProcessOutline:
    """What lint learned about one process, used for deployment and the task index."""

    process_id: str
    name: str
    path: str
    executable: bool
    calls: dict[str, list[tuple[int | None, str]]] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    lanes: dict[str, str] = field(default_factory=dict)  # task id -> its lane's role code
    task_names: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    lane_roles: list[LaneRole] = field(default_factory=list)  # every lane with a role


def _bpmn(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


class FileChecker:
    """Checks one parsed BPMN document.

    ``loop_maximum``: the largest ``loopMaximum`` (and literal multi-instance cardinality)
    allowed; ``None`` skips that check (a version already deployed under another cap)."""

    def __init__(
        self,
        path: str,
        tree: etree._ElementTree,
        script_functions: Collection[str],
        loop_maximum: int | None = None,
    ):
        self.path = path
        self.root = tree.getroot()
        self.functions = script_functions
        self.loop_maximum = loop_maximum
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # accepted, but should be changed (old formats)
        self.outlines: dict[str, ProcessOutline] = {}

    def problem(
        self, element: etree._Element | None, message: str, line: int | None = None
    ) -> None:
        element_id = element.get("id") if element is not None else None
        if line is None and element is not None:
            line = line_of(element)
        self.problems.append(Problem(self.path, line, element_id, message))

    def run(self) -> None:
        if self.root.tag != _bpmn("definitions"):
            self.problem(self.root, "根元素应为 bpmn:definitions")
            return
        self._schema()
        self._unique_ids()
        self._messages()
        for process in self.root.iterfind(_bpmn("process")):
            self._process(process)
        if not any(o.executable for o in self.outlines.values()):
            self.problem(self.root, '文件中没有可执行的流程（bpmn:process 且 isExecutable="true"）')
        # Expressions live in processes and in root definitions (messages, signals,
        # correlation properties): the whole document is searched.
        for found in check_expressions(self.root, self.functions, self.loop_maximum):
            self.problem(found.element, found.message, found.line)

    def _messages(self) -> None:
        """Every message a process may wait for has its payload schema (engine.messages):
        the API publishes and the engine checks it; a name without one is refused."""
        for message in self.root.iterfind(_bpmn("message")):
            name = message.get("name", "")
            if name not in MESSAGE_SCHEMAS:
                known = "、".join(MESSAGE_SCHEMAS)
                self.problem(message, f"消息“{name}”没有定义消息内容格式（可用：{known}）")

    def _schema(self) -> None:
        candidate = copy.deepcopy(self.root)
        VALIDATOR.preprocess(candidate)
        schema = VALIDATOR.validator
        if schema.validate(candidate):
            return
        by_line = {el.sourceline: el for el in self.root.iter() if isinstance(el.tag, str)}
        for error in schema.error_log:
            element = by_line.get(error.line)
            self.problem(element, f"不符合 BPMN 2.0 模式：{error.message}", error.line)

    def _unique_ids(self) -> None:
        seen: dict[str, int | None] = {}
        for element in self.root.iter():
            if not isinstance(element.tag, str):
                continue
            ident = element.get("id")
            if ident is None:
                continue
            if ident in seen:
                self.problem(element, f"id 重复（第 {seen[ident]} 行已使用）")
            else:
                seen[ident] = line_of(element)

    def _process(self, process: etree._Element) -> None:
        pid = process.get("id", "")
        outline = ProcessOutline(
            pid, process.get("name", pid), self.path, process.get("isExecutable") == "true"
        )
        self.outlines[pid] = outline
        # Lanes in document order: a child lane comes after its parent and wins.
        for lane in process.iter(_bpmn("lane")):
            role = self._lane_role(lane)
            if role is None:
                continue
            outline.lane_roles.append(
                LaneRole(lane.get("id", ""), role, lane.get("name", ""), line_of(lane))
            )
            for ref in lane.iterfind(_bpmn("flowNodeRef")):
                if ref.text:
                    outline.lanes[ref.text.strip()] = role
        outline.line = line_of(process)
        self._scope(process, outline, top=True)
        for kind in UNSUPPORTED:
            for node in process.iter(_bpmn(kind)):
                self.problem(node, f"不支持的元素 bpmn:{kind}")

    def _lane_role(self, lane: etree._Element) -> str | None:
        """The role code of ``lane``: its ``daiban:role``; for a file of the old format
        (no attribute, the role code as the name) its name, with a warning. A lane that
        only groups child lanes needs no role."""
        role = lane.get(LANE_ROLE)
        name = (lane.get("name") or "").strip()
        if role is not None:
            if not role.strip():
                self.problem(
                    lane, "泳道的 daiban:role 为空：应填写办理角色代码，如 township_window"
                )
                return None
            return role.strip()
        if lane.find(_bpmn("childLaneSet")) is not None:
            return None
        if LEGACY_LANE_NAME.fullmatch(name):
            self.warnings.append(
                Problem(
                    self.path, line_of(lane), lane.get("id"),
                    f"泳道名称“{name}”是角色代码（旧格式）：请将名称改为中文，"
                    f'角色代码写在 daiban:role="{name}" 中',
                    code=LEGACY_LANE,
                )
            )  # fmt: skip
            return name
        self.problem(lane, '泳道缺少 daiban:role（办理角色代码，如 daiban:role="township_window"）')
        return None

    def _scope(self, scope: etree._Element, outline: ProcessOutline, top: bool) -> None:
        """Flow nodes and sequence flows of a process or an embedded subprocess."""
        nodes = {el.get("id"): el for el in scope if _local(el) in FLOW_NODES}
        starts = [el for el in nodes.values() if _local(el) == "startEvent"]
        if not starts and (not top or outline.executable):
            self.problem(scope, "缺少开始事件")
        incoming: set[str] = set()
        outgoing: set[str] = set()
        for flow in scope.iterfind(_bpmn("sequenceFlow")):
            for attr, bucket in (("sourceRef", outgoing), ("targetRef", incoming)):
                ref = flow.get(attr, "")
                if ref not in nodes:
                    self.problem(flow, f"{attr}“{ref}”不是本流程中的节点")
                bucket.add(ref)
        for ident, node in nodes.items():
            self._node(node, outline, ident or "", incoming, outgoing)

    def _node(
        self,
        node: etree._Element,
        outline: ProcessOutline,
        ident: str,
        incoming: set[str],
        outgoing: set[str],
    ) -> None:
        kind = _local(node)
        outline.task_names[ident] = node.get("name", ident)
        if ident in RESERVED_IDS or ident.endswith(RESERVED_SUFFIXES):
            self.problem(node, f"id“{ident}”与引擎内部任务重名，请改用其他 id")
        if kind not in ("startEvent", "boundaryEvent") and ident not in incoming:
            self.problem(node, "没有进入的顺序流，永远不会执行")
        if kind != "endEvent" and ident not in outgoing:
            self.problem(node, "没有离开的顺序流")
        if kind == "userTask":
            if ident not in outline.lanes:
                self.problem(node, "用户任务必须位于泳道（角色）中")
            form, issues = read_form(node)
            for issue in issues:
                self.problem(node, issue.message, issue.line)
            if form is None:
                self.problem(node, "用户任务必须有表单（daiban:form），办理数据才能校验")
            else:
                outline.forms[ident] = form
        if kind == "callActivity":
            called = node.get("calledElement")
            if not called:
                self.problem(node, "调用活动缺少 calledElement")
            else:
                outline.calls.setdefault(called, []).append((line_of(node), ident))
        if kind in ("subProcess", "transaction"):
            self._scope(node, outline, top=False)


def check_calls(outlines: Iterable[ProcessOutline], known: Collection[str]) -> list[Problem]:
    """Every call activity must name a process that exists among the files or deployed ones."""
    outlines = list(outlines)
    available = {o.process_id for o in outlines} | set(known)
    problems = []
    for outline in outlines:
        for called, places in sorted(outline.calls.items()):
            if called in available:
                continue
            for line, element_id in places:
                problems.append(
                    Problem(outline.path, line, element_id, f"调用的流程“{called}”不存在")
                )
    return problems
