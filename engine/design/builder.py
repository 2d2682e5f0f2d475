"""Building BPMN 2.0 documents in code: used to scaffold item processes from the catalogue.

The builder writes semantic BPMN only (no diagram layout); ``tools/layout`` adds the
BPMN DI afterwards with bpmn-auto-layout plus lane bands. Every flow node belongs to a
lane: named in Chinese for people, its role code in ``daiban:role`` (what routes the
lane's tasks); user tasks carry their forms as ``daiban:form``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from engine.definitions.forms import DAIBAN_NS

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NSMAP = {
    "bpmn": BPMN,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "daiban": DAIBAN_NS,
}
XSI_TYPE = f"{{{NSMAP['xsi']}}}type"


def _q(tag: str, ns: str = BPMN) -> str:
    return f"{{{ns}}}{tag}"


@dataclass(frozen=True)
class Field:
    """A form field: ``Field("decision", "enum", "审核结论", True, "approve:同意,reject:不同意")``."""

    name: str
    type: str = "string"
    label: str = ""
    required: bool = False
    values: str = ""
    required_when: str = ""  # "other_field:value1|value2"
    min: str = ""  # bounds of integer and number fields (engine.definitions.form_bounds)
    max: str = ""
    choices_from: str = ""  # an enum narrowed by a list in the case's data (item.remedies)
    people: str = ""  # "township": a user name of the case's township's staff


@dataclass(frozen=True)
class Rule:
    """A form's cross-field check: ``Rule("originals_within_items", "handover_originals",
    "le", "handover_items", "其中原件件数不能多于移交材料件数")`` (``daiban:rule``)."""

    id: str
    field: str
    check: str  # lt | le | gt | ge | ne
    other: str
    message: str


@dataclass
class _Node:
    id: str
    tag: str
    name: str
    lane: str
    element: etree._Element


@dataclass
class ProcessBuilder:
    process_id: str
    name: str
    documentation: str = ""
    lanes: dict[str, str] = field(default_factory=dict)  # role code -> lane label
    _nodes: dict[str, _Node] = field(default_factory=dict)
    _flows: list[etree._Element] = field(default_factory=list)
    _messages: dict[str, str] = field(default_factory=dict)
    _conditional: set[str] = field(default_factory=set)  # gateways with a conditional flow
    _counter: int = 0
    _joined: bool = False

    def __post_init__(self) -> None:
        self._process = etree.Element(
            _q("process"), id=self.process_id, name=self.name, isExecutable="true"
        )
        if self.documentation:
            etree.SubElement(self._process, _q("documentation")).text = self.documentation
        self._lane_set = etree.SubElement(
            self._process, _q("laneSet"), id=f"LaneSet_{self.process_id}"
        )

    # -- nodes -----------------------------------------------------------------------------
    def _add(self, tag: str, node_id: str, name: str, lane: str, **attrs: str) -> etree._Element:
        if node_id in self._nodes:
            raise ValueError(f"duplicate id {node_id}")
        if lane not in self.lanes:
            raise ValueError(f"unknown lane {lane} for {node_id}")
        element = etree.SubElement(self._process, _q(tag), attrib={"id": node_id, **attrs})
        if name:
            element.set("name", name)
        self._nodes[node_id] = _Node(node_id, tag, name, lane, element)
        return element

    def start(self, node_id: str, name: str, lane: str) -> str:
        self._add("startEvent", node_id, name, lane)
        return node_id

    def end(self, node_id: str, name: str, lane: str, *, terminate: bool = False) -> str:
        """An end event; ``terminate`` also ends every other open branch of this process
        (an escalation still open when the main work is done, for instance)."""
        element = self._add("endEvent", node_id, name, lane)
        if terminate:
            etree.SubElement(element, _q("terminateEventDefinition"), id=f"{node_id}_terminate")
        return node_id

    def user_task(
        self,
        node_id: str,
        name: str,
        lane: str,
        fields: Sequence[Field] = (),
        documentation: str = "",
        rules: Sequence[Rule] = (),
    ) -> str:
        element = self._add("userTask", node_id, name, lane)
        if documentation:
            etree.SubElement(element, _q("documentation")).text = documentation
        if fields:
            extensions = etree.SubElement(element, _q("extensionElements"))
            form = etree.SubElement(extensions, _q("form", DAIBAN_NS))
            for spec in fields:
                attrs = {"name": spec.name, "type": spec.type}
                if spec.label:
                    attrs["label"] = spec.label
                if spec.required:
                    attrs["required"] = "true"
                if spec.values:
                    attrs["values"] = spec.values
                if spec.required_when:
                    attrs["requiredWhen"] = spec.required_when
                if spec.min:
                    attrs["min"] = spec.min
                if spec.max:
                    attrs["max"] = spec.max
                if spec.choices_from:
                    attrs["choicesFrom"] = spec.choices_from
                if spec.people:
                    attrs["people"] = spec.people
                etree.SubElement(form, _q("field", DAIBAN_NS), attrib=attrs)
            for rule in rules:
                etree.SubElement(
                    form, _q("rule", DAIBAN_NS), id=rule.id, field=rule.field,
                    check=rule.check, other=rule.other, message=rule.message,
                )  # fmt: skip
        return node_id

    def script(self, node_id: str, name: str, lane: str, source: str) -> str:
        element = self._add("scriptTask", node_id, name, lane, scriptFormat="python")
        etree.SubElement(element, _q("script")).text = source
        return node_id

    def call(self, node_id: str, name: str, lane: str, called: str) -> str:
        self._add("callActivity", node_id, name, lane, calledElement=called)
        return node_id

    def xor(self, node_id: str, name: str, lane: str) -> str:
        self._add("exclusiveGateway", node_id, name, lane)
        return node_id

    def parallel(self, node_id: str, name: str, lane: str) -> str:
        self._add("parallelGateway", node_id, name, lane)
        return node_id

    def receive(self, node_id: str, name: str, lane: str, message: str, variable: str) -> str:
        element = self._add("receiveTask", node_id, name, lane, messageRef=self._message(message))
        self._message_variable(element, variable)
        return node_id

    def boundary_timer(
        self,
        node_id: str,
        name: str,
        attached_to: str,
        expression: str,
        *,
        interrupting: bool,
        kind: str = "timeDate",
    ) -> str:
        lane = self._nodes[attached_to].lane
        element = self._add(
            "boundaryEvent", node_id, name, lane, attachedToRef=attached_to,
            cancelActivity="true" if interrupting else "false",
        )  # fmt: skip
        self._timer(element, node_id, expression, kind)
        return node_id

    def boundary_message(
        self, node_id: str, name: str, attached_to: str, message: str, variable: str
    ) -> str:
        lane = self._nodes[attached_to].lane
        element = self._add("boundaryEvent", node_id, name, lane, attachedToRef=attached_to)
        self._message_definition(element, node_id, message, variable)
        return node_id

    def _timer(self, element: etree._Element, node_id: str, expression: str, kind: str) -> None:
        definition = etree.SubElement(element, _q("timerEventDefinition"), id=f"{node_id}_def")
        expr = etree.SubElement(definition, _q(kind))
        expr.set(XSI_TYPE, "bpmn:tFormalExpression")
        expr.text = expression

    def _message_definition(
        self, element: etree._Element, node_id: str, message: str, variable: str
    ) -> None:
        """For events SpiffWorkflow reads the message variable inside the event definition."""
        definition = etree.SubElement(
            element,
            _q("messageEventDefinition"),
            id=f"{node_id}_def",
            messageRef=self._message(message),
        )
        self._message_variable(definition, variable)

    def _message(self, name: str) -> str:
        return self._messages.setdefault(name, f"Message_{name}")

    def _message_variable(self, element: etree._Element, variable: str) -> None:
        extensions = etree.SubElement(element, _q("extensionElements"))
        etree.SubElement(extensions, _q("messageVariable", NSMAP["spiffworkflow"])).text = variable

    # -- flows -----------------------------------------------------------------------------
    def flow(
        self, source: str, target: str, *, condition: str | None = None, name: str = ""
    ) -> str:
        self._counter += 1
        flow_id = f"Flow_{source}_{target}"
        if any(f.get("id") == flow_id for f in self._flows):
            flow_id = f"{flow_id}_{self._counter}"
        element = etree.Element(_q("sequenceFlow"), id=flow_id, sourceRef=source, targetRef=target)
        if name:
            element.set("name", name)
        if condition is not None:
            expr = etree.SubElement(element, _q("conditionExpression"))
            expr.set(XSI_TYPE, "bpmn:tFormalExpression")
            expr.text = condition
            self._conditional.add(source)
        elif source in self._conditional and self._nodes[source].tag == "exclusiveGateway":
            # The one unconditional flow out of a deciding gateway is its default.
            self._nodes[source].element.set("default", flow_id)
        self._flows.append(element)
        return flow_id

    def chain(self, *nodes: str) -> None:
        for source, target in itertools.pairwise(nodes):
            self.flow(source, target)

    def default(self, gateway: str, flow_id: str) -> None:
        self._nodes[gateway].element.set("default", flow_id)

    # -- output ----------------------------------------------------------------------------
    def _insert_joins(self) -> None:
        """Give every merge its own gateway (bpmnlint: fake-join, no-gateway-join-fork).

        A task or event reached by several flows, or a gateway that both merges and
        decides, gets an exclusive merge gateway in front of it."""
        incoming: dict[str, list[etree._Element]] = {}
        outgoing: dict[str, int] = {}
        for flow in self._flows:
            incoming.setdefault(flow.get("targetRef", ""), []).append(flow)
            outgoing[flow.get("sourceRef", "")] = outgoing.get(flow.get("sourceRef", ""), 0) + 1
        for target, flows in list(incoming.items()):
            node = self._nodes[target]
            merging_only = node.tag.endswith("Gateway") and outgoing.get(target, 0) <= 1
            if len(flows) < 2 or merging_only:
                continue
            join = self.xor(f"Gateway_join_{target}", "", node.lane)
            for flow in flows:
                flow.set("targetRef", join)
                flow.set("id", f"{flow.get('id')}_join")
                self._rename_default(flow)
            self.flow(join, target)

    def _rename_default(self, flow: etree._Element) -> None:
        source = self._nodes[flow.get("sourceRef", "")].element
        old = flow.get("id", "").removesuffix("_join")
        if source.get("default") == old:
            source.set("default", flow.get("id", ""))

    def build(self) -> etree._Element:
        """The ``bpmn:definitions`` element."""
        if not self._joined:
            self._insert_joins()
            self._joined = True
        root = etree.Element(_q("definitions"), nsmap=NSMAP)
        root.set("id", f"Definitions_{self.process_id}")
        root.set("targetNamespace", "urn:daiban:processes")
        root.set("exporter", "daiban")
        for name, message_id in sorted(self._messages.items()):
            etree.SubElement(root, _q("message"), id=message_id, name=name)
        process = etree.fromstring(etree.tostring(self._process))
        lane_set = process.find(_q("laneSet"))
        assert lane_set is not None
        for role, label in self.lanes.items():
            # A lane is named for people (its Chinese label); the role it stands for,
            # which routes its tasks, is the ``daiban:role`` attribute.
            lane = etree.SubElement(lane_set, _q("lane"), id=f"Lane_{self.process_id}_{role}")
            lane.set("name", label or role)
            lane.set(_q("role", DAIBAN_NS), role)
            for node in self._nodes.values():
                if node.lane == role:
                    etree.SubElement(lane, _q("flowNodeRef")).text = node.id
        self._wire(process)
        root.append(process)
        return root

    def _wire(self, process: etree._Element) -> None:
        """Add incoming/outgoing references (bpmn.io expects them) and the flows."""
        by_id = {el.get("id"): el for el in process if el.get("id") in self._nodes}
        for flow in self._flows:
            for attr, tag in (("sourceRef", "outgoing"), ("targetRef", "incoming")):
                node = by_id[flow.get(attr)]
                ref = etree.Element(_q(tag))
                ref.text = flow.get("id")
                node.insert(_insert_position(node, tag), ref)
        for flow in self._flows:
            process.append(etree.fromstring(etree.tostring(flow)))

    def to_xml(self) -> bytes:
        return serialize(self.build())


def _insert_position(node: etree._Element, tag: str) -> int:
    """Schema order: documentation, extensionElements, incoming*, outgoing*, then the rest."""
    before = {"documentation", "extensionElements", "incoming"}
    if tag == "outgoing":
        before.add("outgoing")
    position = 0
    for index, child in enumerate(node):
        if etree.QName(child).localname in before:
            position = index + 1
    return position


def serialize(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
