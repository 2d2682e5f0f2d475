"""What a layout works on, read from one process: its flow nodes (with their sizes),
sequence flows and lanes, as one pool. The steps fill in the positions."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine.definitions.lint import FLOW_NODES
from engine.design.layout.bpmnxml import local, q
from engine.design.layout.geometry import Box, Point, text_width

# Every BPMN flow node, including the kinds lint refuses: a diagram is drawn for any file.
FLOW_NODE_TAGS = FLOW_NODES | {"adHocSubProcess", "complexGateway"}
EXTERNAL_LABELS = ("Event", "Gateway")  # shapes whose name is drawn outside the shape
SUB_PROCESSES = ("subProcess", "adHocSubProcess", "transaction")
# Shape sizes (pixels) follow bpmn-js defaults.
SIZES = {"event": (36.0, 36.0), "gateway": (50.0, 50.0), "activity": (100.0, 80.0)}


@dataclass
class Node:
    id: str
    kind: str  # local name
    name: str
    w: float
    h: float
    host: str | None = None
    lane: str | None = None  # leaf lane id
    col: int = 0
    row: int = 0  # bpmn-auto-layout's row
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    label: Box | None = None

    @property
    def external_label(self) -> bool:
        return bool(self.name.strip()) and self.kind.endswith(EXTERNAL_LABELS)

    @property
    def is_gateway(self) -> bool:
        return self.kind.endswith("Gateway")


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str
    index: int
    points: list[Point] = field(default_factory=list)
    label: Box | None = None


@dataclass
class Lane:
    id: str
    name: str
    depth: int
    leaves: list[str]  # leaf lane ids under this lane (itself when a leaf)
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))


@dataclass
class Pool:
    participant: str
    process: etree._Element
    nodes: dict[str, Node]
    flows: list[Flow]
    lanes: list[Lane]  # depth-first; leaves in laneSet order
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))


def _node_size(kind: str, name: str) -> tuple[float, float]:
    if kind.endswith("Event"):
        return SIZES["event"]
    if kind.endswith("Gateway"):
        return SIZES["gateway"]
    # bpmn-js writes an activity's name inside it (12 px, wrapped): a long name gets a wider
    # box so that it takes at most two lines and stays clear of the task-type icon
    w, h = SIZES["activity"]
    chars = text_width(name, 12.0) / 12.0
    for width in (100.0, 120.0, 140.0, 160.0):
        if chars <= 2 * (width - 16) / 12.0 or width == 160.0:
            return max(w, width), h
    return w, h


def _read_lanes(process: etree._Element) -> tuple[list[Lane], dict[str, str]]:
    lanes: list[Lane] = []
    lane_of: dict[str, str] = {}

    def walk(lane_set: etree._Element, depth: int) -> list[str]:
        leaves: list[str] = []
        for element in lane_set.iterfind(q("lane")):
            lane = Lane(element.get("id", ""), element.get("name", ""), depth, [])
            lanes.append(lane)
            child = element.find(q("childLaneSet"))
            below = walk(child, depth + 1) if child is not None else []
            if not below:
                below = [lane.id]
                for ref in element.iterfind(q("flowNodeRef")):
                    if ref.text and ref.text.strip() not in lane_of:
                        lane_of[ref.text.strip()] = lane.id
            lane.leaves = below
            leaves.extend(below)
        return leaves

    for lane_set in process.iterfind(q("laneSet")):
        walk(lane_set, 0)
    return lanes, lane_of


def read_pool(process: etree._Element, participant: str) -> Pool:
    """The pool of ``participant``: the flow nodes, sequence flows and lanes of ``process``."""
    lanes, lane_of = _read_lanes(process)
    nodes: dict[str, Node] = {}
    flows: list[Flow] = []
    for element in process:
        if not isinstance(element.tag, str):
            continue
        kind = local(element)
        ident = element.get("id", "")
        if kind in FLOW_NODE_TAGS and ident:
            w, h = _node_size(kind, element.get("name", ""))
            host = element.get("attachedToRef") if kind == "boundaryEvent" else None
            nodes[ident] = Node(
                ident, kind, element.get("name", ""), w, h, host, lane_of.get(ident)
            )
        elif kind == "sequenceFlow" and ident:
            flows.append(
                Flow(
                    ident,
                    element.get("sourceRef", ""),
                    element.get("targetRef", ""),
                    element.get("name", ""),
                    len(flows),
                )
            )
    for node in nodes.values():
        if node.host is not None and node.host not in nodes:
            node.host = None  # dangling attachedToRef: drawn as a free event
        if node.host is not None:
            node.lane = nodes[node.host].lane
    flows = [f for f in flows if f.source in nodes and f.target in nodes]
    return Pool(participant, process, nodes, flows, lanes)
