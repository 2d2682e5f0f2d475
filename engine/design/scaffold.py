"""Writing scaffolded BPMN files: shared activities to ``common/``, items to ``items/``
of the BPMN library (``processes/bpmn``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.design.builder import ProcessBuilder
from engine.design.layout import add_diagram
from engine.design.templates.common import COMMON
from engine.design.templates.items import item_process
from engine.logs import get_logger
from processes.catalogue import Item

log = get_logger(__name__)


@dataclass(frozen=True)
class Written:
    path: Path
    created: bool  # False: the file existed and was left alone


def _write(builder: ProcessBuilder, path: Path, force: bool) -> Written:
    if path.exists() and not force:
        return Written(path, False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(add_diagram(builder.to_xml()))
    return Written(path, True)


def _done(folder: str, written: list[Written]) -> list[Written]:
    created = sum(1 for entry in written if entry.created)
    log.info("scaffold_done", folder=folder, files=len(written), created=created)
    return written


def scaffold_common(bpmn_dir: Path, force: bool = False) -> list[Written]:
    return _done(
        "common",
        [
            _write(make(), bpmn_dir / "common" / f"{pid}.bpmn", force)
            for pid, make in COMMON.items()
        ],
    )


def scaffold_items(items: Iterable[Item], bpmn_dir: Path, force: bool = False) -> list[Written]:
    return _done(
        "items",
        [
            _write(item_process(item), bpmn_dir / "items" / f"{item.process_id}.bpmn", force)
            for item in items
        ],
    )
