"""The absence register (离岗登记, ``engine.absences``): registering and ending absences,
what the policy sees (the organisation file's absences plus the registered ones), at once
in another process on the same database; the people list; migration 0011 (the register
and the case list's search columns, filled for older cases) up and down."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from engine import Engine, ManualClock
from engine.absences import NewAbsence
from engine.errors import (
    AbsenceInOrgFile,
    AbsenceOverlap,
    DataValidationError,
    InvalidState,
    NotAuthenticated,
    NotFound,
)
from engine.identity import Principal
from engine.people import PeopleQuery
from engine.policy import PeopleScope, candidates, people_scope, queue_reach
from engine.records import TaskRecord
from engine.store.testing import downgrade, run_sql
from processes.org import Absence, Organization
from tests.support.databases import Databases

TODAY = date(2026, 9, 24)  # the tests' clock (tests/support/databases.py START)
ADMIN = Principal("he.jun", "何军", frozenset({"admin"}), "511725")
LEADER = Principal("chen.jing", "陈静", frozenset({"township_leader"}), "511725201")
FENGLE_LEADER = Principal("du.gang", "杜刚", frozenset({"township_leader"}), "511725202")
B_POST = Principal(
    "liu.yang", "刘洋", frozenset({"township_backoffice", "township_window"}), "511725201"
)
CLAIMED = TaskRecord(
    "t-1", 1, "Task_check_materials", "材料审查", "p", "township_window", "511725201", 1,
    claimed_by="wang.fang",
)  # fmt: skip


def away(user: str, first: date, last: date, reason: str = "年休假") -> NewAbsence:
    return NewAbsence(user, first, last, reason)


@pytest.fixture
def twin(engine: Engine, clock: ManualClock, org: Organization) -> Iterator[Engine]:
    """Another process's engine on the same database (a second gunicorn worker)."""
    other = Engine(engine.database_url, clock, migrate=False, org=org)
    yield other
    other.close()


def test_a_registration_counts_at_once_in_every_process(engine: Engine, twin: Engine) -> None:
    # Both processes have looked at the organisation before the registration.
    assert not engine.current_org().is_absent("wang.fang", TODAY)
    assert not twin.current_org().is_absent("wang.fang", TODAY)
    reach = queue_reach(twin.current_org(), B_POST, TODAY)
    assert reach.people == ["liu.yang"]
    view = engine.absences.register(LEADER, away("wang.fang", TODAY, TODAY + timedelta(days=1)))
    assert view.id is not None and view.status == "current" and view.deputy is not None
    assert view.deputy.id == "liu.yang"
    for process in (engine, twin):
        org = process.current_org()
        assert org.is_absent("wang.fang", TODAY)
        assert org.stand_in("wang.fang", TODAY) == org.users["liu.yang"]
        assert queue_reach(org, B_POST, TODAY).people == ["liu.yang", "wang.fang"]
        assert org.may_act_for("liu.yang", "wang.fang", TODAY)
    # The organisation file's model is left as it was (built anew, never changed).
    assert not engine.org.is_absent("wang.fang", TODAY)
    # Back at work (返岗) today: no longer absent, in either process.
    ended = twin.absences.end(LEADER, view.id)
    assert ended.record is not None and ended.record.returned_on == TODAY
    assert ended.status == "withdrawn"  # returned on its first day: it never counted
    for process in (engine, twin):
        assert not process.current_org().is_absent("wang.fang", TODAY)
        assert queue_reach(process.current_org(), B_POST, TODAY).people == ["liu.yang"]


def test_the_organisation_is_rebuilt_only_when_the_register_changes(engine: Engine) -> None:
    first = engine.current_org()
    assert engine.current_org() is first  # no registered absence: the file's own
    assert first is engine.org
    engine.absences.register(ADMIN, away("he.ping", TODAY, TODAY))
    second = engine.current_org()
    assert second is not first and second is engine.current_org()
    assert second.absences[: len(engine.org.absences)] == engine.org.absences
    assert second.absences[-1] == Absence("he.ping", TODAY, TODAY, "年休假")


def test_an_absence_of_the_deputy_leaves_nobody_standing_in(engine: Engine) -> None:
    engine.absences.register(ADMIN, away("wang.fang", TODAY, TODAY))
    engine.absences.register(ADMIN, away("liu.yang", TODAY, TODAY, "外出培训"))
    org = engine.current_org()
    assert org.stand_in("wang.fang", TODAY) is None
    assert candidates(org, CLAIMED, TODAY) == []  # the leader can assign it


def test_every_problem_of_a_registration_at_once(engine: Engine) -> None:
    with pytest.raises(DataValidationError) as raised:
        engine.absences.register(LEADER, away("pan.hong", TODAY, TODAY - timedelta(days=1), " "))
    assert raised.value.fields == {
        "user": "本乡镇没有这个用户",  # 丰乐乡's: the same as nobody
        "to": "结束日期 2026-09-23 早于开始日期 2026-09-24",
        "reason": "必填",
    }
    with pytest.raises(DataValidationError) as raised:
        engine.absences.register(LEADER, away("nobody", TODAY, TODAY))
    assert raised.value.fields == {"user": "本乡镇没有这个用户"}
    with pytest.raises(DataValidationError) as raised:
        engine.absences.register(ADMIN, away("gao.feng", TODAY, TODAY + timedelta(days=366)))
    assert raised.value.fields == {
        "user": "没有指定 B 岗或替岗人，离岗期间无人接替，不能登记离岗",
        "to": "一次登记最多 366 天",
    }
    with pytest.raises(DataValidationError) as raised:
        engine.absences.register(ADMIN, away("no.such", TODAY - timedelta(days=9), TODAY - timedelta(days=1), "x" * 201))  # fmt: skip
    assert raised.value.fields == {
        "user": "组织机构中没有这个用户",
        "to": "结束日期 2026-09-23 已过（今天是 2026-09-24）",
        "reason": "最多 200 个字",
    }
    with engine.store.unit_of_work(write=False) as uow:
        assert uow.absences.since(None) == []
    # 366 days is the longest period.
    engine.absences.register(ADMIN, away("he.ping", TODAY, TODAY + timedelta(days=365)))


def test_overlapping_periods_are_refused(engine: Engine) -> None:
    first = engine.absences.register(ADMIN, away("he.ping", date(2026, 10, 8), date(2026, 10, 9)))
    with pytest.raises(AbsenceOverlap, match=rf"2026-10-08 至 2026-10-09.*编号 {first.id}"):
        engine.absences.register(LEADER, away("he.ping", date(2026, 10, 9), date(2026, 10, 12)))
    engine.absences.register(LEADER, away("he.ping", date(2026, 10, 10), date(2026, 10, 12)))
    # The organisation file has 王芳 away 28–30 September.
    with pytest.raises(AbsenceInOrgFile, match="组织机构文件"):
        engine.absences.register(ADMIN, away("wang.fang", date(2026, 9, 30), date(2026, 10, 2)))
    # A return frees the days after it.
    assert first.id is not None
    engine.absences.end(ADMIN, first.id, date(2026, 10, 9))
    engine.absences.register(ADMIN, away("he.ping", date(2026, 10, 9), date(2026, 10, 9)))


def test_ending_an_absence(engine: Engine, clock: ManualClock) -> None:
    view = engine.absences.register(ADMIN, away("he.ping", date(2026, 9, 22), date(2026, 9, 30)))
    assert view.id is not None and view.status == "current"
    with pytest.raises(NotFound, match=f"没有编号为 {view.id} 的离岗登记"):
        engine.absences.end(FENGLE_LEADER, view.id)  # another township's: not found
    with pytest.raises(NotFound):
        engine.absences.end(ADMIN, 999_999)
    with pytest.raises(DataValidationError) as raised:
        engine.absences.end(LEADER, view.id, date(2026, 10, 1))
    assert raised.value.fields == {
        "on": "返岗日期 2026-10-01 晚于离岗结束日期 2026-09-30，无需登记返岗"
    }
    ended = engine.absences.end(LEADER, view.id, date(2026, 9, 26))
    assert ended.record is not None and ended.record.effective_last_day == date(2026, 9, 25)
    assert (ended.record.ended_by, ended.status) == ("chen.jing", "current")
    assert engine.current_org().is_absent("he.ping", TODAY)
    assert not engine.current_org().is_absent("he.ping", date(2026, 9, 26))
    with pytest.raises(InvalidState, match="已于 2026-09-26 登记返岗"):
        engine.absences.end(ADMIN, view.id)
    # An absence over by itself needs no return.
    past = engine.absences.register(ADMIN, away("luo.yong", TODAY, TODAY))
    assert past.id is not None
    clock.advance(timedelta(days=1))
    with pytest.raises(InvalidState, match="已于 2026-09-24 结束"):
        engine.absences.end(ADMIN, past.id)


def test_a_return_the_organisation_file_contradicts(
    engine: Engine, clock: ManualClock, org: Organization, databases: Databases
) -> None:
    """The organisation file changed after a registration (both cover 9 October): the
    return cannot make the user present, so it is refused and the file is named."""
    view = engine.absences.register(ADMIN, away("he.ping", date(2026, 10, 8), date(2026, 10, 9)))
    changed = org.with_absences([Absence("he.ping", date(2026, 10, 9), date(2026, 10, 12), "病假")])
    other = Engine(engine.database_url, clock, migrate=False, org=changed)
    try:
        assert view.id is not None
        with pytest.raises(AbsenceInOrgFile, match="2026-10-09 至 2026-10-12"):
            other.absences.end(ADMIN, view.id, date(2026, 10, 9))
        other.absences.end(ADMIN, view.id, date(2026, 10, 8))  # before the file's period
    finally:
        other.close()


def test_the_list_is_scoped_and_by_status(engine: Engine, clock: ManualClock) -> None:
    engine.absences.register(ADMIN, away("he.ping", TODAY, TODAY))
    engine.absences.register(ADMIN, away("cai.ping", date(2026, 10, 8), date(2026, 10, 9)))
    found, total = engine.absences.find(ADMIN)
    listed = [(v.source, v.user.id, v.status) for v in found]
    assert listed == [
        ("register", "he.ping", "current"),
        ("org_file", "wang.fang", "upcoming"),
        ("register", "cai.ping", "upcoming"),
    ]
    assert total == 3
    assert [v.user.id for v in engine.absences.find(LEADER)[0]] == ["he.ping", "wang.fang"]
    assert [v.user.id for v in engine.absences.find(FENGLE_LEADER)[0]] == ["cai.ping"]
    assert engine.absences.find(ADMIN, user_id="cai.ping")[1] == 1
    assert engine.absences.find(ADMIN, offset=1, limit=1)[0][0].user.id == "wang.fang"
    clock.advance(timedelta(days=1))  # he.ping's day is over
    assert [v.user.id for v in engine.absences.find(ADMIN)[0]] == ["wang.fang", "cai.ping"]
    everything = engine.absences.find(ADMIN, everything=True)[0]
    assert (everything[0].user.id, everything[0].status) == ("he.ping", "ended")


def test_people_in_scope_with_accounts_for_the_administrator(engine: Engine) -> None:
    engine.identity.set_password("wang.fang", "window-a-post")
    engine.identity.issue_token("wang.fang")
    engine.absences.register(ADMIN, away("wang.fang", TODAY, TODAY))
    people, total = engine.people.find(people_scope(ADMIN), PeopleQuery(), 0, 500, True)
    assert total == len(engine.org.users) == len(people)
    wang = next(p for p in people if p.user.id == "wang.fang")
    assert wang.absent_today and wang.deputy_today is not None
    assert wang.deputy_today.id == "liu.yang"
    assert wang.account is not None and wang.account.has_password
    assert wang.account.active_tokens == 1 and wang.account.locked_until is None
    mine, total = engine.people.find(people_scope(LEADER), PeopleQuery(role="village_agent"))
    assert total == 12 and all(p.account is None for p in mine)
    assert {p.user.unit[:9] for p in mine} == {"511725201"}
    assert engine.people.find(PeopleScope(), PeopleQuery()) == ([], 0)
    named = engine.people.find(people_scope(ADMIN), PeopleQuery(text="WANG"))[0]
    assert [p.user.id for p in named] == ["wang.fang"]
    village = engine.people.find(people_scope(LEADER), PeopleQuery(unit="511725201001"))[0]
    assert [p.user.id for p in village] == ["jiang.wei", "tan.xiaoyan"]


# -- migration 0011 ----------------------------------------------------------------------


def test_migration_0011_fills_older_cases_and_goes_back(sample: Engine) -> None:
    """Cases registered before 0011 get their applicant's name and ID number's last six
    characters from their first event; taken back, the register and the columns go (and
    the hashes, the append-only triggers and every verify stay as they were)."""
    engine, process = sample, "sample_proxy_item"
    made = [
        engine.cases.start(
            process, {"applicant": {"name": " 张秀兰 ", "id_number": "11010519491231002x"}}
        ).id,
        engine.cases.start(process, {"applicant": {"name": "李四"}}).id,
        engine.cases.start(process, {}).id,
    ]
    keys = "SELECT id, applicant_name, applicant_id_tail FROM cases ORDER BY id"
    live = run_sql(engine.store, keys)
    assert live == [(made[0], "张秀兰", "31002X"), (made[1], "李四", None), (made[2], None, None)]
    engine.absences.register(ADMIN, away("he.ping", TODAY, TODAY))
    hashes = run_sql(engine.store, "SELECT id, hash FROM events ORDER BY id")
    downgrade(engine.store, "0010")
    missing = {d[3].name for d in engine.store.schema_differences() if d[0] == "add_column"}
    # 0019's columns (the designated hospital of a 残疾人证 case), 0020's (the events'
    # request ids), 0022's (the applicant's phone tail) and 0024's (the limit met) go with it
    assert missing == {
        "limit_met_at",
        "applicant_name",
        "applicant_id_tail",
        "assessment_unit",
        "assessment_since",
        "request_id",
        "applicant_phone_tail",
    }
    assert any(d[0] == "add_table" for d in engine.store.schema_differences())
    engine.store.migrate()
    assert engine.store.schema_differences() == []
    assert run_sql(engine.store, keys) == live  # the same as when written live
    assert run_sql(engine.store, "SELECT count(*) FROM absences") == [(0,)]
    assert run_sql(engine.store, "SELECT id, hash FROM events ORDER BY id") == hashes
    for case_id in made:
        assert engine.audit.verify(case_id).ok
    with pytest.raises(Exception, match="append-only"):
        run_sql(engine.store, "UPDATE events SET actor = 'x'")


def test_simultaneous_overlapping_registrations_store_one(
    engine: Engine, org: Organization
) -> None:
    """Eight processes register the same days for one user at the same moment: one is
    stored, the others are refused as overlapping (the user's registrations wait for each
    other: PostgreSQL's advisory lock, SQLite's one writer)."""
    engines = [Engine(engine.database_url, engine.wall_clock, migrate=False, org=org) for _ in range(8)]  # fmt: skip
    barrier = threading.Barrier(len(engines))
    outcomes: list[str] = []

    def register(other: Engine) -> None:
        barrier.wait()
        try:
            other.absences.register(ADMIN, away("he.ping", date(2026, 10, 8), date(2026, 10, 9)))
            outcomes.append("stored")
        except AbsenceOverlap:
            outcomes.append("overlap")

    try:
        threads = [threading.Thread(target=register, args=(e,)) for e in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for other in engines:
            other.close()
    assert sorted(outcomes) == ["overlap"] * 7 + ["stored"]
    with engine.store.unit_of_work(write=False) as uow:
        assert len(uow.absences.since(None, ["he.ping"])) == 1


def test_a_request_reads_its_token_and_the_register_in_one_statement(
    engine: Engine, clock: ManualClock
) -> None:
    """What every request with a token reads first (``Engine.caller``): the token and the
    registered absences not over, one statement, the same as the register gives."""
    token = engine.identity.issue_token("wang.fang", hours=24 * 30).token
    assert engine.caller(token)[1].absences == engine.org.absences  # none registered
    engine.absences.register(ADMIN, away("he.ping", TODAY, TODAY + timedelta(days=3)))
    engine.absences.register(
        ADMIN, away("luo.yong", TODAY + timedelta(days=5), TODAY + timedelta(days=6))
    )
    over = engine.absences.register(ADMIN, away("wang.fang", TODAY, TODAY))
    ended = engine.absences.register(ADMIN, away("liu.yang", TODAY, TODAY + timedelta(days=9)))
    assert ended.id is not None
    engine.absences.end(ADMIN, ended.id, TODAY + timedelta(days=2))
    clock.advance(timedelta(days=1))  # wang.fang's is over since yesterday: still read
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    target = engine.store._read_engine
    event.listen(target, "before_cursor_execute", seen)
    try:
        principal, org = engine.caller(token)
    finally:
        event.remove(target, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert principal.user_id == "wang.fang"
    assert org.absences == engine.current_org().absences
    assert {a.user for a in org.absences if a not in engine.org.absences} == {
        "he.ping",
        "luo.yong",
        "wang.fang",
        "liu.yang",
    }
    assert over.id is not None
    clock.advance(timedelta(days=1))  # and gone the day after
    registered = [a for a in engine.caller(token)[1].absences if a not in engine.org.absences]
    assert "wang.fang" not in {a.user for a in registered}
    engine.identity.revoke(token)
    with pytest.raises(NotAuthenticated, match="令牌已注销"):
        engine.caller(token)
    with pytest.raises(NotAuthenticated, match="令牌无效"):
        engine.caller("unknown")
