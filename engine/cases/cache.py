"""Live workflows kept between requests, so a change to a case that was just read or
changed skips deserializing its snapshot — and, after a change made here, reading its
case row and its open tasks (``Cached``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from engine.definitions.registry import DefinitionRegistry
from engine.records import CaseRecord, OpenTasks
from engine.runtime.case import LiveCase
from engine.runtime.snapshot import unpack


@dataclass(frozen=True)
class Cached:
    """A case as this process last read or wrote it: its row, its workflow, and its open
    tasks in the index if it wrote them (None: read them). Only a guess at the case as it
    is now: another process may have changed it since. A change made from it is checked
    by the version its row update is guarded by (every write to a case row or its tasks
    raises the version), and made again from a fresh read if the guess was wrong."""

    record: CaseRecord
    live: LiveCase
    tasks: OpenTasks | None = None


class LiveCache:
    """Live workflows keyed by case id and version: a hit skips deserialization.

    An entry is taken out while in use and put back only after a successful commit,
    so a failed or racing change never leaves a half-applied workflow behind."""

    def __init__(self, registry: DefinitionRegistry, size: int) -> None:
        self._registry = registry
        self._items: OrderedDict[int, Cached] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, version: int) -> Cached | None:
        """The case as kept here if it is of ``version``, taken out (another version is
        dropped: it is of no use to a change of this one)."""
        entry = self.take_any(case_id)
        return entry if entry is not None and entry.record.version == version else None

    def take_any(self, case_id: int) -> Cached | None:
        """The case as last kept here, whatever its version, taken out."""
        with self._lock:
            return self._items.pop(case_id, None)

    def put(self, record: CaseRecord, live: LiveCase, tasks: OpenTasks | None = None) -> None:
        """Keep the case as of ``record`` (``tasks``: its open tasks as written with it)."""
        if self._size <= 0:
            return
        with self._lock:
            self._items[record.id] = Cached(record, live, tasks)
            self._items.move_to_end(record.id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every workflow (the next change of each case reads its snapshot)."""
        with self._lock:
            self._items.clear()

    def load(self, record: CaseRecord) -> LiveCase:
        """The case's workflow as of ``record``: the cached one if it is of that version,
        else restored from the record's snapshot on its pinned definition."""
        kept = self.take(record.id, record.version)
        return kept.live if kept is not None else self.restore(record)

    def restore(self, record: CaseRecord) -> LiveCase:
        """The case's workflow restored from the record's snapshot on its pinned
        definition (nothing kept is looked at)."""
        compiled = self._registry.compiled(record.definition_hash)
        return LiveCase.from_state(unpack(record.snapshot), compiled)
