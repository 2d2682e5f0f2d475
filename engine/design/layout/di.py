"""Writing the BPMN DI: one plane with the pools, lanes, shapes, labels and edges as
placed and routed, the message flows between pools, and the sub-processes' planes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree

from engine.design.layout.bpmnxml import BPMNDI_NS, DC_NS, DI_NS, q
from engine.design.layout.geometry import Box, simplify
from engine.design.layout.model import SUB_PROCESSES, Pool


def _num(value: float) -> str:
    return str(round(value))


def _bounds(parent: etree._Element, box: Box) -> None:
    etree.SubElement(
        parent,
        q("Bounds", DC_NS),
        x=_num(box.x),
        y=_num(box.y),
        width=_num(box.w),
        height=_num(box.h),
    )


def _shape(plane: etree._Element, element: str, box: Box, **attrs: str) -> etree._Element:
    shape = etree.SubElement(
        plane,
        q("BPMNShape", BPMNDI_NS),
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
    for flow in root.iter(q("messageFlow")):
        a, b = boxes.get(flow.get("sourceRef", "")), boxes.get(flow.get("targetRef", ""))
        if a is None or b is None:
            continue
        down = b.cy >= a.cy
        start = (a.cx, a.bottom if down else a.y)
        end = (b.cx, b.y if down else b.bottom)
        mid = (start[1] + end[1]) / 2
        edge = etree.SubElement(
            plane,
            q("BPMNEdge", BPMNDI_NS),
            id=f"{flow.get('id')}_di",
            bpmnElement=flow.get("id", ""),
        )
        for x, y in simplify([start, (start[0], mid), (end[0], mid), end]):
            etree.SubElement(edge, q("waypoint", DI_NS), x=_num(x), y=_num(y))


def write_diagram(
    root: etree._Element, pools: Sequence[Pool], planes: Iterable[etree._Element]
) -> None:
    """Append the diagram of ``pools`` (laid out, routed, labelled) to ``root``, then the
    sub-processes' ``planes``."""
    collaboration = root.find(q("collaboration"))
    diagram = etree.SubElement(root, q("BPMNDiagram", BPMNDI_NS), id="BPMNDiagram_1")
    plane = etree.SubElement(diagram, q("BPMNPlane", BPMNDI_NS), id="BPMNPlane_1")
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
                _bounds(etree.SubElement(shape, q("BPMNLabel", BPMNDI_NS)), node.label)
        for flow in pool.flows:
            edge = etree.SubElement(
                plane, q("BPMNEdge", BPMNDI_NS), id=f"{flow.id}_di", bpmnElement=flow.id
            )
            for x, y in flow.points:
                etree.SubElement(edge, q("waypoint", DI_NS), x=_num(x), y=_num(y))
            if flow.label is not None:
                _bounds(etree.SubElement(edge, q("BPMNLabel", BPMNDI_NS)), flow.label)
    _message_flows(root, plane, pools)
    for other in planes:
        root.append(other)
