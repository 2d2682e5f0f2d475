"""The issue ledger (问题台账, 三转): life of an issue, scope, append-only entries, figures."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from engine import ConflictError, Engine, InvalidState, ManualClock, NotFound
from engine.clock import SHANGHAI
from engine.errors import DataValidationError
from engine.identity import Principal
from engine.ledger import (
    IssueView,
    LedgerCounts,
    LedgerService,
    NewIssue,
    NotHeldHere,
    ReadOnly,
    derive,
)
from engine.records import LedgerQuery, LedgerScope
from engine.store.testing import run_sql
from webapi.cli import main

VILLAGE = "511725201001"  # 青丝社区, 青丝乡
OTHER_VILLAGE = "511725201002"  # 新民村, 青丝乡
TOWNSHIP = "511725201"
FENGLE_VILLAGE = "511725202003"  # 桂花村, 丰乐乡
PHONE = "13800001234"


@pytest.fixture
def ledger(engine: Engine) -> LedgerService:
    return LedgerService(engine.store, engine.clock, engine.org)


def who(engine: Engine, user_id: str) -> Principal:
    user = engine.org.users[user_id]
    return Principal(user.id, user.name, frozenset(user.roles), user.unit)


def record(
    engine: Engine, ledger: LedgerService, user: str = "tan.xiaoyan", village: str = VILLAGE
) -> IssueView:
    new = NewIssue(village, "张三", "infrastructure", "三组村道塌方", "meeting", PHONE)
    return ledger.record(who(engine, user), new)


# -- the life of an issue ---------------------------------------------------------------


def test_answered_at_the_village_then_resolved(engine: Engine, ledger: LedgerService) -> None:
    tan = who(engine, "tan.xiaoyan")
    view = record(engine, ledger)
    issue = view.issue
    assert issue.number == "TZ511725201001202609240001"
    assert (issue.level, issue.status, issue.township) == ("village", "open", TOWNSHIP)
    assert record(engine, ledger).issue.number.endswith("0002")  # the daily sequence
    view = ledger.answer(tan, issue.id, "已协调挖机清理，告知群众")
    assert (view.issue.level, view.issue.status) == ("village", "answered")
    view = ledger.resolve(tan, issue.id, "群众确认道路已通")
    assert view.issue.status == "resolved"
    stored = ledger.get(tan, issue.id)
    assert [(e.seq, e.type, e.level, e.actor) for e in stored.entries] == [
        (1, "recorded", "village", "tan.xiaoyan"),
        (2, "answer", "village", "tan.xiaoyan"),
        (3, "resolve", "village", "tan.xiaoyan"),
    ]
    assert stored.entries[1].note == "已协调挖机清理，告知群众"
    assert stored.issue.last_seq == 3


def test_ledger_writes_and_refusals_are_logged_without_the_resident(
    engine: Engine, ledger: LedgerService, caplog: pytest.LogCaptureFixture
) -> None:
    tan = who(engine, "tan.xiaoyan")
    with caplog.at_level(logging.INFO, logger="engine.ledger"):
        issue = record(engine, ledger).issue
        ledger.answer(tan, issue.id, f"已电话告知 {PHONE}")
        with pytest.raises(InvalidState):
            ledger.answer(tan, issue.id, "再次答复")
    lines = [r for r in caplog.records if r.name.startswith("engine.ledger")]
    assert [getattr(r, "event", None) for r in lines] == [
        "issue_recorded",
        "issue_answered",
        "issue_refused",
    ]
    text = " ".join(r.getMessage() for r in lines)
    assert f"issue={issue.id}" in text
    for personal in (PHONE, PHONE[:3] + "****" + PHONE[-4:], "张三", "三组村道塌方"):
        assert personal not in text


def test_transferred_to_the_township_and_the_county_reopened_and_resolved(
    engine: Engine, ledger: LedgerService, clock: ManualClock
) -> None:
    """村上不能解决的转乡上; the township answers, the resident is not satisfied, the
    township passes it on to 县民政局, which resolves it."""
    tan, wang, deng = (who(engine, u) for u in ("tan.xiaoyan", "wang.fang", "deng.hui"))
    issue_id = record(engine, ledger).issue.id
    clock.advance(timedelta(hours=1))
    view = ledger.transfer(tan, issue_id, "村上无力解决，转乡上")
    assert (view.issue.level, view.issue.status, view.issue.department) == (
        "township",
        "open",
        None,
    )
    view = ledger.answer(wang, issue_id, "已纳入临时救助，待审批")
    assert view.issue.status == "answered"
    view = ledger.reopen(wang, issue_id, "群众不满意：救助金额不足")
    assert (view.issue.level, view.issue.status) == ("township", "open")
    view = ledger.transfer(wang, issue_id, "需县民政局审批", "MZ")
    assert (view.issue.level, view.issue.department) == ("county", "MZ")
    view = ledger.resolve(deng, issue_id, "已批准临时救助")
    assert view.issue.status == "resolved"
    entries = ledger.get(deng, issue_id).entries
    assert [(e.type, e.level, e.actor) for e in entries] == [
        ("recorded", "village", "tan.xiaoyan"),
        ("transfer", "township", "tan.xiaoyan"),
        ("answer", "township", "wang.fang"),
        ("reopen", "township", "wang.fang"),
        ("transfer", "county", "wang.fang"),
        ("resolve", "county", "deng.hui"),
    ]
    assert entries[4].department == "MZ"
    assert entries[1].at == entries[0].at + timedelta(hours=1)
    derived = derive(entries)
    issue = ledger.get(deng, issue_id).issue
    assert (derived.level, derived.status, derived.department) == (
        issue.level,
        issue.status,
        issue.department,
    )


def test_actions_that_do_not_fit_the_state_are_refused(
    engine: Engine, ledger: LedgerService
) -> None:
    tan, wang, deng = (who(engine, u) for u in ("tan.xiaoyan", "wang.fang", "deng.hui"))
    issue_id = record(engine, ledger).issue.id
    with pytest.raises(InvalidState):
        ledger.reopen(tan, issue_id, "还没答复")
    with pytest.raises(DataValidationError) as refused:
        ledger.transfer(tan, issue_id, "直接转县", "MZ")
    assert set(refused.value.fields) == {"department"}
    ledger.transfer(tan, issue_id, "转乡上")
    with pytest.raises(DataValidationError) as refused:
        ledger.transfer(wang, issue_id, "  ", None)
    assert set(refused.value.fields) == {"note", "department"}
    with pytest.raises(DataValidationError) as refused:
        ledger.transfer(wang, issue_id, "转县", "XX")
    assert set(refused.value.fields) == {"department"}
    ledger.transfer(wang, issue_id, "转县", "MZ")
    with pytest.raises(InvalidState):
        ledger.transfer(deng, issue_id, "再转", "RS")
    ledger.resolve(deng, issue_id, "已办结")
    for act in (ledger.answer, ledger.resolve):
        with pytest.raises(InvalidState):
            act(deng, issue_id, "再来一次")
    assert len(ledger.get(deng, issue_id).entries) == 4  # nothing refused was written


def test_recording_is_checked_field_by_field(engine: Engine, ledger: LedgerService) -> None:
    tan = who(engine, "tan.xiaoyan")
    with pytest.raises(DataValidationError) as refused:
        ledger.record(tan, NewIssue(OTHER_VILLAGE, " ", "roads", "", "fax", "12345"))
    assert set(refused.value.fields) == {
        "village",
        "resident.name",
        "resident.phone",
        "category",
        "content",
        "source",
    }
    new = NewIssue(VILLAGE, "张三", "other", "路灯坏了", "visit")
    for user in ("wang.fang", "he.ping", "chen.jing", "deng.hui", "sun.hong", "he.jun"):
        with pytest.raises(DataValidationError) as refused:
            ledger.record(who(engine, user), new)
        assert set(refused.value.fields) == {"village"}, user
    assert ledger.record(who(engine, "jiang.wei"), new).issue.recorded_by == "jiang.wei"


def test_a_retried_recording_with_the_same_key_records_once(
    engine: Engine, ledger: LedgerService
) -> None:
    tan = who(engine, "tan.xiaoyan")
    new = NewIssue(VILLAGE, "张三", "other", "路灯坏了", "visit")
    first = ledger.record(tan, new, "key-1")
    again = ledger.record(tan, new, "key-1")
    other = ledger.record(who(engine, "jiang.wei"), new, "key-1")  # keys are per caller
    assert again.issue.id == first.issue.id
    assert other.issue.id != first.issue.id
    assert ledger.search(LedgerScope(everything=True), LedgerQuery())[1] == 2


# -- scope ------------------------------------------------------------------------------


def test_scope_follows_the_issue_and_outsiders_get_not_found(
    engine: Engine, ledger: LedgerService
) -> None:
    at_village = record(engine, ledger).issue.id
    at_township = record(engine, ledger).issue.id
    at_county = record(engine, ledger).issue.id
    fengle = record(engine, ledger, "cai.ping", FENGLE_VILLAGE).issue.id
    tan, wang = who(engine, "tan.xiaoyan"), who(engine, "wang.fang")
    for issue_id in (at_township, at_county):
        ledger.transfer(tan, issue_id, "转乡上")
    ledger.transfer(wang, at_county, "转县民政局", "MZ")
    sees = {
        "tan.xiaoyan": {at_village, at_township, at_county},
        "jiang.wei": {at_village, at_township, at_county},
        "deng.ming": set(),  # another village of the township
        "wang.fang": {at_village, at_township, at_county},
        "he.ping": {at_village, at_township, at_county},  # mobile post of the township
        "chen.jing": {at_village, at_township, at_county},
        "deng.hui": {at_county},  # 县民政局: only what was handed to it
        "tang.jian": set(),  # 县人社局
        "sun.hong": {at_village, at_township, at_county, fengle},  # supervisor
        "lin.tao": set(),  # designer
        "he.jun": set(),  # admin
        "pan.hong": {fengle},  # 丰乐乡 window
        "cai.ping": {fengle},
    }
    everything = {at_village, at_township, at_county, fengle}
    for user, visible in sees.items():
        principal = who(engine, user)
        found, total = ledger.find(principal, LedgerQuery())
        assert {i.id for i in found} == visible, user
        assert total == len(visible), user
        for issue_id in everything - visible:
            with pytest.raises(NotFound):
                ledger.get(principal, issue_id)
            for act in (ledger.answer, ledger.resolve, ledger.reopen, ledger.transfer):
                with pytest.raises(NotFound):
                    act(principal, issue_id, "越权")
    with pytest.raises(NotFound):
        ledger.get(tan, 999_999)
    with pytest.raises(NotFound):
        ledger.get(tan, 2**70)


def test_only_who_holds_the_current_level_may_write(engine: Engine, ledger: LedgerService) -> None:
    tan, wang, he_ping = (who(engine, u) for u in ("tan.xiaoyan", "wang.fang", "he.ping"))
    deng, sun = who(engine, "deng.hui"), who(engine, "sun.hong")
    issue_id = record(engine, ledger).issue.id
    with pytest.raises(NotHeldHere):
        ledger.answer(wang, issue_id, "乡上先答复")  # still at the village
    with pytest.raises(ReadOnly):
        ledger.answer(sun, issue_id, "督查代答")
    ledger.transfer(tan, issue_id, "转乡上")
    with pytest.raises(NotHeldHere):
        ledger.resolve(tan, issue_id, "村上办结")  # now at the township
    ledger.answer(he_ping, issue_id, "流动代办岗答复")  # township staff
    ledger.reopen(wang, issue_id, "群众不满意")
    ledger.transfer(wang, issue_id, "转县", "MZ")
    with pytest.raises(NotHeldHere):
        ledger.resolve(wang, issue_id, "乡上办结")
    ledger.resolve(deng, issue_id, "县民政局办结")
    with pytest.raises(ReadOnly):
        ledger.reopen(sun, issue_id, "督查发回")
    assert ledger.get(sun, issue_id).issue.status == "resolved"


def test_list_filters(engine: Engine, ledger: LedgerService, clock: ManualClock) -> None:
    tan, sun = who(engine, "tan.xiaoyan"), who(engine, "sun.hong")
    first = record(engine, ledger).issue.id
    clock.advance(timedelta(days=2))
    second = record(engine, ledger).issue.id
    ledger.resolve(tan, second, "已解决")
    other = record(engine, ledger, "deng.ming", OTHER_VILLAGE).issue.id

    def ids(query: LedgerQuery | None = None) -> list[int]:
        return [i.id for i in ledger.find(sun, query or LedgerQuery())[0]]

    assert ids() == [other, second, first]  # newest first
    assert ids(LedgerQuery(status="resolved")) == [second]
    assert ids(LedgerQuery(village=OTHER_VILLAGE)) == [other]
    assert ids(LedgerQuery(township="511725202")) == []
    day = datetime(2026, 9, 24, tzinfo=SHANGHAI)
    assert ids(LedgerQuery(recorded_from=day, recorded_to=day + timedelta(days=1))) == [first]
    assert ids(LedgerQuery(recorded_from=day + timedelta(days=1))) == [other, second]
    page, total = ledger.find(sun, LedgerQuery(), offset=1, limit=1)
    assert [i.id for i in page] == [second] and total == 3


# -- append-only ------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted(engine: Engine, ledger: LedgerService) -> None:
    issue_id = record(engine, ledger).issue.id
    ledger.answer(who(engine, "tan.xiaoyan"), issue_id, "已答复")
    statements = [
        "UPDATE ledger_entries SET note = 'changed' WHERE issue_id = :id",
        "UPDATE ledger_entries SET type = 'resolve' WHERE issue_id = :id AND seq = 2",
        "DELETE FROM ledger_entries WHERE issue_id = :id AND seq = 2",
        "DELETE FROM ledger_issues WHERE id = :id",
    ]
    for sql in statements:
        with pytest.raises(DBAPIError, match=r"append-only|never deleted"):
            run_sql(engine.store, sql, id=issue_id)
    rows = run_sql(
        engine.store,
        "SELECT seq, type, note FROM ledger_entries WHERE issue_id = :id ORDER BY seq",
        id=issue_id,
    )
    assert rows == [(1, "recorded", ""), (2, "answer", "已答复")]


def test_a_stale_write_is_a_conflict_and_leaves_nothing(
    engine: Engine, ledger: LedgerService
) -> None:
    """Two people act on the same issue at once: the one who read it before the other's
    entry was written loses (409) and writes nothing."""
    issue_id = record(engine, ledger).issue.id
    stale = ledger.issue(issue_id).issue
    ledger.answer(who(engine, "tan.xiaoyan"), issue_id, "已答复")
    with engine.store.unit_of_work() as uow:
        late = replace(stale, status="resolved", last_seq=stale.last_seq + 1)
        with pytest.raises(ConflictError):
            uow.ledger.advance(late, stale.last_seq)
    view = ledger.issue(issue_id)
    assert (view.issue.status, view.issue.last_seq, len(view.entries)) == ("answered", 2, 2)


def test_migrations_match_the_table_models(engine: Engine) -> None:
    assert engine.store.schema_differences() == []


# -- figures ----------------------------------------------------------------------------


class Builder:
    """Records issues and walks them, a minute apart, on the manual clock."""

    def __init__(self, engine: Engine, ledger: LedgerService, clock: ManualClock) -> None:
        self.engine, self.ledger, self.clock = engine, ledger, clock

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def issues(self, user: str, village: str, count: int) -> list[int]:
        made = []
        for _ in range(count):
            made.append(record(self.engine, self.ledger, user, village).issue.id)
            self.clock.advance(timedelta(seconds=10))
        return made

    def do(self, user: str, action: str, ids: list[int], department: str | None = None) -> None:
        principal = who(self.engine, user)
        for issue_id in ids:
            if action == "transfer":
                self.ledger.transfer(principal, issue_id, "转办", department)
            else:
                getattr(self.ledger, action)(principal, issue_id, "情况说明")
            self.clock.advance(timedelta(seconds=10))


def beijing(day: int, hour: int = 9, minute: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def figures(engine: Engine, ledger: LedgerService, clock: ManualClock) -> LedgerService:
    """青丝乡 in September 2026: 152 issues recorded, 137 resolved by the 30th (the 2018
    report's 152 and 137); 丰乐乡: 3 recorded, 1 resolved; and some outside the month.

    青丝社区 (tan.xiaoyan), 100 recorded on 10 September:
      60 answered at the village, then resolved;       10 answered at the village only;
      20 transferred to the township and resolved there;
       5 transferred to the township, then to 县民政局, resolved there;
       5 left open (one of them resolved only on 2 October).
      One of the 60 is reopened on 3 October (after the period: still resolved in it).
    新民村 (deng.ming), 52 recorded on 10 September:
      40 resolved at the village (no separate answer);
      10 transferred to the township, answered there, then resolved;
       2 resolved at the village, reopened, resolved again.
    桂花村 (cai.ping, 丰乐乡), 3 recorded: 1 resolved at the village, 1 answered, 1 open.
    Outside the month: one recorded 31 August 23:59, one 1 October 00:00 (青丝社区).
    """
    b = Builder(engine, ledger, clock)
    b.at(beijing(31, 23, 59, month=8))
    b.issues("tan.xiaoyan", VILLAGE, 1)
    b.at(beijing(10))
    a = b.issues("tan.xiaoyan", VILLAGE, 100)
    n = b.issues("deng.ming", OTHER_VILLAGE, 52)
    f = b.issues("cai.ping", FENGLE_VILLAGE, 3)
    b.at(beijing(15))
    b.do("tan.xiaoyan", "answer", a[:70])
    b.do("tan.xiaoyan", "resolve", a[:60])
    b.do("tan.xiaoyan", "transfer", a[70:95])
    b.do("wang.fang", "resolve", a[70:90])
    b.do("wang.fang", "transfer", a[90:95], "MZ")
    b.do("deng.hui", "resolve", a[90:95])
    b.do("deng.ming", "resolve", n[:40])
    b.do("deng.ming", "transfer", n[40:50])
    b.do("liu.yang", "answer", n[40:50])
    b.do("liu.yang", "resolve", n[40:50])
    b.do("deng.ming", "resolve", n[50:52])
    b.do("deng.ming", "reopen", n[50:52])
    b.do("deng.ming", "resolve", n[50:52])
    b.do("cai.ping", "resolve", f[:1])
    b.do("cai.ping", "answer", f[1:2])
    b.at(beijing(1, 0, 0, month=10))
    b.issues("tan.xiaoyan", VILLAGE, 1)
    b.at(beijing(2, month=10))
    b.do("tan.xiaoyan", "resolve", a[95:96])
    b.at(beijing(3, month=10))
    b.do("tan.xiaoyan", "reopen", a[:1])
    return ledger


SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))


def test_figures_reproduce_the_report(figures: LedgerService) -> None:
    by_township = figures.counts(*SEPTEMBER, "township")
    qingsi = by_township["511725201"]
    assert qingsi == LedgerCounts(
        recorded=152,
        answered_at_village=70 + 42,
        transferred_to_township=25 + 10,
        transferred_to_county=5,
        resolved=137,
        open=15,
        resolution_rate=137 / 152,
    )
    assert qingsi.resolution_rate is not None and round(qingsi.resolution_rate * 100, 1) == 90.1
    assert by_township["511725202"] == LedgerCounts(3, 2, 0, 0, 1, 2, 1 / 3)
    assert by_township["511725103"] == LedgerCounts(0, 0, 0, 0, 0, 0, None)  # 土溪镇
    assert set(by_township) == {u.code for u in figures.org.of_kind("township")}


def test_figures_per_village_and_county(figures: LedgerService) -> None:
    villages = figures.counts(*SEPTEMBER, "village", frozenset({TOWNSHIP}))
    assert set(villages) == {u.code for u in figures.org.children(TOWNSHIP)}
    assert villages[VILLAGE] == LedgerCounts(100, 70, 25, 5, 85, 15, 0.85)
    assert villages[OTHER_VILLAGE] == LedgerCounts(52, 42, 10, 0, 52, 0, 1.0)
    assert villages["511725201003"] == LedgerCounts(0, 0, 0, 0, 0, 0, None)
    county = figures.counts(*SEPTEMBER, "county")
    assert county == {"511725": LedgerCounts(155, 114, 35, 5, 138, 17, 138 / 155)}
    only = figures.counts(*SEPTEMBER, "county", frozenset({OTHER_VILLAGE}))
    assert only["511725"].recorded == 52
    assert figures.counts(*SEPTEMBER, "county", frozenset({"511725"})) == county


def test_figures_take_the_state_at_the_end_of_the_period(figures: LedgerService) -> None:
    """Recorded on the 10th, handled on the 15th: a period ending on the 10th counts them
    recorded and nothing else; one starting on the 11th does not count them."""
    early = figures.counts(date(2026, 9, 1), date(2026, 9, 10), "township")["511725201"]
    assert early == LedgerCounts(152, 0, 0, 0, 0, 152, 0.0)
    late = figures.counts(date(2026, 9, 11), date(2026, 9, 30), "township")["511725201"]
    assert late == LedgerCounts(0, 0, 0, 0, 0, 0, None)
    august = figures.counts(date(2026, 8, 31), date(2026, 8, 31), "village")[VILLAGE]
    assert august.recorded == 1
    october = figures.counts(date(2026, 9, 1), date(2026, 10, 31), "village")[VILLAGE]
    # the late one is recorded; one more resolved (2 Oct), one reopened (3 Oct)
    assert (october.recorded, october.resolved) == (101, 85)


def test_figures_refuse_unknown_groupings(ledger: LedgerService) -> None:
    with pytest.raises(ValueError):
        ledger.counts(*SEPTEMBER, "item")
    with pytest.raises(ValueError):
        ledger.counts(date(2026, 9, 30), date(2026, 9, 1), "county")


# -- command line -----------------------------------------------------------------------


def test_ledger_list_and_show_on_the_command_line(
    engine: Engine,
    ledger: LedgerService,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issue = record(engine, ledger).issue
    ledger.transfer(who(engine, "tan.xiaoyan"), issue.id, "转乡上")
    capsys.readouterr()
    assert main(["--database-url", database_url, "ledger", "list", "--status", "open"]) == 0
    out = capsys.readouterr().out
    assert issue.number in out and "138****1234" in out and PHONE not in out
    assert "共 1 件" in out
    assert main(["--database-url", database_url, "ledger", "list", "--status", "resolved"]) == 0
    assert "共 0 件" in capsys.readouterr().out
    assert main(["--database-url", database_url, "ledger", "show", str(issue.id)]) == 0
    out = capsys.readouterr().out
    assert "转办" in out and "转乡上" in out and "青丝社区" in out
    assert main(["--database-url", database_url, "ledger", "show", "999999"]) == 2
