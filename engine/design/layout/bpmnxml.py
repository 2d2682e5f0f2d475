"""The XML every step shares: the BPMN model and DI namespaces, qualified names and a
parser that resolves no entity and reaches no network."""

from __future__ import annotations

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DI_PREFIXES = {"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}


def q(tag: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{tag}"


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def parse(data: bytes) -> etree._Element:
    """``data`` parsed with no entity resolved, no DTD loaded and no network reached."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)
