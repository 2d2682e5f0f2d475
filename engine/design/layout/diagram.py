"""``add_diagram``: the four steps, in order, from a BPMN document to the same document
with its diagram."""

from __future__ import annotations

from lxml import etree

from engine.design.layout.bpmnxml import parse, q
from engine.design.layout.di import write_diagram
from engine.design.layout.document import fresh_document, participants
from engine.design.layout.grid import (
    LayoutError,
    assign_grid,
    auto_bounds,
    auto_layout,
    sub_process_planes,
)
from engine.design.layout.labels import default_label, place_labels
from engine.design.layout.model import Pool, read_pool
from engine.design.layout.pools import POOL_GAP, POOL_Y, place_pool
from engine.design.layout.routing import route_flows


def add_diagram(xml: bytes) -> bytes:
    """``xml`` with a new BPMN diagram (pool, lane bands, shapes, orthogonal edges)."""
    root = parse(xml)
    if root.tag != q("definitions"):
        raise LayoutError("根元素应为 bpmn:definitions")
    root = fresh_document(root)
    pools: list[Pool] = []
    planes: list[etree._Element] = []
    top = POOL_Y
    for participant, process in participants(root):
        pool = read_pool(process, participant)
        auto, di = auto_bounds(auto_layout(root, process))
        planes.extend(sub_process_planes(process, di))
        assign_grid(pool, auto)
        place_pool(pool, top)
        top = pool.box.bottom + POOL_GAP
        pools.append(pool)
    for pool in pools:
        route_flows(pool, [default_label(n) for n in pool.nodes.values() if n.external_label])
    place_labels(pools)
    write_diagram(root, pools, planes)
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
