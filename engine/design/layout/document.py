"""The semantic part of the document, made ready for a diagram: earlier diagrams dropped,
the DI namespaces declared, and a collaboration with one participant (pool) per process."""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.design.layout.bpmnxml import BPMNDI_NS, DI_PREFIXES, local, q


def fresh_document(root: etree._Element) -> etree._Element:
    """``root`` without its diagrams, with the DI namespaces declared (a new root element
    when one was missing)."""
    for diagram in root.findall(q("BPMNDiagram", BPMNDI_NS)):
        root.remove(diagram)
    return _with_di_namespaces(root)


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


def participants(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """(participant id, process) for every process; creates the collaboration if needed."""
    processes = {p.get("id", ""): p for p in root.iterfind(q("process"))}
    collaboration = root.find(q("collaboration"))
    if collaboration is None:
        if not processes:
            return []
        first = next(iter(processes))
        collaboration = etree.Element(
            q("collaboration"), id=_unique(root, f"Collaboration_{first}")
        )
        root.find(q("process")).addprevious(collaboration)  # type: ignore[union-attr]
    pairs: list[tuple[str, etree._Element]] = []
    referenced = set()
    for participant in collaboration.iterfind(q("participant")):
        ref = participant.get("processRef", "")
        if ref in processes and ref not in referenced:
            referenced.add(ref)
            pairs.append((participant.get("id", ""), processes[ref]))
    for pid, process in processes.items():
        if pid in referenced:
            continue
        participant = etree.SubElement(
            collaboration, q("participant"), id=_unique(root, f"Participant_{pid}")
        )
        participant.set("name", process.get("name", pid))
        participant.set("processRef", pid)
        _before_flows(collaboration, participant)
        pairs.append((participant.get("id", ""), process))
    return pairs


def _before_flows(collaboration: etree._Element, participant: etree._Element) -> None:
    """Schema order: participants come before message flows and the rest."""
    for child in collaboration:
        if isinstance(child.tag, str) and local(child) not in (
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
