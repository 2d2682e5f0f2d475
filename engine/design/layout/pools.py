"""Step 2: where every shape goes. Each process is a pool whose lanes are bands stacked in
laneSet order; a node keeps bpmn-auto-layout's column and goes into its lane's band, whose
rows are packed; boundary events sit on their host's bottom edge."""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.design.layout.geometry import Box, label_size, text_width
from engine.design.layout.model import Node, Pool

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


def place_pool(pool: Pool, top: float) -> None:
    """Give the pool whose top edge is at ``top``, its lanes and every node their boxes."""
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
