"""BPMN diagram layout (DI) for the scaffolded processes: a pool with lane bands.

``add_diagram(xml)`` returns the document with a fresh ``bpmndi:BPMNDiagram``:

1. ``tools/layout/layout.mjs`` (Node, bpmn-auto-layout) lays the flow out on a grid.
   bpmn-auto-layout knows nothing of pools and lanes, so only its grid is kept: the column
   (left-to-right order) and row (top-to-bottom order) of every flow node.
2. Each process becomes a pool (a ``bpmn:participant`` in a ``bpmn:collaboration``, added
   if missing) and each lane of its laneSet a band, stacked in laneSet order. A node keeps
   its column and goes into its lane's band; inside a band the rows its nodes use are kept
   in bpmn-auto-layout's order and packed. Boundary events sit on the bottom edge of their
   host.
3. Every sequence flow is routed again as an orthogonal path (A* over a sparse grid of
   channels around the shapes: few bends, no shape crossed, overlaps with earlier flows
   and crossings avoided), leaving its source on the right (or a gateway's top/bottom, a
   boundary event's bottom) and entering its target on the left (or top/bottom).
4. Labels of events, gateways and named flows are put where they overlap no shape, flow
   or other label, if such a place is near.

The semantic part of the document is kept as it is (only re-indented); any earlier
diagram is dropped. The output depends on the input alone (same input, same bytes).
Command line: ``python -m engine.definitions.layout [--check] PATH...`` rewrites files.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import heapq
import itertools
import math
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from engine.definitions.lint import FLOW_NODES
from processes.resources import LAYOUT_TOOL

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DI_PREFIXES = {"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}

# Design-time tooling: in a checkout only (never in a wheel); see processes.resources.
LAYOUT_DIR = LAYOUT_TOOL
SCRIPT = LAYOUT_DIR / "layout.mjs"
NODE_TIMEOUT = 120

# Every BPMN flow node, including the kinds lint refuses: a diagram is drawn for any file.
FLOW_NODE_TAGS = FLOW_NODES | {"adHocSubProcess", "complexGateway"}
EXTERNAL_LABELS = ("Event", "Gateway")  # shapes whose name is drawn outside the shape

# Geometry (pixels). Sizes follow bpmn-js defaults.
SIZES = {"event": (36.0, 36.0), "gateway": (50.0, 50.0), "activity": (100.0, 80.0)}
POOL_X, POOL_Y = 100.0, 60.0
POOL_GAP = 60.0  # between pools
HEADER = 30.0  # pool and lane title strips
LEFT_PAD = 50.0  # from the lane strip to the first column
RIGHT_PAD = 50.0
COLUMN_GAP = 60.0
BAND_TOP = 45.0  # from a band's top to its first row's tallest shape
ROW_HEIGHT = 80.0  # the tallest shape (an activity)
ROW_GAP = 60.0  # below a row
ROW_GAP_BOUNDARY = 95.0  # below a row with boundary events (event, label, flow)
MIN_BAND = 120.0
BOUNDARY_SLOT = 46.0  # room for one boundary event on its host's bottom edge
MARGIN = 12.0  # flows keep this far from shapes
BEND = 30.0  # cost of a bend, in pixels of length
OVERLAP = 4.0  # extra cost per pixel run along another flow
CROSSING = 25.0  # extra cost per crossing of another flow
SOFT = 1.5  # extra cost per pixel run through a label's default place
OFF_CHANNEL = 0.15  # extra cost per pixel of a vertical run off the gaps' middles
POOL_MARGIN = 20.0  # flows keep this far from the pool's border
FONT = 11.0  # bpmn-js external label font size
LABEL_WIDTH = 90.0  # bpmn-js wraps external labels at this width
LINE_HEIGHT = 14.0


class LayoutError(RuntimeError):
    """The layout tool could not run (Node or its packages missing, or it failed)."""


def _q(tag: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{tag}"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


# -- geometry --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def inflate(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def overlap(self, other: Box) -> float:
        """Area shared with ``other`` (0 when they only touch)."""
        dx = min(self.right, other.right) - max(self.x, other.x)
        dy = min(self.bottom, other.bottom) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


Point = tuple[float, float]


def _segment_box(a: Point, b: Point, pad: float) -> Box:
    x1, x2 = sorted((a[0], b[0]))
    y1, y2 = sorted((a[1], b[1]))
    return Box(x1 - pad, y1 - pad, x2 - x1 + 2 * pad, y2 - y1 + 2 * pad)


def text_width(text: str, size: float = FONT) -> float:
    """Rough width of ``text`` in bpmn-js's sans-serif font (CJK characters are square)."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x2E80 or char in "（），：；。、":
            width += size
        elif char in "il.,:;|!'":
            width += size * 0.3
        elif char.isupper() or char in "mwMW":
            width += size * 0.75
        else:
            width += size * 0.56
    return width


def label_size(text: str) -> tuple[float, float]:
    """Bounds of an external label the way bpmn-js wraps it (at most 90 px wide)."""
    lines = 0
    widest = 0.0
    for paragraph in text.split("\n"):
        width = text_width(paragraph)
        count = max(1, math.ceil(width / LABEL_WIDTH - 0.01))
        lines += count
        widest = max(widest, min(width, LABEL_WIDTH))
    return math.ceil(widest) + 4.0, lines * LINE_HEIGHT


# -- the model read from the document ---------------------------------------------------------
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


def _size(kind: str, name: str) -> tuple[float, float]:
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
        for element in lane_set.iterfind(_q("lane")):
            lane = Lane(element.get("id", ""), element.get("name", ""), depth, [])
            lanes.append(lane)
            child = element.find(_q("childLaneSet"))
            below = walk(child, depth + 1) if child is not None else []
            if not below:
                below = [lane.id]
                for ref in element.iterfind(_q("flowNodeRef")):
                    if ref.text and ref.text.strip() not in lane_of:
                        lane_of[ref.text.strip()] = lane.id
            lane.leaves = below
            leaves.extend(below)
        return leaves

    for lane_set in process.iterfind(_q("laneSet")):
        walk(lane_set, 0)
    return lanes, lane_of


def _read_pool(process: etree._Element, participant: str) -> Pool:
    lanes, lane_of = _read_lanes(process)
    nodes: dict[str, Node] = {}
    flows: list[Flow] = []
    for element in process:
        if not isinstance(element.tag, str):
            continue
        kind = _local(element)
        ident = element.get("id", "")
        if kind in FLOW_NODE_TAGS and ident:
            w, h = _size(kind, element.get("name", ""))
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


# -- step 1: bpmn-auto-layout -------------------------------------------------------------------
def _node_command() -> list[str]:
    node = shutil.which("node")
    install = "npm ci --prefix tools/layout"
    if node is None:
        raise LayoutError(
            f"找不到 node（Node.js），无法生成流程图布局：请安装 Node.js（20 或更新），再运行 {install}"
        )
    if not LAYOUT_DIR.is_dir():
        raise LayoutError(
            f"找不到流程图布局工具 {LAYOUT_DIR}：它是设计流程时用的工具，只在源码检出（git clone）"
            f"中提供，安装包里没有；请在检出的仓库根目录运行 {install}，再在那里生成流程图"
        )
    if not (LAYOUT_DIR / "node_modules" / "bpmn-auto-layout").is_dir():
        raise LayoutError(
            f"缺少 {LAYOUT_DIR / 'node_modules'}（bpmn-auto-layout），请在仓库根目录运行 {install}"
        )
    return [node, str(SCRIPT)]


def _auto_layout(definitions: etree._Element, process: etree._Element) -> etree._Element:
    """bpmn-auto-layout's output for ``process`` alone (no other process, no old DI)."""
    doc = copy.deepcopy(definitions)
    for child in list(doc):
        if not isinstance(child.tag, str):
            continue
        local = _local(child)
        if (
            (local == "process" and child.get("id") != process.get("id"))
            or local == "collaboration"
            or child.tag == _q("BPMNDiagram", BPMNDI_NS)
        ):
            doc.remove(child)
    command = _node_command()
    first = _run_node(command, doc)
    if isinstance(first, bytes):
        return _parse(first)
    # bpmn-auto-layout 1.3 throws when a fork lists a join (a node with several incoming
    # flows) between two other targets (bpmn-io/bpmn-auto-layout#151): list joins last.
    own = doc.find(f"{_q('process')}[@id='{process.get('id')}']")
    if own is not None:
        _joins_last(own)
    second = _run_node(command, doc)
    if isinstance(second, bytes):
        return _parse(second)
    raise LayoutError(f"bpmn-auto-layout 运行失败：{first}")


def _run_node(command: list[str], doc: etree._Element) -> bytes | str:
    """The laid-out XML, or the error message."""
    data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    try:
        result = subprocess.run(
            command, input=data, capture_output=True, timeout=NODE_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LayoutError(f"bpmn-auto-layout 运行失败：{exc}") from exc
    if result.returncode != 0:
        return result.stderr.decode("utf-8", "replace").strip()
    output: bytes = result.stdout
    return output


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def _joins_last(process: etree._Element) -> None:
    """Reorder every node's ``outgoing`` refs: flows into joins after the others."""
    targets = {f.get("id"): f.get("targetRef") for f in process.iterfind(_q("sequenceFlow"))}
    incoming: dict[str | None, int] = {}
    for target in targets.values():
        incoming[target] = incoming.get(target, 0) + 1
    for node in process:
        refs = [c for c in node if isinstance(c.tag, str) and c.tag == _q("outgoing")]
        if len(refs) < 2:
            continue
        ordered = sorted(
            refs, key=lambda r: incoming.get(targets.get((r.text or "").strip()), 0) > 1
        )
        anchor = refs[0].getprevious()
        for ref in refs:
            node.remove(ref)
        for offset, ref in enumerate(ordered):
            if anchor is None:
                node.insert(offset, ref)
            else:
                node.insert(node.index(anchor) + 1 + offset, ref)


def _auto_bounds(laid_out: etree._Element) -> tuple[dict[str, Box], dict[str, etree._Element]]:
    """Shape bounds by element id, and every DI element (shape or edge) by element id."""
    bounds: dict[str, Box] = {}
    di: dict[str, etree._Element] = {}
    for plane in laid_out.iter(_q("BPMNPlane", BPMNDI_NS)):
        for element in plane:
            ref = element.get("bpmnElement")
            if ref is None or ref in di:
                continue
            di[ref] = element
            b = element.find(_q("Bounds", DC_NS))
            if element.tag == _q("BPMNShape", BPMNDI_NS) and b is not None:
                bounds[ref] = Box(
                    float(b.get("x", "0")),
                    float(b.get("y", "0")),
                    float(b.get("width", "0")),
                    float(b.get("height", "0")),
                )
    return bounds, di


SUB_PROCESSES = ("subProcess", "adHocSubProcess", "transaction")


def _sub_process_planes(
    process: etree._Element, di: dict[str, etree._Element]
) -> Iterator[etree._Element]:
    """A drill-down diagram for each (collapsed) sub-process, with bpmn-auto-layout's
    layout of its content."""
    for sub in process.iter(*(_q(tag) for tag in SUB_PROCESSES)):
        ident = sub.get("id", "")
        diagram = etree.Element(_q("BPMNDiagram", BPMNDI_NS), id=f"BPMNDiagram_{ident}")
        plane = etree.SubElement(
            diagram, _q("BPMNPlane", BPMNDI_NS), id=f"BPMNPlane_{ident}", bpmnElement=ident
        )
        for child in sub:
            ref = child.get("id") if isinstance(child.tag, str) else None
            if ref is None or ref not in di:
                continue
            element = copy.deepcopy(di[ref])
            if _local(child) in SUB_PROCESSES:
                element.set("isExpanded", "false")
            plane.append(element)
        yield diagram


def _grid(pool: Pool, auto: dict[str, Box]) -> None:
    """Columns and rows of bpmn-auto-layout's grid (ranks of the shapes' centres)."""
    main = [n for n in pool.nodes.values() if n.host is None]
    xs = sorted({round(auto[n.id].cx) for n in main if n.id in auto})
    ys = sorted({round(auto[n.id].cy) for n in main if n.id in auto})
    extra = len(xs)
    for node in main:
        if node.id in auto:
            node.col = xs.index(round(auto[node.id].cx))
            node.row = ys.index(round(auto[node.id].cy))
        else:  # not placed by bpmn-auto-layout: append a column
            node.col, node.row = extra, 0
            extra += 1


# -- step 2: pool, bands, columns ---------------------------------------------------------------
def _pack_rows(members: Sequence[Node]) -> dict[int, int]:
    """bpmn-auto-layout row -> row inside the band. Rows keep their order; a row moves up
    into the previous one when none of its columns is used there or next to one used there."""
    packed: dict[int, int] = {}
    used: list[set[int]] = []
    for row in sorted({n.row for n in members}):
        cols = {n.col for n in members if n.row == row}
        near = {c + d for c in cols for d in (-1, 0, 1)}
        if used and not near & used[-1]:
            used[-1] |= cols
        else:
            used.append(set(cols))
        packed[row] = len(used) - 1
    return packed


def _place(pool: Pool, top: float) -> None:
    nodes = pool.nodes
    main = [n for n in nodes.values() if n.host is None]
    hosts = {n.host for n in nodes.values() if n.host is not None}
    attached: dict[str, list[Node]] = {}
    for node in nodes.values():
        if node.host is not None:
            attached.setdefault(node.host, []).append(node)
    for host_id, events in attached.items():  # room for every event on the bottom edge
        host = nodes[host_id]
        host.w = max(host.w, BOUNDARY_SLOT * len(events) + 4)
    leaves = [lane.id for lane in pool.lanes if lane.leaves == [lane.id]]
    band_ids: list[str | None] = list(leaves)
    if not band_ids or any(n.lane is None or n.lane not in leaves for n in main):
        band_ids.append(None)  # nodes outside every lane
        for node in nodes.values():
            if node.lane not in leaves:
                node.lane = None

    # columns: width of the widest shape, gap widened for labelled flows leaving the column
    columns = max((n.col for n in main), default=-1) + 1
    widths = [0.0] * columns
    gaps = [COLUMN_GAP] * columns
    for node in main:
        widths[node.col] = max(widths[node.col], node.w)
    for flow in pool.flows:
        source = nodes[flow.source]
        if flow.name.strip():
            col = nodes[source.host].col if source.host else source.col
            gaps[col] = max(gaps[col], label_size(flow.name)[0] + 40)
    lane_indent = {lane.id: lane.depth * HEADER for lane in pool.lanes}
    deepest = max(lane_indent.values(), default=0.0)
    left = POOL_X + HEADER + (HEADER if pool.lanes else 0.0) + deepest + LEFT_PAD
    centres: list[float] = []
    for col in range(columns):
        centres.append(left + widths[col] / 2)
        left += widths[col] + gaps[col]
    right = left - gaps[-1] + RIGHT_PAD if columns else left + RIGHT_PAD

    # bands: the rows used by a band's nodes, in bpmn-auto-layout's order, packed
    band_box: dict[str | None, Box] = {}
    y = top
    for band in band_ids:
        members = [n for n in main if n.lane == band]
        packed = _pack_rows(members)
        height = BAND_TOP
        row_centre: dict[int, float] = {}
        for row in sorted(set(packed.values())):
            row_centre[row] = y + height + ROW_HEIGHT / 2
            boundary = any(n.id in hosts for n in members if packed[n.row] == row)
            height += ROW_HEIGHT + (ROW_GAP_BOUNDARY if boundary else ROW_GAP)
        name = next((lane.name for lane in pool.lanes if lane.id == band), "")
        height = max(height, MIN_BAND, text_width(name, 12.0) + 30)
        for node in members:
            cy = row_centre[packed[node.row]]
            node.box = Box(centres[node.col] - node.w / 2, cy - node.h / 2, node.w, node.h)
        band_box[band] = Box(POOL_X, y, right - POOL_X, height)
        y += height

    # boundary events along the bottom edge of their host, from the right; the one whose
    # flow goes lowest is leftmost, so that the flows leaving them do not cross
    targets: dict[str, list[float]] = {}
    for flow in pool.flows:
        targets.setdefault(flow.source, []).append(nodes[flow.target].box.cy)
    for host_id, events in attached.items():
        edge = nodes[host_id].box
        ordered = sorted(events, key=lambda e: max(targets.get(e.id, [-math.inf])))
        for index, event in enumerate(ordered):
            cx = edge.right - BOUNDARY_SLOT / 2 - 2 - index * BOUNDARY_SLOT
            event.box = Box(cx - event.w / 2, edge.bottom - event.h / 2, event.w, event.h)

    pool.box = Box(POOL_X, top, right - POOL_X, y - top)
    # lanes: leaves are bands; a parent lane spans its leaves
    for lane in pool.lanes:
        first, last = band_box[lane.leaves[0]], band_box[lane.leaves[-1]]
        x = POOL_X + HEADER + lane_indent[lane.id]
        lane.box = Box(x, first.y, right - x, last.bottom - first.y)


# -- step 3: orthogonal routing -----------------------------------------------------------------
E, S, W, N = 0, 1, 2, 3
STEP = ((1, 0), (0, 1), (-1, 0), (0, -1))


@dataclass(frozen=True)
class Port:
    side: str  # right, bottom, top, left
    point: Point  # on the shape's outline
    vertex: tuple[int, int]  # graph vertex at MARGIN from the outline
    direction: int  # leaving (sources) or entering (targets) direction
    cost: float


class Router:
    """A* over a sparse orthogonal grid: lines along the shapes' centres and margins and
    the channels between columns and rows; shapes (inflated by MARGIN) are walls."""

    def __init__(self, pool: Pool, soft: Sequence[Box]) -> None:
        self.pool = pool
        inner = Box(
            pool.box.x + HEADER + (HEADER if pool.lanes else 0.0),
            pool.box.y,
            pool.box.w - HEADER - (HEADER if pool.lanes else 0.0),
            pool.box.h,
        )
        self.walls = [n.box.inflate(MARGIN) for n in pool.nodes.values()]
        inner = inner.inflate(-POOL_MARGIN)
        xs = {inner.x, inner.right}
        ys = {inner.y, inner.bottom}
        preferred: set[float] = set()  # vertical runs: gap middles and shape centres
        for wall, node in zip(self.walls, pool.nodes.values(), strict=True):
            xs.update((wall.x, wall.right, node.box.cx))
            ys.update((wall.y, wall.bottom, node.box.cy))
            preferred.add(round(node.box.cx, 1))
        rights = sorted({n.box.right for n in pool.nodes.values() if n.host is None})
        lefts = sorted({n.box.x for n in pool.nodes.values() if n.host is None})
        for r in rights:  # channel in the middle of each column gap
            following = [x for x in lefts if x > r]
            if following:
                xs.add((r + following[0]) / 2)
                preferred.add(round((r + following[0]) / 2, 1))
        tops = sorted({n.box.y for n in pool.nodes.values()})
        bottoms = sorted({n.box.bottom for n in pool.nodes.values()})
        for b in bottoms:
            following = [y for y in tops if y > b]
            if following:
                ys.add((b + following[0]) / 2)
        for lane in pool.lanes:
            ys.update((lane.box.y + MARGIN, lane.box.bottom - MARGIN))
        self.xs = sorted({round(x, 1) for x in xs if inner.x <= x <= inner.right})
        self.ys = sorted({round(y, 1) for y in ys if inner.y <= y <= inner.bottom})
        # running down the middle of a gap leaves room for labels on both sides
        self.vextra = [0.0 if x in preferred else OFF_CHANNEL for x in self.xs]
        nx, ny = len(self.xs), len(self.ys)
        # hblock[j][i]: segment xs[i]..xs[i+1] at ys[j] is blocked; vblock[i][j] likewise
        self.hblock = [[False] * max(nx - 1, 0) for _ in range(ny)]
        self.vblock = [[False] * max(ny - 1, 0) for _ in range(nx)]
        self.hsoft = [[0.0] * max(nx - 1, 0) for _ in range(ny)]
        self.vsoft = [[0.0] * max(ny - 1, 0) for _ in range(nx)]
        self._mark(self.walls, self.hblock, self.vblock, None)
        self._mark(soft, None, None, (self.hsoft, self.vsoft))
        # flows (source, target) on each grid segment and through each vertex; flows that
        # share their source or their target may share a trunk (a fork or a join)
        self.hused: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.vused: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.cross_h: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.cross_v: dict[tuple[int, int], list[tuple[str, str]]] = {}
        self.current = ("", "")
        self.port_use: dict[tuple[str, str], set[str]] = {}

    def _mark(
        self,
        boxes: Iterable[Box],
        hblock: list[list[bool]] | None,
        vblock: list[list[bool]] | None,
        soft: tuple[list[list[float]], list[list[float]]] | None,
    ) -> None:
        xs, ys = self.xs, self.ys
        for box in boxes:
            # horizontal lines strictly inside the box, segments overlapping its x-range
            j0 = bisect.bisect_right(ys, box.y)
            j1 = bisect.bisect_left(ys, box.bottom)
            i0 = max(bisect.bisect_right(xs, box.x) - 1, 0)
            i1 = bisect.bisect_left(xs, box.right)
            for j in range(j0, j1):
                for i in range(i0, min(i1, len(xs) - 1)):
                    if xs[i] < box.right and xs[i + 1] > box.x:
                        if hblock is not None:
                            hblock[j][i] = True
                        if soft is not None:
                            soft[0][j][i] = SOFT
            i0 = bisect.bisect_right(xs, box.x)
            i1 = bisect.bisect_left(xs, box.right)
            j0 = max(bisect.bisect_right(ys, box.y) - 1, 0)
            j1 = bisect.bisect_left(ys, box.bottom)
            for i in range(i0, i1):
                for j in range(j0, min(j1, len(ys) - 1)):
                    if ys[j] < box.bottom and ys[j + 1] > box.y:
                        if vblock is not None:
                            vblock[i][j] = True
                        if soft is not None:
                            soft[1][i][j] = SOFT

    def _vertex(self, point: Point) -> tuple[int, int] | None:
        x, y = round(point[0], 1), round(point[1], 1)
        i = bisect.bisect_left(self.xs, x)
        j = bisect.bisect_left(self.ys, y)
        if i < len(self.xs) and j < len(self.ys) and self.xs[i] == x and self.ys[j] == y:
            return i, j
        return None

    def _ports(self, node: Node, outgoing: bool) -> list[Port]:
        b = node.box
        sides: list[tuple[str, Point, Point, int, float]] = [
            ("right", (b.right, b.cy), (b.right + MARGIN, b.cy), E, 0.0),
            ("bottom", (b.cx, b.bottom), (b.cx, b.bottom + MARGIN), S, 0.0),
            ("top", (b.cx, b.y), (b.cx, b.y - MARGIN), N, 0.0),
            ("left", (b.x, b.cy), (b.x - MARGIN, b.cy), W, 0.0),
        ]
        ports = []
        for side, point, vertex_point, leaving, _ in sides:
            if outgoing:
                if node.host is not None and side != "bottom":
                    continue
                if side == "left":
                    continue
                cost = 0.0 if side == "right" or node.host else (15.0 if node.is_gateway else 60.0)
                direction = leaving
            else:
                cost = {"left": 0.0, "top": 25.0, "bottom": 25.0, "right": 150.0}[side]
                if node.is_gateway and side in ("top", "bottom"):
                    cost = 10.0
                direction = (leaving + 2) % 4  # entering moves against the side's normal
            used = self.port_use.get((node.id, side), set())
            if used:
                same = "out" if outgoing else "in"
                cost += 300.0 if any(u != same for u in used) else 20.0
            vertex = self._vertex(vertex_point)
            if vertex is not None:
                ports.append(Port(side, point, vertex, direction, cost + MARGIN))
        return ports

    def _step_cost(self, i: int, j: int, d: int) -> float | None:
        """Cost of moving one grid step from (i, j) in direction d; None when blocked."""
        if d in (E, W):
            k = i if d == E else i - 1
            if k < 0 or k >= len(self.xs) - 1 or self.hblock[j][k]:
                return None
            length = self.xs[k + 1] - self.xs[k]
            factor = 1.0 + self.hsoft[j][k] + OVERLAP * self._foreign(self.hused, (j, k))
            ni = i + (1 if d == E else -1)
            crossing = CROSSING * self._foreign(self.cross_v, (ni, j))
        else:
            k = j if d == S else j - 1
            if k < 0 or k >= len(self.ys) - 1 or self.vblock[i][k]:
                return None
            length = self.ys[k + 1] - self.ys[k]
            factor = 1.0 + self.vextra[i] + self.vsoft[i][k]
            factor += OVERLAP * self._foreign(self.vused, (i, k))
            nj = j + (1 if d == S else -1)
            crossing = CROSSING * self._foreign(self.cross_h, (i, nj))
        return length * factor + crossing

    def _foreign(
        self, used: dict[tuple[int, int], list[tuple[str, str]]], key: tuple[int, int]
    ) -> int:
        """Flows at ``key`` that share neither source nor target with the current one."""
        source, target = self.current
        return sum(1 for s, t in used.get(key, ()) if s != source and t != target)

    def route(self, flow: Flow) -> None:
        source, target = self.pool.nodes[flow.source], self.pool.nodes[flow.target]
        self.current = (flow.source, flow.target)
        starts = self._ports(source, outgoing=True)
        goals = self._ports(target, outgoing=False)
        found = self._search(starts, goals) if starts and goals else None
        if found is None:
            flow.points = _fallback(source.box, target.box, source.host is not None)
            return
        start, goal, path = found
        self._occupy(path)
        self.port_use.setdefault((source.id, start.side), set()).add("out")
        self.port_use.setdefault((target.id, goal.side), set()).add("in")
        points = [start.point] + [(self.xs[i], self.ys[j]) for i, j in path] + [goal.point]
        flow.points = _simplify(points)

    def _search(
        self, starts: list[Port], goals: list[Port]
    ) -> tuple[Port, Port, list[tuple[int, int]]] | None:
        xs, ys = self.xs, self.ys
        goal_at: dict[tuple[int, int], list[Port]] = {}
        for goal in goals:
            goal_at.setdefault(goal.vertex, []).append(goal)

        def heuristic(i: int, j: int) -> float:
            return min(abs(xs[i] - xs[g.vertex[0]]) + abs(ys[j] - ys[g.vertex[1]]) for g in goals)

        State = tuple[int, int, int]
        best: dict[State, float] = {}
        parent: dict[State, State | None] = {}
        origin: dict[State, Port] = {}
        heap: list[tuple[float, float, int, int, int]] = []
        for port in starts:
            i, j = port.vertex
            state = (i, j, port.direction)
            if port.cost < best.get(state, math.inf):
                best[state] = port.cost
                parent[state] = None
                origin[state] = port
                heapq.heappush(heap, (port.cost + heuristic(i, j), port.cost, i, j, port.direction))
        found: tuple[float, State, Port] | None = None
        while heap:
            f, g, i, j, d = heapq.heappop(heap)
            if found is not None and f >= found[0]:
                break
            state = (i, j, d)
            if g > best.get(state, math.inf):
                continue
            for goal in goal_at.get((i, j), ()):
                if d == goal.direction:
                    total = g + goal.cost
                elif d == (goal.direction + 2) % 4:
                    continue
                else:
                    total = g + goal.cost + BEND
                if found is None or total < found[0]:
                    found = (total, state, goal)
            for nd in (d, (d + 1) % 4, (d + 3) % 4):
                step = self._step_cost(i, j, nd)
                if step is None:
                    continue
                ni, nj = i + STEP[nd][0], j + STEP[nd][1]
                ng = g + step + (BEND if nd != d else 0.0)
                next_state = (ni, nj, nd)
                if ng < best.get(next_state, math.inf):
                    best[next_state] = ng
                    parent[next_state] = state
                    origin[next_state] = origin[state]
                    heapq.heappush(heap, (ng + heuristic(ni, nj), ng, ni, nj, nd))
        if found is None:
            return None
        _, last, goal = found
        path: list[tuple[int, int]] = []
        cursor: State | None = last
        while cursor is not None:
            path.append((cursor[0], cursor[1]))
            cursor = parent[cursor]
        path.reverse()
        return origin[last], goal, path

    def _occupy(self, path: list[tuple[int, int]]) -> None:
        for (i1, j1), (i2, j2) in itertools.pairwise(path):
            if j1 == j2:
                self.hused.setdefault((j1, min(i1, i2)), []).append(self.current)
                for vertex in ((i1, j1), (i2, j2)):
                    self.cross_h.setdefault(vertex, []).append(self.current)
            else:
                self.vused.setdefault((i1, min(j1, j2)), []).append(self.current)
                for vertex in ((i1, j1), (i2, j2)):
                    self.cross_v.setdefault(vertex, []).append(self.current)


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated and collinear points."""
    out: list[Point] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (ax == bx == point[0]) or (ay == by == point[1]):
                out[-1] = point
                continue
        out.append(point)
    return out


def _fallback(source: Box, target: Box, from_bottom: bool) -> list[Point]:
    """A plain orthogonal path when the router finds none (should not happen)."""
    if from_bottom:
        return _simplify(
            [(source.cx, source.bottom), (source.cx, target.cy), (target.x, target.cy)]
        )
    mid = (source.right + target.x) / 2
    return _simplify(
        [(source.right, source.cy), (mid, source.cy), (mid, target.cy), (target.x, target.cy)]
    )


def _route_order(pool: Pool) -> list[Flow]:
    def key(flow: Flow) -> tuple[int, float, int]:
        a, b = pool.nodes[flow.source].box, pool.nodes[flow.target].box
        backward = 1 if b.cx <= a.cx else 0
        return (backward, abs(a.cx - b.cx) + abs(a.cy - b.cy), flow.index)

    return sorted(pool.flows, key=key)


# -- step 4: labels -----------------------------------------------------------------------------
def _node_label_candidates(node: Node) -> Iterator[Box]:
    w, h = label_size(node.name)
    b = node.box
    if node.host is not None:  # its flow leaves downwards: beside the flow, not on it
        yield Box(b.x - w + 4, b.bottom + 2, w, h)  # below left
        yield Box(b.right - 4, b.bottom + 2, w, h)  # below right
        yield Box(b.cx - w / 2, b.bottom + 4, w, h)  # below
        yield Box(b.x - w + 4, b.bottom + 6 + h, w, h)  # lower left
        yield Box(b.right - 4, b.bottom + 6 + h, w, h)  # lower right
        return
    if node.is_gateway:  # flows leave a gateway right, up and down: labels go aside
        yield Box(b.x - w + 15, b.y - h - 2, w, h)  # above left
        yield Box(b.x - w + 15, b.bottom + 2, w, h)  # below left
        yield Box(b.right - 15, b.y - h - 2, w, h)  # above right
        yield Box(b.right - 15, b.bottom + 2, w, h)  # below right
    yield Box(b.cx - w / 2, b.bottom + 5, w, h)  # below
    yield Box(b.cx - w / 2, b.y - 5 - h, w, h)  # above
    yield Box(b.right + 3, b.y - h + 2, w, h)  # above right
    yield Box(b.x - w - 3, b.y - h + 2, w, h)  # above left
    yield Box(b.right + 3, b.bottom - 2, w, h)  # below right
    yield Box(b.x - w - 3, b.bottom - 2, w, h)  # below left


def _own_pieces(
    a: Point, b: Point, others: Sequence[tuple[Point, Point]]
) -> list[tuple[Point, Point]]:
    """The parts of segment a-b (in its direction) that no other segment runs along."""
    horizontal = a[1] == b[1]
    axis = 0 if horizontal else 1
    lo, hi = sorted((a[axis], b[axis]))
    covered: list[tuple[float, float]] = []
    for c, d in others:
        if (horizontal and c[1] == d[1] == a[1]) or (not horizontal and c[0] == d[0] == a[0]):
            clo, chi = sorted((c[axis], d[axis]))
            if min(hi, chi) - max(lo, clo) > 0:
                covered.append((max(lo, clo), min(hi, chi)))
    pieces: list[tuple[float, float]] = []
    cursor = lo
    for clo, chi in sorted(covered):
        if clo > cursor:
            pieces.append((cursor, clo))
        cursor = max(cursor, chi)
    if cursor < hi:
        pieces.append((cursor, hi))
    forward = b[axis] >= a[axis]
    if not forward:
        pieces = [(p2, p1) for p1, p2 in reversed(pieces)]
    out = []
    for p1, p2 in pieces:
        if abs(p2 - p1) < 20:
            continue
        if horizontal:
            out.append(((p1, a[1]), (p2, a[1])))
        else:
            out.append(((a[0], p1), (a[0], p2)))
    return out


def _flow_label_candidates(flow: Flow, others: Sequence[tuple[Point, Point]]) -> Iterator[Box]:
    """Beside the flow's first segments, on the parts it has to itself (not a shared
    trunk of a fork or join) first."""
    w, h = label_size(flow.name)
    segments = list(zip(flow.points, flow.points[1:], strict=False))[:4]
    own = [piece for seg in segments for piece in _own_pieces(*seg, others)]
    across = [piece for piece in own if piece[0][1] == piece[1][1]]  # read best
    for (x1, y1), (x2, y2) in across + own + segments:
        if y1 == y2:
            forward = x2 >= x1
            start = x1 + 8 if forward else x1 - 8 - w
            middle = (x1 + x2) / 2 - w / 2
            yield Box(start, y1 - 3 - h, w, h)
            yield Box(start, y1 + 3, w, h)
            yield Box(middle, y1 - 3 - h, w, h)
            yield Box(middle, y1 + 3, w, h)
        else:
            down = y2 >= y1
            start = y1 + 10 if down else y1 - 10 - h
            middle = (y1 + y2) / 2 - h / 2
            yield Box(x1 + 5, start, w, h)
            yield Box(x1 - 5 - w, start, w, h)
            yield Box(x1 + 5, middle, w, h)
            yield Box(x1 - 5 - w, middle, w, h)


def _place_labels(pools: Sequence[Pool]) -> None:
    shapes = [n.box.inflate(2) for p in pools for n in p.nodes.values()]
    lines = [
        _segment_box(a, b, 3)
        for p in pools
        for f in p.flows
        for a, b in zip(f.points, f.points[1:], strict=False)
    ]
    placed: list[Box] = []

    def choose(candidates: Iterable[Box], inside: Box) -> Box:
        best: tuple[float, int, Box] | None = None
        for order, box in enumerate(candidates):
            cost = sum(box.overlap(s) for s in shapes) * 4
            cost += sum(box.overlap(p.inflate(2)) for p in placed) * 4
            cost += sum(box.overlap(line) for line in lines)
            if not inside.contains(box):
                cost += box.w * box.h
            if cost == 0:
                return box
            if best is None or (cost, order) < best[:2]:
                best = (cost, order, box)
        assert best is not None
        return best[2]

    for pool in pools:
        inner = Box(pool.box.x + HEADER, pool.box.y, pool.box.w - HEADER, pool.box.h)
        for node in pool.nodes.values():
            if node.external_label:
                node.label = choose(_node_label_candidates(node), inner)
                placed.append(node.label)
    for pool in pools:
        inner = Box(pool.box.x + HEADER, pool.box.y, pool.box.w - HEADER, pool.box.h)
        for flow in pool.flows:
            if flow.name.strip() and len(flow.points) >= 2:
                others = [
                    seg
                    for f in pool.flows
                    if f is not flow
                    for seg in zip(f.points, f.points[1:], strict=False)
                ]
                flow.label = choose(_flow_label_candidates(flow, others), inner)
                placed.append(flow.label)


def _default_label(node: Node) -> Box:
    return next(_node_label_candidates(node)).inflate(2)


# -- the document -------------------------------------------------------------------------------
def _with_di_namespaces(root: etree._Element) -> etree._Element:
    missing = {
        prefix: uri
        for prefix, uri in DI_PREFIXES.items()
        if uri not in root.nsmap.values() and prefix not in root.nsmap
    }
    if not missing:
        return root
    nsmap: dict[Any, str] = {prefix: uri for prefix, uri in root.nsmap.items()}
    nsmap.update(missing)  # the None key (a default namespace) is kept as it was
    new_root = etree.Element(root.tag, nsmap=nsmap)
    for name, value in root.items():
        new_root.set(name, value)
    new_root.text = root.text
    for child in list(root):
        new_root.append(child)
    return new_root


def _participants(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """(participant id, process) for every process; creates the collaboration if needed."""
    processes = {p.get("id", ""): p for p in root.iterfind(_q("process"))}
    collaboration = root.find(_q("collaboration"))
    if collaboration is None:
        if not processes:
            return []
        first = next(iter(processes))
        collaboration = etree.Element(
            _q("collaboration"), id=_unique(root, f"Collaboration_{first}")
        )
        root.find(_q("process")).addprevious(collaboration)  # type: ignore[union-attr]
    pairs: list[tuple[str, etree._Element]] = []
    referenced = set()
    for participant in collaboration.iterfind(_q("participant")):
        ref = participant.get("processRef", "")
        if ref in processes and ref not in referenced:
            referenced.add(ref)
            pairs.append((participant.get("id", ""), processes[ref]))
    for pid, process in processes.items():
        if pid in referenced:
            continue
        participant = etree.SubElement(
            collaboration, _q("participant"), id=_unique(root, f"Participant_{pid}")
        )
        participant.set("name", process.get("name", pid))
        participant.set("processRef", pid)
        _before_flows(collaboration, participant)
        pairs.append((participant.get("id", ""), process))
    return pairs


def _before_flows(collaboration: etree._Element, participant: etree._Element) -> None:
    """Schema order: participants come before message flows and the rest."""
    for child in collaboration:
        if isinstance(child.tag, str) and _local(child) not in (
            "documentation",
            "extensionElements",
            "participant",
        ):
            child.addprevious(participant)
            return


def _unique(root: etree._Element, ident: str) -> str:
    taken = {el.get("id") for el in root.iter() if isinstance(el.tag, str)}
    candidate, n = ident, 1
    while candidate in taken:
        n += 1
        candidate = f"{ident}_{n}"
    return candidate


def _num(value: float) -> str:
    return str(round(value))


def _bounds(parent: etree._Element, box: Box) -> None:
    etree.SubElement(
        parent,
        _q("Bounds", DC_NS),
        x=_num(box.x),
        y=_num(box.y),
        width=_num(box.w),
        height=_num(box.h),
    )


def _shape(plane: etree._Element, element: str, box: Box, **attrs: str) -> etree._Element:
    shape = etree.SubElement(
        plane,
        _q("BPMNShape", BPMNDI_NS),
        attrib={"id": f"{element}_di", "bpmnElement": element, **attrs},
    )
    _bounds(shape, box)
    return shape


def _message_flows(root: etree._Element, plane: etree._Element, pools: Sequence[Pool]) -> None:
    """Message flows between pools: a straight vertical or a three-segment path."""
    boxes: dict[str, Box] = {}
    for pool in pools:
        boxes[pool.participant] = pool.box
        boxes.update({n.id: n.box for n in pool.nodes.values()})
    for flow in root.iter(_q("messageFlow")):
        a, b = boxes.get(flow.get("sourceRef", "")), boxes.get(flow.get("targetRef", ""))
        if a is None or b is None:
            continue
        down = b.cy >= a.cy
        start = (a.cx, a.bottom if down else a.y)
        end = (b.cx, b.y if down else b.bottom)
        mid = (start[1] + end[1]) / 2
        edge = etree.SubElement(
            plane,
            _q("BPMNEdge", BPMNDI_NS),
            id=f"{flow.get('id')}_di",
            bpmnElement=flow.get("id", ""),
        )
        for x, y in _simplify([start, (start[0], mid), (end[0], mid), end]):
            etree.SubElement(edge, _q("waypoint", DI_NS), x=_num(x), y=_num(y))


def add_diagram(xml: bytes) -> bytes:
    """``xml`` with a new BPMN diagram (pool, lane bands, shapes, orthogonal edges)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    root = etree.fromstring(xml, parser)
    if root.tag != _q("definitions"):
        raise LayoutError("根元素应为 bpmn:definitions")
    for diagram in root.findall(_q("BPMNDiagram", BPMNDI_NS)):
        root.remove(diagram)
    root = _with_di_namespaces(root)
    pairs = _participants(root)
    pools: list[Pool] = []
    extra_planes: list[etree._Element] = []
    top = POOL_Y
    for participant, process in pairs:
        pool = _read_pool(process, participant)
        auto, di = _auto_bounds(_auto_layout(root, process))
        extra_planes.extend(_sub_process_planes(process, di))
        _grid(pool, auto)
        _place(pool, top)
        top = pool.box.bottom + POOL_GAP
        pools.append(pool)
    for pool in pools:
        soft = [_default_label(n) for n in pool.nodes.values() if n.external_label]
        router = Router(pool, soft)
        for flow in _route_order(pool):
            router.route(flow)
    _place_labels(pools)

    collaboration = root.find(_q("collaboration"))
    diagram = etree.SubElement(root, _q("BPMNDiagram", BPMNDI_NS), id="BPMNDiagram_1")
    plane = etree.SubElement(diagram, _q("BPMNPlane", BPMNDI_NS), id="BPMNPlane_1")
    if collaboration is not None:
        plane.set("bpmnElement", collaboration.get("id", ""))
        diagram.set("id", f"BPMNDiagram_{collaboration.get('id', '')}")
        plane.set("id", f"BPMNPlane_{collaboration.get('id', '')}")
    for pool in pools:
        _shape(plane, pool.participant, pool.box, isHorizontal="true")
        for lane in pool.lanes:
            _shape(plane, lane.id, lane.box, isHorizontal="true")
        for node in pool.nodes.values():
            attrs: dict[str, str] = {}
            if node.kind == "exclusiveGateway":
                attrs["isMarkerVisible"] = "true"
            if node.kind in SUB_PROCESSES:
                attrs["isExpanded"] = "false"
            shape = _shape(plane, node.id, node.box, **attrs)
            if node.label is not None:
                _bounds(etree.SubElement(shape, _q("BPMNLabel", BPMNDI_NS)), node.label)
        for flow in pool.flows:
            edge = etree.SubElement(
                plane, _q("BPMNEdge", BPMNDI_NS), id=f"{flow.id}_di", bpmnElement=flow.id
            )
            for x, y in flow.points:
                etree.SubElement(edge, _q("waypoint", DI_NS), x=_num(x), y=_num(y))
            if flow.label is not None:
                _bounds(etree.SubElement(edge, _q("BPMNLabel", BPMNDI_NS)), flow.label)
    _message_flows(root, plane, pools)
    for other in extra_planes:
        root.append(other)
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.definitions.layout",
        description="为 BPMN 文件生成流程图布局（BPMN DI：泳池、泳道、连线），原地改写。",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--check", action="store_true", help="只检查：布局需要更新时退出码为 1，不改写文件"
    )
    args = parser.parse_args(argv)
    stale = 0
    try:
        for raw in args.paths:
            path = Path(raw)
            data = path.read_bytes()
            laid_out = add_diagram(data)
            if laid_out == data:
                continue
            stale += 1
            if args.check:
                print(f"{path}: 布局需要更新")
            else:
                path.write_bytes(laid_out)
                print(f"{path}: 已生成布局")
    except LayoutError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
