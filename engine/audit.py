"""Replay and verification of case histories.

Replay rebuilds a case from its pinned definition and its events alone; verification
checks the hash chain, replays every event and compares each recorded state digest,
then compares the final state with the stored snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.registry import DefinitionRegistry
from engine.errors import EngineError, NotFound
from engine.history import GENESIS, encode_payload, event_hash
from engine.records import CaseRecord, EventRecord
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


@dataclass(frozen=True)
class ReplayedState:
    case_id: int
    seq: int
    status: str
    digest: str
    data: dict[str, Any]
    tasks: list[ReadyTask]
    state: dict[str, Any]


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


class Auditor:
    def __init__(self, store: Store, registry: DefinitionRegistry) -> None:
        self.store = store
        self.registry = registry

    def _history(self, case_id: int) -> tuple[CaseRecord, list[tuple[EventRecord, str]]]:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.case(case_id)
            return record, list(uow.events(case_id))

    def replay(self, case_id: int, at: int | None = None) -> ReplayedState:
        """The case as it stood after event ``at`` (default: the last), from events alone."""
        record, events = self._history(case_id)
        if at is not None and not 1 <= at <= len(events):
            raise NotFound(f"没有第 {at} 号事件", case_id=case_id, seq=at)
        live: LiveCase | None = None
        last = 0
        for current, event in self._apply_all(record, events):
            live, last = current, event.seq
            if at is not None and event.seq == at:
                break
        if live is None:
            raise NotFound("办件没有事件", case_id=case_id)
        state = live.state()
        return ReplayedState(
            case_id, last, live.status, state_digest(state), live.data(), live.ready_tasks(), state
        )

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
        record, events = self._history(case_id)
        report = VerifyReport(case_id, len(events))
        problem = report.problems.append
        self._check_chain(record, events, lambda seq, msg: problem(Disagreement(seq, msg)))
        if report.problems:
            return report
        live = None
        try:
            for live, event in self._apply_all(record, events):
                digest = state_digest(live.state())
                if digest != event.state_digest:
                    problem(Disagreement(event.seq, "重放得到的状态与记录的状态摘要不符"))
                    return report
        except EngineError as error:
            seq = event.seq + 1 if live is not None else 1
            problem(Disagreement(seq, f"重放失败：{error.message}"))
            return report
        if live is not None and state_digest(unpack(record.snapshot)) != state_digest(live.state()):
            problem(Disagreement(None, "办件快照与重放结果不符"))
        return report

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

    def verify_all(
        self,
        after: int = 0,
        batch: int = 500,
        progress: Callable[[int, VerifyReport], None] | None = None,
    ) -> Iterator[VerifyReport]:
        """Verify every case with id > ``after``, in id order (restartable from any id)."""
        while True:
            with self.store.unit_of_work(write=False) as uow:
                ids = uow.case_ids(after, batch)
            if not ids:
                return
            for case_id in ids:
                report = self.verify(case_id)
                if progress is not None:
                    progress(case_id, report)
                yield report
            after = ids[-1]
