"""Live workflows kept between requests, so a change to a case that was just read or
changed skips deserializing its snapshot."""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.definitions.registry import DefinitionRegistry
from engine.records import CaseRecord
from engine.runtime.case import LiveCase
from engine.runtime.snapshot import unpack


class LiveCache:
    """Live workflows keyed by case id and version: a hit skips deserialization.

    An entry is taken out while in use and put back only after a successful commit,
    so a failed or racing change never leaves a half-applied workflow behind."""

    def __init__(self, registry: DefinitionRegistry, size: int) -> None:
        self._registry = registry
        self._items: OrderedDict[int, tuple[int, LiveCase]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, version: int) -> LiveCase | None:
        with self._lock:
            entry = self._items.pop(case_id, None)
        return entry[1] if entry and entry[0] == version else None

    def put(self, case_id: int, version: int, live: LiveCase) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[case_id] = (version, live)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every workflow (the next change of each case reads its snapshot)."""
        with self._lock:
            self._items.clear()

    def load(self, record: CaseRecord) -> LiveCase:
        """The case's workflow as of ``record``: the cached one if it is of that version,
        else restored from the record's snapshot on its pinned definition."""
        live = self.take(record.id, record.version)
        if live is None:
            compiled = self._registry.compiled(record.definition_hash)
            live = LiveCase.from_state(unpack(record.snapshot), compiled)
        return live
