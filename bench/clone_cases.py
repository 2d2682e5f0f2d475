"""Many cases fast, for benchmarks: copies of a few real cases, made through the store.

    from bench.clone_cases import clone_cases
    new_ids = clone_cases(engine, template_ids, 100_000)

Each copy is a case of its own: a new uid and case number, its events re-sealed into a
new hash chain (``engine.history.seal``: the case uid is part of every hash), new task
ids in its events and its task index. Times, actors, data and the case's routing are the
template's.

Task ids are derived from the case uid and the event (``engine.runtime.ids``), and so is
every state digest. A plain copy (the default) keeps the template's state digests and
snapshot: its hash chain verifies, its replay does not, which is enough for read
benchmarks (exports, figures). ``exact=True`` replays each copy's events under its new
uid instead (as ``daiban verify`` would), maps the template's task ids to the ones the
replay creates, and records the digests and the snapshot the replay gives: such a copy
passes ``Auditor.verify`` entirely, at about the cost of verifying it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text

from engine import Engine
from engine.history import GENESIS, seal
from engine.records import Actor, CaseRecord, EventRecord, TaskRecord
from engine.runtime.case import STATE_CHANGING, EventInput, LiveCase, apply_event, start_case
from engine.runtime.snapshot import pack, state_digest
from engine.store.tables import CaseRow, ReadyTaskRow

_CASES = cast(Table, CaseRow.__table__)
_TASKS = cast(Table, ReadyTaskRow.__table__)
_NAMESPACE = uuid.UUID("0f4d2c4e-3b7a-5d2e-9a61-636c6f6e6573")


@dataclass(frozen=True)
class Template:
    record: CaseRecord
    events: list[EventRecord]
    tasks: list[TaskRecord]


@dataclass(frozen=True)
class _Copy:
    record: CaseRecord
    events: list[EventRecord]
    payloads: list[str]
    tasks: list[TaskRecord]


def load_templates(engine: Engine, case_ids: Sequence[int]) -> list[Template]:
    with engine.store.unit_of_work(write=False) as uow:
        return [
            Template(uow.cases.get(i), [e for e, _ in uow.events.of_case(i)], uow.tasks.of_case(i))
            for i in case_ids
        ]


def clone_cases(
    engine: Engine,
    template_ids: Sequence[int],
    count: int,
    *,
    exact: bool = False,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert ``count`` copies of the template cases (taken in turn); returns their ids."""
    templates = load_templates(engine, template_ids)
    store = engine.store
    with store.unit_of_work(write=False) as uow:
        top = int(uow.session.scalar(select(func.max(_CASES.c.id))) or 0)
    made: list[int] = []
    while len(made) < count:
        copies: list[_Copy] = []
        for _ in range(min(batch, count - len(made))):
            number = len(made) + len(copies)
            template = templates[number % len(templates)]
            copy = _copy(engine, template, top + number + 1, number, exact)
            copies.append(copy)
        with store.unit_of_work() as uow:
            connection = uow.session.connection()
            connection.execute(insert(_CASES), [vars(c.record) for c in copies])
            uow.events.append(
                [e for c in copies for e in c.events], [p for c in copies for p in c.payloads]
            )
            rows = [_task_row(t) for c in copies for t in c.tasks]
            if rows:
                connection.execute(insert(_TASKS), rows)
            uow.commit()
        made += [c.record.id for c in copies]
        if progress is not None:
            progress(len(made))
    if store.dialect == "postgresql":  # ids were given: move the sequence past them
        with store.unit_of_work() as uow:
            uow.session.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), max(id)) FROM cases")
            )
            uow.session.execute(text("ANALYZE"))
            uow.commit()
    return made


def _copy(engine: Engine, template: Template, case_id: int, number: int, exact: bool) -> _Copy:
    record = template.record
    uid = uuid.uuid5(_NAMESPACE, f"{record.uid}/{number}").hex
    ids: dict[str, str] = {}
    if exact:
        events, snapshot = _replayed(engine, template, uid, ids)
    else:
        ids.update({t.id: str(uuid.uuid5(_NAMESPACE, f"{uid}/{t.id}")) for t in template.tasks})
        events = [replace(e, payload=_remapped(e.payload, ids)) for e in template.events]
        snapshot = record.snapshot
    sealed, payloads, prev = [], [], GENESIS
    for event in events:
        done, payload = seal(
            case_uid=uid,
            case_id=case_id,
            seq=event.seq,
            type=event.type,
            at=event.at,
            payload=event.payload,
            actor=Actor(event.actor, event.actor_role, event.on_behalf_of, event.actor_unit),
            prev_hash=prev,
            state_digest=event.state_digest,
        )
        sealed.append(done)
        payloads.append(payload)
        prev = done.hash
    tasks = [
        replace(
            t, id=ids.get(t.id) or str(uuid.uuid5(_NAMESPACE, f"{uid}/{t.id}")), case_id=case_id
        )
        for t in template.tasks
    ]
    case_number = f"{record.case_number}{number:06d}" if record.case_number else None
    copied = replace(
        record,
        id=case_id,
        uid=uid,
        case_number=case_number,
        idempotency_key=None,
        last_hash=prev,
        snapshot=snapshot,
    )
    return _Copy(copied, sealed, payloads, tasks)


def _replayed(
    engine: Engine, template: Template, uid: str, ids: dict[str, str]
) -> tuple[list[EventRecord], bytes]:
    """The template's events replayed under ``uid``, with the digests of that replay; fills
    ``ids`` (template task id -> the copy's) as the tasks appear."""
    compiled = engine.definitions.compiled(template.record.definition_hash)
    created: dict[int, list[TaskRecord]] = {}
    for task in template.tasks:
        created.setdefault(task.created_seq, []).append(task)
    live: LiveCase | None = None
    seen: set[str] = set()
    events = []
    for event in template.events:
        payload = _remapped(event.payload, ids)
        step = EventInput(event.seq, event.type, event.at, payload, event.actor)
        if live is None:
            live = start_case(compiled, uid, step)
        elif event.type in STATE_CHANGING:
            apply_event(live, uid, step)
        new = [t for t in live.ready_tasks() if t.id not in seen]
        seen.update(t.id for t in new)
        waiting = list(created.get(event.seq, []))
        for ready in new:  # pair the new tasks with the template's, by element
            match = next(
                (
                    o
                    for o in waiting
                    if (o.process_id, o.spec_id) == (ready.process_id, ready.spec_id)
                ),
                None,
            )
            if match is not None:
                waiting.remove(match)
                ids[match.id] = ready.id
        events.append(replace(event, payload=payload, state_digest=state_digest(live.state())))
    assert live is not None, "a case without events"
    return events, pack(live.state())


def _remapped(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every ``task_id`` replaced by the copy's."""
    if isinstance(value, dict):
        return {
            k: ids.get(v, v) if k == "task_id" and isinstance(v, str) else _remapped(v, ids)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_remapped(v, ids) for v in value]
    return value


def _task_row(task: TaskRecord) -> dict[str, Any]:
    row = vars(task).copy()
    del row["extra"]
    return row
