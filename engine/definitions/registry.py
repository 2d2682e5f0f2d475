"""Deployed definition versions: immutable, content-addressed, parsed once per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from engine.clock import Clock
from engine.definitions.compiler import (
    CompiledProcess,
    LintResult,
    SourceFile,
    compile_process,
    defines_process,
    lint,
    process_closure,
    version_hash,
)
from engine.definitions.lint import ProcessOutline
from engine.errors import DefinitionError, NotFound, Problem
from engine.logs import get_logger
from engine.records import ProcessVersionRecord, StoredFile
from engine.runtime.bounds import EngineBounds
from engine.store import Store, UnitOfWork
from engine.store.rows import MAX_ID

log = get_logger(__name__)

ExtraChecks = Callable[[Mapping[str, ProcessOutline]], list[Problem]]


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    hash: str
    created: bool


class DefinitionRegistry:
    """Deploys versions and hands out their compiled processes.

    ``bounds`` are checked at deployment (the loop cap) and travel with every compiled
    process (the step budget), so case changes and replay apply the same ones."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        cache_size: int = 256,
        bounds: EngineBounds | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.bounds = bounds or EngineBounds()
        self._cache: OrderedDict[str, CompiledProcess] = OrderedDict()
        self._cache_size = cache_size
        # The newest version of each process as last read; a case starts on it after the
        # start's own transaction has confirmed it (``is_newest``), so a version deployed
        # by another process is never missed and reading it costs no transaction of its own.
        self._newest: dict[str, ProcessVersionRecord] = {}
        self._lock = threading.Lock()

    def deploy(
        self,
        sources: Iterable[SourceFile],
        actor: str = "system",
        *,
        dry_run: bool = False,
        use_deployed: bool = False,
        checks: ExtraChecks | None = None,
    ) -> list[DeployResult]:
        """Lint all files together; if clean, store a new version of every changed process.

        ``use_deployed``: processes the files call but do not define are taken from their
        latest deployed versions (a designer uploads only the file they changed).
        ``checks``: more problems to look for in the outlines (the catalogue's, say).
        ``dry_run``: validate and report what would be deployed, store nothing.
        Raises ``DefinitionError`` listing every problem. Linting runs outside the write
        transaction, so a large deploy does not hold up the cases being worked on.
        """
        files = list(sources)
        uploaded = {f.path for f in files}
        result = self._lint_with_deployed(files) if use_deployed else self._lint(files)
        problems = list(result.problems)
        if result.ok and checks is not None:
            problems.extend(checks(result.outlines))
        if problems:
            log.info("deploy_refused", actor=actor, files=len(files), problems=len(problems))
            raise DefinitionError(sorted(problems, key=lambda p: (p.path, p.line or 0)))
        by_path = {f.path: f for f in files}
        deployed = []
        with self.store.unit_of_work() as uow:
            now = self.clock.now()
            for pid in sorted(result.outlines):
                outline = result.outlines[pid]
                if not outline.executable or outline.path not in uploaded:
                    continue
                needed = _needed_files(pid, result.outlines, by_path)
                digest = version_hash(pid, (f.content_hash for f in needed))
                latest = uow.definitions.latest_version(pid)
                if latest is not None and latest.hash == digest:
                    deployed.append(DeployResult(pid, latest.version, digest, False))
                    continue
                for f in needed:
                    uow.definitions.add_file(StoredFile(f.content_hash, f.path, f.data), now)
                number = latest.version + 1 if latest else 1
                files_used = tuple(sorted((f.path, f.content_hash) for f in needed))
                uow.definitions.add_version(
                    ProcessVersionRecord(pid, number, digest, outline.name, files_used, now, actor)
                )
                deployed.append(DeployResult(pid, number, digest, True))
            if not dry_run:
                uow.commit()
                for done in deployed:
                    self._newest.pop(done.process_id, None)
        for done in deployed:
            if done.created and not dry_run:
                log.info(
                    "process_deployed", process=done.process_id, version=done.version, actor=actor
                )
        log.info(
            "deploy_done",
            actor=actor,
            processes=len(deployed),
            new=sum(1 for d in deployed if d.created),
            dry_run=dry_run,
        )
        return deployed

    def _lint_with_deployed(self, files: list[SourceFile]) -> LintResult:
        """Lint ``files`` plus, for every process they call but do not define, the files
        of that process's latest deployed version (``files`` grows in place)."""
        paths = {f.path for f in files}
        while True:
            result = self._lint(files)
            missing = sorted(
                callee
                for outline in result.outlines.values()
                for callee in outline.calls
                if callee not in result.outlines
            )
            added = False
            with self.store.unit_of_work(write=False) as uow:
                for callee in missing:
                    record = uow.definitions.latest_version(callee)
                    for path, digest in record.files if record else ():
                        stored = uow.definitions.file(digest)
                        if stored is not None and path not in paths:
                            files.append(SourceFile(path, stored.xml))
                            paths.add(path)
                            added = True
            if not added:
                return result

    def _lint(self, files: list[SourceFile]) -> LintResult:
        return lint(files, loop_maximum=self.bounds.loop_maximum)

    def versions(self, process_id: str | None = None) -> list[ProcessVersionRecord]:
        """Deployed versions (of one process, or of all), by process id then version."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.definitions.versions()
        return [v for v in found if process_id in (None, v.process_id)]

    def version(self, process_id: str, version: int) -> ProcessVersionRecord:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.definitions.version(process_id, version) if 0 < version <= MAX_ID else None
        if record is None:
            raise NotFound(
                f"流程“{process_id}”没有第 {version} 版", process_id=process_id, version=version
            )
        return record

    def source(self, record: ProcessVersionRecord) -> SourceFile:
        """The BPMN file of a version that defines the process itself."""
        with self.store.unit_of_work(write=False) as uow:
            stored = [uow.definitions.file(digest) for _, digest in record.files]
        for found in stored:
            if found is not None and defines_process(found.xml, record.process_id):
                return SourceFile(found.path, found.xml)
        raise NotFound("流程文件缺失", process_id=record.process_id, version=record.version)

    def compiled(self, version_hash_: str) -> CompiledProcess:
        """The parsed process of a pinned version (cached)."""
        with self._lock:
            if version_hash_ in self._cache:
                self._cache.move_to_end(version_hash_)
                return self._cache[version_hash_]
        with self.store.unit_of_work(write=False) as uow:
            record = uow.definitions.version_by_hash(version_hash_)
            if record is None:
                raise NotFound("流程版本不存在", hash=version_hash_)
            sources = []
            for path, digest in record.files:
                stored = uow.definitions.file(digest)
                if stored is None:
                    raise NotFound("流程文件缺失", hash=digest)
                sources.append(SourceFile(path, stored.xml))
        compiled = compile_process(record.process_id, sources, self.bounds)
        with self._lock:
            self._cache[version_hash_] = compiled
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled

    def latest(self, process_id: str) -> ProcessVersionRecord:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.definitions.latest_version(process_id)
        if record is None:
            raise NotFound(f"流程“{process_id}”尚未部署", process_id=process_id)
        self._newest[process_id] = record
        return record

    def newest(self, process_id: str) -> ProcessVersionRecord:
        """The newest version of ``process_id`` as last read (``latest`` if never read):
        the caller confirms it in its own transaction with ``is_newest``."""
        found = self._newest.get(process_id)
        return found if found is not None else self.latest(process_id)

    def is_newest(self, uow: UnitOfWork, version: ProcessVersionRecord) -> bool:
        """Whether ``version`` is still the newest of its process in the transaction of
        ``uow``; if not, it is forgotten, and the next ``newest`` reads the database."""
        if uow.definitions.newest_hash(version.process_id) == version.hash:
            return True
        self._newest.pop(version.process_id, None)
        return False


def _needed_files(
    pid: str, outlines: Mapping[str, ProcessOutline], by_path: Mapping[str, SourceFile]
) -> list[SourceFile]:
    """Source files of the process and of every process it calls."""
    paths = {outlines[callee].path for callee in process_closure(pid, outlines)}
    return [by_path[path] for path in sorted(paths)]
