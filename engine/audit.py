"""Replay and verification of case histories.

Replay rebuilds a case from its pinned definition and its events alone; verification
checks the hash chain, replays every event and compares each recorded state digest,
then compares the final state with the stored snapshot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.definitions.registry import DefinitionRegistry
from engine.errors import EngineError, NotFound
from engine.field_labels import DefinitionNames, HistoryLabels, definition_names, history_labels
from engine.files import FileStore, sha256
from engine.history import GENESIS, encode_payload, event_hash
from engine.logs import get_logger
from engine.records import CaseRecord, EventRecord, ProcessVersionRecord, TaskRecord
from engine.runtime.case import (
    STATE_CHANGING,
    EventInput,
    LiveCase,
    ReadyTask,
    apply_event,
    start_case,
)
from engine.runtime.snapshot import state_digest, unpack
from engine.store import Store

log = get_logger(__name__)


EventCheck = Callable[[EventRecord], str | None]


@dataclass(frozen=True)
class ReplayedState:
    case_id: int
    seq: int
    status: str
    digest: str
    data: dict[str, Any]
    tasks: list[ReadyTask]
    state: dict[str, Any]
    at: datetime | None = None  # time of event ``seq``
    claims: dict[str, str] = field(default_factory=dict)  # open task id -> holder
    elements: dict[str, dict[str, str]] = field(default_factory=dict)  # see element_states


@dataclass(frozen=True)
class DiagramView:
    state: ReplayedState
    case: CaseRecord
    version: ProcessVersionRecord
    moment: datetime  # the time the view is of
    overdue: dict[str, list[str]]  # process id -> element ids past their step's due time
    due_on: str | None  # the case's due date then (ISO date), if set


@dataclass(frozen=True)
class HistoryEntry:
    """One event as an auditor reads it, with the tasks it concerns."""

    event: EventRecord
    task: TaskRecord | None  # the task the event acted on (completed, claimed, ...)
    opened: list[TaskRecord]  # tasks that became ready with this event
    closed: list[TaskRecord]  # tasks that stopped being ready with it (done, timed out ...)


def build_entries(events: list[EventRecord], tasks: list[TaskRecord]) -> list[HistoryEntry]:
    """Each event with the task it acted on and the tasks it opened and closed."""
    by_id = {t.id: t for t in tasks}
    opened: dict[int, list[TaskRecord]] = {}
    closed: dict[int, list[TaskRecord]] = {}
    for task in tasks:
        opened.setdefault(task.created_seq, []).append(task)
        if task.closed_seq is not None:
            closed.setdefault(task.closed_seq, []).append(task)
    entries = []
    for event in events:
        task_id = event.payload.get("task_id")
        entries.append(
            HistoryEntry(
                event,
                by_id.get(task_id) if isinstance(task_id, str) else None,
                opened.get(event.seq, []),
                closed.get(event.seq, []),
            )
        )
    return entries


@dataclass(frozen=True)
class Disagreement:
    seq: int | None
    message: str


@dataclass
class VerifyReport:
    case_id: int
    events: int = 0
    problems: list[Disagreement] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"办件 {self.case_id}：{self.events} 个事件，校验通过"
        first = self.problems[0]
        where = f"第 {first.seq} 号事件" if first.seq is not None else "快照"
        return f"办件 {self.case_id}：{where}不一致：{first.message}"


def _digest(live: LiveCase, recorded: str | None) -> str:
    """The digest of the replayed state, from the cached fragments (``LiveCase.digest``);
    a disagreement with the recorded digest is checked against the full serialisation
    before it is reported (and logged when the two computations differ)."""
    digest = live.digest()
    if digest != recorded:
        full = state_digest(live.state())
        if full != digest:
            log.error("state_digest_cache_differs", cached=digest, full=full)
        return full
    return digest


class Auditor:
    NAMES_CACHED = 256  # process versions whose form titles are kept

    def __init__(
        self, store: Store, registry: DefinitionRegistry, files: FileStore | None = None
    ) -> None:
        self.store = store
        self.registry = registry
        self.files = files
        # What ``verify`` checks beyond the chain and the replay: each check reads one
        # event and answers the problem it finds (None: none), e.g. that the file an
        # event recorded is in the store with the recorded SHA-256.
        self.event_checks: list[EventCheck] = [self._check_files]
        self._names: OrderedDict[str, DefinitionNames] = OrderedDict()
        self._names_lock = threading.Lock()

    def _history(self, case_id: int) -> tuple[CaseRecord, list[tuple[EventRecord, str]]]:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
            return record, list(uow.events.of_case(case_id))

    def history(self, case_id: int) -> tuple[CaseRecord, list[HistoryEntry]]:
        """The case's events in order, each with the tasks it acted on, opened and closed."""
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
            events = [event for event, _ in uow.events.of_case(case_id)]
            tasks = uow.tasks.of_case(case_id)
        return record, build_entries(events, tasks)

    def labels(self, record: CaseRecord, entries: list[HistoryEntry]) -> HistoryLabels:
        """The Chinese titles of the field paths in the case's history, and the option
        titles of its enum fields (``engine.field_labels``)."""
        return history_labels(self.definition_names(record.definition_hash), entries)

    def definition_names(self, definition_hash: str) -> DefinitionNames:
        """The titles of a process version's task forms, read once per version (cached:
        a pinned version never changes). A version that cannot be read names no answers:
        the history still shows them, by field name."""
        with self._names_lock:
            cached = self._names.get(definition_hash)
            if cached is not None:
                self._names.move_to_end(definition_hash)
                return cached
        try:
            names = definition_names(self.registry.compiled(definition_hash))
        except EngineError as error:
            log.warning("form_titles_unreadable", hash=definition_hash, error=error.message)
            return definition_names(None)
        with self._names_lock:
            self._names[definition_hash] = names
            while len(self._names) > self.NAMES_CACHED:
                self._names.popitem(last=False)
        return names

    def replay(self, case_id: int, at: int | None = None) -> ReplayedState:
        """The case as it stood after event ``at`` (default: the last), from events alone."""
        record, events = self._history(case_id)
        if at is not None and not 1 <= at <= len(events):
            raise NotFound(f"没有第 {at} 号事件", case_id=case_id, seq=at)
        live: LiveCase | None = None
        last, last_at = 0, None
        for current, event in self._apply_all(record, events):
            live, last, last_at = current, event.seq, event.at
            if at is not None and event.seq == at:
                break
        if live is None:
            raise NotFound("办件没有事件", case_id=case_id)
        state = live.state()
        return ReplayedState(
            case_id,
            last,
            live.status,
            state_digest(state),
            live.data(),
            live.ready_tasks(),
            state,
            at=last_at,
            claims=dict(live.claims),
            elements=live.element_states(),
        )

    def diagram(self, case_id: int, now: datetime, at: int | None = None) -> DiagramView:
        """Which BPMN elements the case has completed, has active and has overdue, after
        event ``at`` (default: now). An active task is overdue when its step's due time
        (the task index) had passed at that moment."""
        replayed = self.replay(case_id, at)
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
            version = uow.definitions.version_by_hash(record.definition_hash)
            tasks = {t.id: t for t in uow.tasks.of_case(case_id)}
        if version is None:
            raise NotFound("流程版本不存在", hash=record.definition_hash)
        moment = now if at is None or replayed.at is None else replayed.at
        overdue: dict[str, list[str]] = {}
        for ready in replayed.tasks:
            indexed = tasks.get(ready.id)
            if indexed is not None and indexed.due_at is not None and indexed.due_at < moment:
                overdue.setdefault(ready.process_id, []).append(ready.spec_id)
        due = replayed.data.get("due_on")
        return DiagramView(replayed, record, version, moment, overdue, str(due) if due else None)

    def _apply_all(
        self, record: CaseRecord, events: list[tuple[EventRecord, str]]
    ) -> Iterator[tuple[LiveCase, EventRecord]]:
        live: LiveCase | None = None
        for event, _ in events:
            step = EventInput(event.seq, event.type, event.at, event.payload, event.actor)
            if live is None:
                compiled = self.registry.compiled(record.definition_hash)
                live = start_case(compiled, record.uid, step)
            elif event.type in STATE_CHANGING:
                apply_event(live, record.uid, step)
            yield live, event

    def verify(self, case_id: int) -> VerifyReport:
        """Check the case's hash chain, then replay it and compare every state digest and
        the snapshot; the first disagreement is reported (and logged)."""
        report = self._verify(case_id)
        if not report.ok:
            first = report.problems[0]
            log.warning("case_verify_failed", case=case_id, seq=first.seq, events=report.events)
        return report

    def _verify(self, case_id: int) -> VerifyReport:
        record, events = self._history(case_id)
        report = VerifyReport(case_id, len(events))
        problem = report.problems.append
        self._check_chain(record, events, lambda seq, msg: problem(Disagreement(seq, msg)))
        if report.problems:
            return report
        live = None
        try:
            for live, event in self._apply_all(record, events):
                if _digest(live, event.state_digest) != event.state_digest:
                    problem(Disagreement(event.seq, "重放得到的状态与记录的状态摘要不符"))
                    return report
        except EngineError as error:
            seq = event.seq + 1 if live is not None else 1
            problem(Disagreement(seq, f"重放失败：{error.message}"))
            return report
        snapshot = state_digest(unpack(record.snapshot)) if live is not None else None
        if live is not None and _digest(live, snapshot) != snapshot:
            problem(Disagreement(None, "办件快照与重放结果不符"))
            return report
        for event, _ in events:
            for check in self.event_checks:
                message = check(event)
                if message is not None:
                    problem(Disagreement(event.seq, message))
                    return report
        return report

    def _check_files(self, event: EventRecord) -> str | None:
        """Every file an event recorded (``files``: a list of {"sha256", "name"?}) is in
        the store, and its bytes hash to the recorded digest."""
        recorded = event.payload.get("files")
        if not isinstance(recorded, list) or self.files is None:
            return None
        for entry in recorded:
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if not isinstance(digest, str):
                continue
            name = entry.get("name") or digest[:12]
            try:
                data = self.files.get(digest)
            except NotFound:
                return f"文件“{name}”不在存储中（SHA-256 {digest}）"
            if sha256(data) != digest:
                return f"文件“{name}”的内容被改动（与记录的 SHA-256 不符）"
        return None

    @staticmethod
    def _check_chain(
        record: CaseRecord,
        events: list[tuple[EventRecord, str]],
        problem: Callable[[int, str], None],
    ) -> None:
        prev = GENESIS
        for index, (event, payload_json) in enumerate(events, start=1):
            if event.seq != index:
                problem(index, f"事件序号不连续：应为 {index}，实为 {event.seq}")
                return
            if event.prev_hash != prev:
                problem(event.seq, "前一事件哈希不符（事件被删除、插入或调换）")
                return
            if encode_payload(event.payload) != payload_json:
                problem(event.seq, "事件内容不是规范编码")
                return
            expected = event_hash(event, record.uid, payload_json)
            if expected != event.hash:
                problem(event.seq, "事件哈希不符（事件内容被改动）")
                return
            prev = event.hash
        if events and (record.last_hash != prev or record.last_seq != len(events)):
            problem(len(events), "办件记录的最后事件与事件链不符")

    def count_cases(self) -> int:
        """How many cases there are (what ``verify --all`` has ahead of it)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.count()

    def case_id_batches(self, after: int = 0, batch: int = 500) -> Iterator[list[int]]:
        """The ids of every case with id > ``after``, ascending, ``batch`` at a time."""
        while True:
            with self.store.unit_of_work(write=False) as uow:
                ids = uow.cases.ids(after, batch)
            if not ids:
                return
            yield ids
            after = ids[-1]

    def verify_all(
        self,
        after: int = 0,
        batch: int = 500,
        progress: Callable[[int, VerifyReport], None] | None = None,
    ) -> Iterator[VerifyReport]:
        """Verify every case with id > ``after``, in id order (restartable from any id)."""
        for ids in self.case_id_batches(after, batch):
            for case_id in ids:
                report = self.verify(case_id)
                if progress is not None:
                    progress(case_id, report)
                yield report
