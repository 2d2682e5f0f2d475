"""The test catalogue (``tests/data/catalogue``: one item of every shape) and its processes
as the builder generates them: the shared activities and one process per item."""

from __future__ import annotations

from functools import cache

from engine import SourceFile
from engine.design.templates.common import COMMON
from engine.design.templates.items import item_process
from processes.catalogue import Catalogue, load_catalogue
from tests.support.paths import DATA


@cache
def catalogue_of_shapes() -> Catalogue:
    return load_catalogue(DATA / "catalogue")


@cache
def generated_processes() -> tuple[SourceFile, ...]:
    common = [SourceFile(f"common/{pid}.bpmn", make().to_xml()) for pid, make in COMMON.items()]
    items = [
        SourceFile(f"items/{i.process_id}.bpmn", item_process(i).to_xml())
        for i in catalogue_of_shapes()
    ]
    return (*common, *items)
