"""Training and demo databases (engine/training.py): the flag in the database itself, an
offset clock every engine on the database shares, events that record the offset they were
written with (hashed), timers that fire once the clock has moved, and ``daiban clock``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from engine import Actor, Engine, ManualClock, read_sources
from engine.errors import DatabaseInUse, DataValidationError, InvalidState, NotTrainingDatabase
from engine.history import event_hash
from engine.ledger import NewIssue
from engine.records import EventRecord
from engine.store.testing import downgrade, drop_append_only_guard, run_sql
from tests.support.databases import START, Databases
from tests.support.paths import DATA
from webapi.cli import main

DAY = 86400


@pytest.fixture
def timers(engine: Engine) -> Engine:
    engine.definitions.deploy(read_sources([DATA / "timers.bpmn"]))
    return engine


def events(engine: Engine, case_id: int) -> list[EventRecord]:
    with engine.store.unit_of_work(write=False) as uow:
        return [event for event, _ in uow.events.of_case(case_id)]


def test_a_new_database_is_production_and_its_clock_cannot_move(engine: Engine) -> None:
    status = engine.training.status()
    assert status.setting is None and status.offset_seconds == 0
    assert status.now == status.wall == START
    with pytest.raises(NotTrainingDatabase) as refused:
        engine.training.advance(timedelta(days=8), "he.jun")
    assert refused.value.code == "not_training_database"
    assert "不是培训或演示数据库" in refused.value.message
    assert engine.clock.now() == START


def test_flag_once_then_advance_only_forward(engine: Engine, clock: ManualClock) -> None:
    setting, new = engine.training.flag("training", "he.jun")
    assert new and (setting.mode, setting.offset_seconds, setting.flagged_by) == (
        "training",
        0,
        "he.jun",
    )
    again, new = engine.training.flag("demo", "someone")
    assert not new and again.mode == "training"  # the first flag stays
    engine.training.advance(timedelta(days=8), "he.jun")
    engine.training.advance(timedelta(hours=12), "he.jun")
    status = engine.training.status()
    assert status.offset_seconds == 8 * DAY + 12 * 3600
    assert status.now == START + timedelta(days=8, hours=12)
    assert status.wall == START  # the system clock did not move
    assert status.setting is not None and status.setting.advanced_by == "he.jun"
    clock.advance(timedelta(hours=1))  # the system clock runs on, the offset with it
    assert engine.clock.now() == START + timedelta(days=8, hours=13)
    for backwards in (timedelta(0), timedelta(days=-1)):
        with pytest.raises(DataValidationError):
            engine.training.advance(backwards, "he.jun")
    with pytest.raises(InvalidState) as too_far:
        for _ in range(12):
            engine.training.advance(timedelta(days=366), "he.jun")
    assert too_far.value.code == "invalid_state" and "3650" in too_far.value.message


def test_an_unknown_mode_is_refused(engine: Engine) -> None:
    with pytest.raises(DataValidationError):
        engine.training.flag("production", "he.jun")
    assert engine.training.status().setting is None


def test_a_database_with_real_cases_cannot_be_flagged(timers: Engine) -> None:
    timers.cases.start("timers", {})
    with pytest.raises(DatabaseInUse) as refused:
        timers.training.flag("training", "he.jun")
    assert refused.value.code == "database_in_use"
    assert timers.training.status().setting is None
    with pytest.raises(NotTrainingDatabase):
        timers.training.advance(timedelta(days=1), "he.jun")


def test_a_database_with_ledger_issues_cannot_be_flagged(engine: Engine) -> None:
    agent = engine.identity.principal("tan.xiaoyan")
    engine.ledger.record(agent, NewIssue("511725201001", "李四", "infrastructure", "村道", "visit"))
    with pytest.raises(DatabaseInUse):
        engine.training.flag("demo", "he.jun")


def test_cases_started_in_training_do_not_stop_a_second_flag(timers: Engine) -> None:
    timers.training.flag("training", "he.jun")
    timers.cases.start("timers", {})
    assert timers.training.flag("training", "he.jun")[1] is False  # already flagged, not refused


def test_after_an_advance_tick_fires_what_became_due_and_verify_stays_clean(
    timers: Engine,
) -> None:
    timers.training.flag("training", "he.jun")
    view = timers.cases.start("timers", {})
    assert view.next_timer_at == START + timedelta(hours=48)
    assert timers.cases.tick().fired == []
    timers.training.advance(timedelta(days=2), "he.jun")
    assert timers.cases.tick().fired == [view.id]
    view = timers.cases.get(view.id)
    assert [t.spec_id for t in view.tasks] == ["Task_A"]
    started, fired, *_ = events(timers, view.id)
    assert (started.clock_offset, fired.clock_offset) == (0, 2 * DAY)
    assert fired.at - started.at == timedelta(days=2)
    assert timers.audit.verify(view.id).ok
    replayed = timers.audit.replay(view.id)
    assert [t.spec_id for t in replayed.tasks] == ["Task_A"]


def test_every_engine_on_the_database_sees_the_same_clock(
    timers: Engine, databases: Databases, clock: ManualClock
) -> None:
    """A second engine (another worker or command) sees an advance at once in every change
    it writes, and in its cached clock within the ttl."""
    timers.training.flag("training", "he.jun")
    view = timers.cases.start("timers", {})
    other = Engine(timers.database_url, clock, catalogue=databases.catalogue, org=databases.org)
    try:
        other.clock.ttl = 3600  # a long-lived worker that read the flag before the advance
        assert other.clock.now() == START
        timers.training.advance(timedelta(days=3), "he.jun")
        assert other.clock.now() == START  # its cache: at most ttl old
        assert other.cases.tick().fired == []  # its cached clock: nothing due yet for it
        other.clock.forget()  # the ttl has passed
        assert other.clock.now() == START + timedelta(days=3)
        assert other.cases.tick().fired == [view.id]
        assert events(timers, view.id)[-1].clock_offset == 3 * DAY
    finally:
        other.close()


def test_a_change_records_the_offset_of_its_own_transaction(
    timers: Engine, databases: Databases, clock: ManualClock
) -> None:
    timers.training.flag("training", "he.jun")
    view = timers.cases.start("timers", {})
    other = Engine(timers.database_url, clock, catalogue=databases.catalogue, org=databases.org)
    try:
        other.clock.ttl = 3600
        other.clock.now()  # cached: flagged, offset 0
        timers.training.advance(timedelta(days=5), "he.jun")
        changed = other.cases.cancel(view.id, "培训结束", Actor("wang.fang"))
        assert changed.status == "cancelled"
        last = events(timers, view.id)[-1]
        assert (last.type, last.clock_offset) == ("case_cancelled", 5 * DAY)
        assert last.at == START + timedelta(days=5)
        assert other.clock.now() == START + timedelta(days=5)  # and its cache learnt it
        assert timers.audit.verify(view.id).ok
    finally:
        other.close()


def test_the_offset_is_hashed_and_events_without_one_keep_their_hashes(timers: Engine) -> None:
    timers.training.flag("training", "he.jun")
    view = timers.cases.start("timers", {})
    timers.training.advance(timedelta(days=2), "he.jun")
    timers.cases.tick()
    first = events(timers, view.id)[0]
    uid = timers.cases.record(view.id).uid
    payload = json.dumps(first.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # An event without an offset (production, or written before migration 0010) hashes
    # exactly as before: the same fields, no ``clock_offset`` key.
    legacy = EventRecord(**{**first.__dict__, "clock_offset": None})
    assert event_hash(legacy, uid, payload) != first.hash
    assert event_hash(first, uid, payload) == first.hash
    drop_append_only_guard(timers.store)
    run_sql(
        timers.store, "UPDATE events SET clock_offset = 0 WHERE case_id = :c AND seq = 2", c=view.id
    )
    report = timers.audit.verify(view.id)
    assert not report.ok and report.problems[0].seq == 2


def test_a_golden_hash_without_offset_is_unchanged() -> None:
    """The hash of an event without an offset is what it was before training mode existed."""
    event = EventRecord(
        case_id=1,
        seq=1,
        type="case_started",
        actor="wang.fang",
        at=datetime(2026, 9, 24, 1, 0, tzinfo=UTC),
        payload={},
        prev_hash="0" * 64,
        hash="",
        actor_role="township_window",
        actor_unit="511725201",
    )
    # Computed by engine/history.py as it was before migration 0010.
    assert event_hash(event, "abc", "{}") == (
        "68b6d60f33afd278734aeab6b0c2f996d3df347ed42d467ef0219c57b0f6d578"
    )


def test_the_migration_keeps_every_hash(timers: Engine) -> None:
    """An older database (before 0010) migrated: its events get no offset, keep their
    hashes and still verify; it is a production database."""
    view = timers.cases.start("timers", {})
    before = run_sql(timers.store, "SELECT id, hash FROM events ORDER BY id")
    downgrade(timers.store, "0009")
    timers.store.migrate()
    assert timers.store.schema_differences() == []
    assert run_sql(timers.store, "SELECT id, hash FROM events ORDER BY id") == before
    assert run_sql(timers.store, "SELECT count(*) FROM events WHERE clock_offset IS NOT NULL") == [
        (0,)
    ]
    assert timers.audit.verify(view.id).ok
    with pytest.raises(DatabaseInUse):
        timers.training.flag("training", "he.jun")


def test_a_database_with_training_events_is_not_downgraded(timers: Engine) -> None:
    """Events written on a training clock hash their offset: dropping the column would
    leave them unverifiable, so 0010 is not taken back on such a database."""
    timers.training.flag("training", "he.jun")
    view = timers.cases.start("timers", {})
    with pytest.raises(Exception, match="培训或演示库不能降级"):
        downgrade(timers.store, "0009")
    assert timers.store.schema_differences() == []
    assert timers.audit.verify(view.id).ok


# -- daiban clock ------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_clock_commands(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    db = ["--database-url", database_url]
    code, out, _ = run(capsys, *db, "clock", "show")
    assert code == 0 and "生产数据库" in out
    code, _, err = run(capsys, *db, "clock", "advance", "8d")
    assert code == 2 and "not_training_database" in err and "不是培训或演示数据库" in err
    code, _, err = run(capsys, *db, "clock", "init")
    assert code == 2 and "--training" in err
    code, out, _ = run(capsys, *db, "--user", "he.jun", "clock", "init", "--training")
    assert code == 0 and "已将数据库标记为培训数据库" in out
    code, out, _ = run(capsys, *db, "clock", "init", "--demo")
    assert code == 0 and "已是培训数据库" in out
    code, out, _ = run(capsys, *db, "--user", "he.jun", "clock", "advance", "8d")
    assert code == 0 and "时钟已前移 8 天" in out and "累计前移 8 天" in out
    assert "随即触发到期定时器 0 件" in out  # an empty database: nothing was due
    for bad, reason in (("8x", "时长格式有误"), ("0d", "只能前移")):
        with pytest.raises(SystemExit) as exited:  # argparse: usage and the reason, exit 2
            main([*db, "clock", "advance", bad])
        assert exited.value.code == 2 and reason in capsys.readouterr().err
    assert run(capsys, *db, "clock", "advance", "2w")[0] == 0
    code, out, _ = run(capsys, *db, "clock", "show")
    assert code == 0 and "培训数据库" in out and "累计前移 22 天" in out and "he.jun" in out


def test_serve_refuses_to_flag_a_database_with_real_cases(
    capsys: pytest.CaptureFixture[str], timers: Engine
) -> None:
    timers.cases.start("timers", {})
    code, _, err = run(capsys, "--database-url", timers.database_url, "serve", "--training")
    assert code == 2 and "database_in_use" in err and "非培训模式" in err
    assert timers.training.status().setting is None
