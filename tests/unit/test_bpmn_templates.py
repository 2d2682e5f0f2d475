"""The templates (``engine.design.templates``) still write the BPMN library: every shared
activity and every catalogue item's process, as the builder writes it, is byte for byte
the semantic part of its file in ``processes/bpmn`` (the file without the pool and the
diagram that ``engine.design.layout`` adds; ``tests/browser/test_diagrams.py`` checks
those with Node). A change to a template that is not also made to the library, or the
other way round, fails here.

An item whose process a designer has modelled beyond its template (forms, gateways, see
docs/designing-processes.md) goes into ``MODELLED_BY_HAND``: its file is then the source
and the template only its starting point. None is, so far."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from lxml import etree

from engine.design.builder import ProcessBuilder, serialize
from engine.design.templates.common import COMMON
from engine.design.templates.items import item_process
from tests.support.paths import BPMN
from tests.support.shipped import shipped_catalogue

MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def semantic(path: Path) -> bytes:
    """The file without its collaboration (the pool) and its diagrams, indented as the
    builder indents."""
    root = etree.fromstring(path.read_bytes())
    for added in [*root.findall(f"{MODEL}collaboration"), *root.findall(f"{DI}BPMNDiagram")]:
        root.remove(added)
    return serialize(root)


# library files (relative to processes/bpmn) edited beyond what their template writes
MODELLED_BY_HAND: frozenset[str] = frozenset()

# library file (relative to processes/bpmn) -> the template that writes it
TEMPLATES: dict[str, Callable[[], ProcessBuilder]] = {
    **{f"common/{pid}.bpmn": make for pid, make in COMMON.items()},
    **{f"items/{i.process_id}.bpmn": partial(item_process, i) for i in shipped_catalogue()},
}


@pytest.mark.parametrize("name", sorted(set(TEMPLATES) - MODELLED_BY_HAND))
def test_template_writes_the_library_file(name: str) -> None:
    assert TEMPLATES[name]().to_xml() == semantic(BPMN / name), (
        f"{name} is not what its template writes: change the template in engine/design/templates "
        "too, then daiban scaffold --force rewrites the file (or, for an item modelled by "
        "hand, list it in MODELLED_BY_HAND)"
    )


def test_every_library_file_has_its_template() -> None:
    shipped = {str(p.relative_to(BPMN)) for d in ("common", "items") for p in (BPMN / d).iterdir()}
    assert shipped == set(TEMPLATES)
