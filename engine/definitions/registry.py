"""Deployed definition versions: immutable, content-addressed, parsed once per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.clock import Clock
from engine.definitions.compiler import (
    CompiledProcess,
    SourceFile,
    compile_process,
    lint,
    process_closure,
    version_hash,
)
from engine.definitions.lint import ProcessOutline
from engine.errors import DefinitionError, NotFound
from engine.records import ProcessVersionRecord, StoredFile
from engine.store import Store


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    hash: str
    created: bool


class DefinitionRegistry:
    def __init__(self, store: Store, clock: Clock, cache_size: int = 256) -> None:
        self.store = store
        self.clock = clock
        self._cache: OrderedDict[str, CompiledProcess] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def deploy(self, sources: Iterable[SourceFile], actor: str = "system") -> list[DeployResult]:
        """Lint all files together; if clean, store a new version of every changed process."""
        files = list(sources)
        with self.store.unit_of_work() as uow:
            result = lint(files)
            if not result.ok:
                raise DefinitionError(result.problems)
            by_path = {f.path: f for f in files}
            now = self.clock.now()
            deployed = []
            for pid in sorted(result.outlines):
                outline = result.outlines[pid]
                if not outline.executable:
                    continue
                needed = _needed_files(pid, result.outlines, by_path)
                digest = version_hash(pid, (f.content_hash for f in needed))
                latest = uow.latest_version(pid)
                if latest is not None and latest.hash == digest:
                    deployed.append(DeployResult(pid, latest.version, digest, False))
                    continue
                for f in needed:
                    uow.add_file(StoredFile(f.content_hash, f.path, f.data), now)
                number = latest.version + 1 if latest else 1
                files_used = tuple(sorted((f.path, f.content_hash) for f in needed))
                uow.add_version(
                    ProcessVersionRecord(pid, number, digest, outline.name, files_used, now, actor)
                )
                deployed.append(DeployResult(pid, number, digest, True))
            uow.commit()
        return deployed

    def compiled(self, version_hash_: str) -> CompiledProcess:
        """The parsed process of a pinned version (cached)."""
        with self._lock:
            if version_hash_ in self._cache:
                self._cache.move_to_end(version_hash_)
                return self._cache[version_hash_]
        with self.store.unit_of_work(write=False) as uow:
            record = uow.version_by_hash(version_hash_)
            if record is None:
                raise NotFound("流程版本不存在", hash=version_hash_)
            sources = []
            for path, digest in record.files:
                stored = uow.file(digest)
                if stored is None:
                    raise NotFound("流程文件缺失", hash=digest)
                sources.append(SourceFile(path, stored.xml))
        compiled = compile_process(record.process_id, sources)
        with self._lock:
            self._cache[version_hash_] = compiled
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled

    def latest(self, process_id: str) -> ProcessVersionRecord:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.latest_version(process_id)
        if record is None:
            raise NotFound(f"流程“{process_id}”尚未部署", process_id=process_id)
        return record


def _needed_files(
    pid: str, outlines: Mapping[str, ProcessOutline], by_path: Mapping[str, SourceFile]
) -> list[SourceFile]:
    """Source files of the process and of every process it calls."""
    paths = {outlines[callee].path for callee in process_closure(pid, outlines)}
    return [by_path[path] for path in sorted(paths)]
