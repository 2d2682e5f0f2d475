"""History invariants: one transaction per change, optimistic concurrency, append-only
hash chain, deterministic replay."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from engine import Actor, CaseView, ConflictError, Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from engine.errors import EngineError
from engine.store.testing import drop_append_only_guard, run_sql
from tests.support.driving import INTAKE, complete, start_sample, task_of
from tests.support.paths import ROOT, SAMPLE


def _walk(engine: Engine, clock: ManualClock) -> tuple[CaseView, list[tuple[int, str, list[str]]]]:
    """A multi-step case; returns it and (seq, digest, ready task ids) captured live."""
    live: list[tuple[int, str, list[str]]] = []

    def capture(view: CaseView) -> CaseView:
        live.append((view.last_seq, _stored_digest(engine, view), sorted(t.id for t in view.tasks)))
        return view

    view = capture(start_sample(engine))
    view = capture(complete(engine, view, "Task_intake", INTAKE))
    clock.set(datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI))
    engine.cases.tick()
    view = capture(engine.cases.get(view.id))
    view = capture(complete(engine, view, "Task_handover", {"handover_count": 3}))
    view = capture(complete(engine, view, "Task_escalate_handover", {"escalation_note": "已督办"}))
    clock.advance(timedelta(days=7))
    view = capture(complete(engine, view, "Task_township_review", {"decision": "approve"}))
    view = capture(
        complete(
            engine,
            view,
            "Task_handover_to_county",
            {"county_department": "县残联", "handover_items": 2},
        )
    )
    refusal = {"approved": False, "opinion": "不符合条件"}
    view = capture(engine.cases.deliver_message(view.id, "county_decision", refusal))
    assert view.status == "completed"
    return view, live


def _stored_digest(engine: Engine, view: CaseView) -> str:
    with engine.store.unit_of_work(write=False) as uow:
        events = list(uow.events.of_case(view.id))
    digest = events[-1][0].state_digest
    assert digest is not None
    return digest


def test_replay_at_every_sequence_equals_the_live_state(sample: Engine, clock: ManualClock) -> None:
    view, live = _walk(sample, clock)
    assert [seq for seq, _, _ in live] == list(range(1, view.last_seq + 1))
    for seq, digest, task_ids in live:
        state = sample.audit.replay(view.id, at=seq)
        assert state.seq == seq
        assert state.digest == digest
        assert sorted(t.id for t in state.tasks) == task_ids
    report = sample.audit.verify(view.id)
    assert report.ok, str(report)
    assert report.events == view.last_seq


def test_without_the_live_cache_every_step_restores_from_the_snapshot(
    database_url: str, clock: ManualClock
) -> None:
    """Restoring a snapshot and going on must give the very state replay gives."""
    engine = Engine(database_url, clock, cache_size=0)
    engine.definitions.deploy(read_sources([SAMPLE]))
    view, live = _walk(engine, clock)
    for seq, digest, _ in live:
        assert engine.audit.replay(view.id, at=seq).digest == digest
    assert engine.audit.verify(view.id).ok
    engine.close()


def test_replay_is_the_same_in_another_process_on_another_day(
    sample: Engine, clock: ManualClock, database_url: str
) -> None:
    view, live = _walk(sample, clock)
    script = (
        "import json, sys\n"
        "from datetime import datetime, timezone\n"
        "from engine import Engine, ManualClock\n"
        "engine = Engine(sys.argv[1], ManualClock(datetime(2031, 5, 5, tzinfo=timezone.utc)), migrate=False)\n"
        "out = [engine.audit.replay(int(sys.argv[2]), at=s).digest for s in range(1, int(sys.argv[3]) + 1)]\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, database_url, str(view.id), str(view.last_seq)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin", "TZ": "America/New_York"},
    )
    assert json.loads(result.stdout) == [digest for _, digest, _ in live]


def test_a_failure_before_commit_leaves_nothing_written(sample: Engine) -> None:
    view = start_sample(sample)

    def crash() -> None:
        raise RuntimeError("power cut")

    sample.cases.before_commit = crash
    with pytest.raises(RuntimeError):
        complete(sample, view, "Task_intake", INTAKE)
    sample.cases.before_commit = None
    after = sample.cases.get(view.id)
    assert (after.version, after.last_seq, after.status) == (1, 1, "open")
    assert [t.spec_id for t in after.tasks] == ["Task_intake"]
    assert [t.spec_id for t in sample.cases.task_index(view.id)] == ["Task_intake"]
    assert run_sql(sample.store, "SELECT count(*) FROM events WHERE case_id = :c", c=view.id) == [
        (1,)
    ]
    # ... and the case goes on normally afterwards, its history intact.
    complete(sample, after, "Task_intake", INTAKE)
    assert sample.audit.verify(view.id).ok


def test_a_failure_between_event_append_and_task_index_leaves_nothing(
    sample: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = start_sample(sample)
    from engine.store.tasks import TaskRepository

    def broken(
        self: TaskRepository, case_id: int, tasks: Any, seq: int = 0, existing: Any = None
    ) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TaskRepository, "replace", broken)
    with pytest.raises(RuntimeError):
        complete(sample, view, "Task_intake", INTAKE)
    monkeypatch.undo()
    assert run_sql(
        sample.store, "SELECT count(*), max(seq) FROM events WHERE case_id = :c", c=view.id
    ) == [(1, 1)]
    assert sample.cases.get(view.id).version == 1
    assert sample.audit.verify(view.id).ok


def test_stale_version_conflicts_and_changes_nothing(sample: Engine) -> None:
    view = start_sample(sample)
    complete(sample, view, "Task_intake", INTAKE)
    with pytest.raises(ConflictError):
        sample.cases.cancel(view.id, "撤回", expected_version=view.version)
    assert sample.cases.get(view.id).version == view.version + 1


def test_two_writers_racing_on_one_case_one_wins(
    sample: Engine, database_url: str, clock: ManualClock
) -> None:
    """Camunda-style: writer A pauses before commit until writer B has read the case."""
    view = start_sample(sample)
    task_id = task_of(view, "Task_intake")
    other = Engine(database_url, clock, migrate=False)
    b_loaded = threading.Event()
    sample.cases.before_commit = lambda: b_loaded.wait(timeout=3)
    other.cases.after_load = b_loaded.set
    outcomes: dict[str, Any] = {}

    def attempt(name: str, engine: Engine) -> None:
        try:
            outcomes[name] = engine.cases.complete_task(
                view.id, task_id, INTAKE, Actor(name), expected_version=view.version
            )
        except EngineError as error:
            outcomes[name] = error

    a = threading.Thread(target=attempt, args=("a", sample))
    b = threading.Thread(target=attempt, args=("b", other))
    a.start()
    b.start()
    a.join(20)
    b.join(20)
    other.close()
    winners = [v for v in outcomes.values() if isinstance(v, CaseView)]
    losers = [v for v in outcomes.values() if isinstance(v, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    assert run_sql(sample.store, "SELECT count(*) FROM events WHERE case_id = :c", c=view.id) == [
        (2,)
    ]
    assert sample.audit.verify(view.id).ok


def test_events_refuse_update_and_delete(sample: Engine) -> None:
    view = start_sample(sample)
    with pytest.raises(Exception, match="append-only"):
        run_sql(sample.store, "UPDATE events SET actor = 'mallory' WHERE case_id = :c", c=view.id)
    with pytest.raises(Exception, match="append-only"):
        run_sql(sample.store, "DELETE FROM events WHERE case_id = :c", c=view.id)


@pytest.fixture
def history(sample: Engine, clock: ManualClock) -> tuple[Engine, CaseView]:
    view, _ = _walk(sample, clock)
    drop_append_only_guard(sample.store)
    return sample, view


def _first_problem(engine: Engine, case_id: int) -> tuple[int | None, str]:
    report = engine.audit.verify(case_id)
    assert not report.ok
    return report.problems[0].seq, report.problems[0].message


def test_tampered_payload_is_reported_with_its_sequence(history: tuple[Engine, CaseView]) -> None:
    engine, view = history
    run_sql(
        engine.store,
        "UPDATE events SET payload = replace(payload, :old, :new) WHERE case_id = :c AND seq = 4",
        old='"handover_count":3',
        new='"handover_count":30',
        c=view.id,
    )
    assert _first_problem(engine, view.id)[0] == 4


def test_tampered_actor_or_time_is_reported(history: tuple[Engine, CaseView]) -> None:
    engine, view = history
    run_sql(
        engine.store,
        "UPDATE events SET actor = 'mallory' WHERE case_id = :c AND seq = 3",
        c=view.id,
    )
    assert _first_problem(engine, view.id)[0] == 3


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("type", "case_cancelled"),
        ("actor", "mallory"),
        ("on_behalf_of", "某人"),
        ("at", datetime(2026, 9, 25, 1, 0, tzinfo=SHANGHAI)),
        ("payload", '{"task_id":"x"}'),
        ("state_digest", "0" * 64),
        ("actor_role", "township_leader"),
        ("actor_unit", "511725202"),
        ("prev_hash", "1" * 64),
        ("hash", "2" * 64),
    ],
)
def test_tampering_with_any_field_is_reported_at_its_sequence(
    history: tuple[Engine, CaseView], column: str, value: Any
) -> None:
    engine, view = history
    run_sql(
        engine.store,
        f"UPDATE events SET {column} = :v WHERE case_id = :c AND seq = 3",
        v=value,
        c=view.id,
    )
    assert _first_problem(engine, view.id)[0] == 3


def test_rehashed_event_is_caught_by_the_chain(history: tuple[Engine, CaseView]) -> None:
    """Rewriting an event and its own hash breaks the next event's link."""
    engine, view = history
    rows = run_sql(
        engine.store, "SELECT hash FROM events WHERE case_id = :c AND seq = 2", c=view.id
    )
    run_sql(
        engine.store,
        "UPDATE events SET hash = :h WHERE case_id = :c AND seq = 2",
        h="f" * 64,
        c=view.id,
    )
    assert rows[0][0] != "f" * 64
    assert _first_problem(engine, view.id)[0] == 2


def test_deleted_event_is_reported(history: tuple[Engine, CaseView]) -> None:
    engine, view = history
    run_sql(engine.store, "DELETE FROM events WHERE case_id = :c AND seq = 5", c=view.id)
    assert _first_problem(engine, view.id)[0] == 5


def test_reordered_events_are_reported(history: tuple[Engine, CaseView]) -> None:
    engine, view = history
    run_sql(engine.store, "UPDATE events SET seq = -1 WHERE case_id = :c AND seq = 3", c=view.id)
    run_sql(engine.store, "UPDATE events SET seq = 3 WHERE case_id = :c AND seq = 4", c=view.id)
    run_sql(engine.store, "UPDATE events SET seq = 4 WHERE case_id = :c AND seq = -1", c=view.id)
    seq, _ = _first_problem(engine, view.id)
    assert seq == 3


def test_tampered_snapshot_is_reported(history: tuple[Engine, CaseView]) -> None:
    engine, view = history
    other = start_sample(engine)
    run_sql(
        engine.store,
        "UPDATE cases SET snapshot = (SELECT snapshot FROM cases WHERE id = :o) WHERE id = :c",
        o=other.id,
        c=view.id,
    )
    seq, message = _first_problem(engine, view.id)
    assert seq is None and "快照" in message


def test_verify_all_is_restartable(sample: Engine, clock: ManualClock) -> None:
    ids = [start_sample(sample).id for _ in range(5)]
    seen: list[int] = []
    reports = list(
        sample.audit.verify_all(after=0, batch=2, progress=lambda cid, _: seen.append(cid))
    )
    assert [r.case_id for r in reports] == ids == seen
    assert all(r.ok for r in reports)
    resumed = [r.case_id for r in sample.audit.verify_all(after=ids[2], batch=2)]
    assert resumed == ids[3:]
    assert list(sample.audit.verify_all(after=2**70)) == []  # beyond BIGINT: nothing, no error


def test_verify_in_parallel_processes_finds_the_same(
    history: tuple[Engine, CaseView], capsys: pytest.CaptureFixture[str]
) -> None:
    """Worker processes verify every case once, report in id order with the point to
    resume from, and find the tampered event as a single process does."""
    from engine.verify_parallel import verify_in_parallel
    from webapi.cli import main

    engine, view = history
    others = [start_sample(engine).id for _ in range(5)]
    run_sql(engine.store, "UPDATE events SET actor = 'x' WHERE case_id = :c AND seq = 2", c=view.id)
    batches = list(
        verify_in_parallel(engine.store.url, engine.audit.case_id_batches(0, 2), workers=2)
    )
    reports = [report for found, _ in batches for report in found]
    assert [r.case_id for r in reports] == sorted([view.id, *others])
    assert [last for _, last in batches] == [found[-1].case_id for found, _ in batches]
    bad = [r for r in reports if not r.ok]
    assert [(r.case_id, r.problems[0].seq) for r in bad] == [(view.id, 2)]
    assert main(["--database-url", engine.store.url, "verify", "--all", "--workers", "2"]) == 1
    out, err = capsys.readouterr()
    assert "共校验 6 件，不一致 1 件" in out and "进度：6/6" in err
    with pytest.raises(ValueError):
        next(verify_in_parallel("sqlite://", iter([[1]]), workers=2))
