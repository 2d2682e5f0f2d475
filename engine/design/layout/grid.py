"""Step 1: bpmn-auto-layout's grid. ``tools/layout/layout.mjs`` (Node) lays each process
out on its own; only the column and row of every flow node are kept (bpmn-auto-layout
knows nothing of pools and lanes), and its drawing of a sub-process's content becomes
that sub-process's drill-down plane."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterator

from lxml import etree

from engine.design.layout.bpmnxml import BPMNDI_NS, DC_NS, local, parse, q
from engine.design.layout.geometry import Box
from engine.design.layout.model import SUB_PROCESSES, Pool
from processes.resources import LAYOUT_TOOL

# Design-time tooling: in a checkout only (never in a wheel); see processes.resources.
LAYOUT_DIR = LAYOUT_TOOL
SCRIPT = LAYOUT_DIR / "layout.mjs"
NODE_TIMEOUT = 120


class LayoutError(RuntimeError):
    """The layout tool could not run (Node or its packages missing, or it failed)."""


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


def auto_layout(definitions: etree._Element, process: etree._Element) -> etree._Element:
    """bpmn-auto-layout's output for ``process`` alone (no other process, no old DI)."""
    doc = copy.deepcopy(definitions)
    for child in list(doc):
        if not isinstance(child.tag, str):
            continue
        kind = local(child)
        if (
            (kind == "process" and child.get("id") != process.get("id"))
            or kind == "collaboration"
            or child.tag == q("BPMNDiagram", BPMNDI_NS)
        ):
            doc.remove(child)
    command = _node_command()
    first = _run_node(command, doc)
    if isinstance(first, bytes):
        return parse(first)
    # bpmn-auto-layout 1.3 throws when a fork lists a join (a node with several incoming
    # flows) between two other targets (bpmn-io/bpmn-auto-layout#151): list joins last.
    own = doc.find(f"{q('process')}[@id='{process.get('id')}']")
    if own is not None:
        _joins_last(own)
    second = _run_node(command, doc)
    if isinstance(second, bytes):
        return parse(second)
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


def _joins_last(process: etree._Element) -> None:
    """Reorder every node's ``outgoing`` refs: flows into joins after the others."""
    targets = {f.get("id"): f.get("targetRef") for f in process.iterfind(q("sequenceFlow"))}
    incoming: dict[str | None, int] = {}
    for target in targets.values():
        incoming[target] = incoming.get(target, 0) + 1
    for node in process:
        refs = [c for c in node if isinstance(c.tag, str) and c.tag == q("outgoing")]
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


def auto_bounds(laid_out: etree._Element) -> tuple[dict[str, Box], dict[str, etree._Element]]:
    """Shape bounds by element id, and every DI element (shape or edge) by element id."""
    bounds: dict[str, Box] = {}
    di: dict[str, etree._Element] = {}
    for plane in laid_out.iter(q("BPMNPlane", BPMNDI_NS)):
        for element in plane:
            ref = element.get("bpmnElement")
            if ref is None or ref in di:
                continue
            di[ref] = element
            b = element.find(q("Bounds", DC_NS))
            if element.tag == q("BPMNShape", BPMNDI_NS) and b is not None:
                bounds[ref] = Box(
                    float(b.get("x", "0")),
                    float(b.get("y", "0")),
                    float(b.get("width", "0")),
                    float(b.get("height", "0")),
                )
    return bounds, di


def sub_process_planes(
    process: etree._Element, di: dict[str, etree._Element]
) -> Iterator[etree._Element]:
    """A drill-down diagram for each (collapsed) sub-process, with bpmn-auto-layout's
    layout of its content."""
    for sub in process.iter(*(q(tag) for tag in SUB_PROCESSES)):
        ident = sub.get("id", "")
        diagram = etree.Element(q("BPMNDiagram", BPMNDI_NS), id=f"BPMNDiagram_{ident}")
        plane = etree.SubElement(
            diagram, q("BPMNPlane", BPMNDI_NS), id=f"BPMNPlane_{ident}", bpmnElement=ident
        )
        for child in sub:
            ref = child.get("id") if isinstance(child.tag, str) else None
            if ref is None or ref not in di:
                continue
            element = copy.deepcopy(di[ref])
            if local(child) in SUB_PROCESSES:
                element.set("isExpanded", "false")
            plane.append(element)
        yield diagram


def assign_grid(pool: Pool, auto: dict[str, Box]) -> None:
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
