"""Hardened XML reading for BPMN files.

Two layers: ``defusedxml`` screens the document (no DTD, no entity declarations,
no external references), then lxml parses it with entity resolution and network
access switched off, so that SpiffWorkflow gets the lxml tree (with line numbers)
it needs. A document that fails either layer is reported, never expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, TreeBuilder

import defusedxml
import defusedxml.ElementTree as SafeET
from lxml import etree

MAX_BPMN_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class XmlProblem:
    line: int | None
    message: str


class UnsafeXml(Exception):
    def __init__(self, problem: XmlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _lxml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(data: bytes, max_bytes: int = MAX_BPMN_BYTES) -> etree._ElementTree:
    """Parse untrusted XML; raise ``UnsafeXml`` with a line and a Chinese message."""
    if len(data) > max_bytes:
        raise UnsafeXml(XmlProblem(None, f"文件过大（{len(data)} 字节，上限 {max_bytes} 字节）"))
    _screen(data)
    try:
        return etree.ElementTree(etree.fromstring(data, _lxml_parser()))
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(XmlProblem(exc.lineno, f"XML 格式错误：{exc.msg}")) from None


def _screen(data: bytes) -> None:
    """Refuse DTDs, entities and external references, at the line that declares them.

    The screening parser is built here rather than through ``defusedxml``'s
    ``fromstring`` so that its expat parser, which stops on the offending declaration,
    can say which line that was."""
    parser = SafeET.DefusedXMLParser(
        target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        parser.close()
    except defusedxml.DTDForbidden as exc:
        problem = f"不允许 DOCTYPE/DTD 声明（{exc.name}）"
    except defusedxml.EntitiesForbidden as exc:
        problem = f"不允许实体声明（{exc.name}）"
    except defusedxml.ExternalReferenceForbidden:
        problem = "不允许引用外部资源"
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise UnsafeXml(XmlProblem(line, f"XML 格式错误：{exc}")) from None
    else:
        return
    raise UnsafeXml(XmlProblem(parser.parser.CurrentLineNumber, problem))


def line_of(element: object) -> int | None:
    """The source line of an element (lxml's stubs type ``sourceline`` loosely)."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None
