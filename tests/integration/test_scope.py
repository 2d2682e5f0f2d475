"""Scoped access at the engine level: who sees which case and works which task (invariant 8)."""

from __future__ import annotations

from datetime import date, datetime

from engine import Actor, Engine, ManualClock, Principal, read_sources
from engine.clock import SHANGHAI
from engine.policy import acts_on_task, case_scope, may_change_case, sees_case
from engine.records import CaseFilter
from engine.routing import Routing
from tests.support.driving import INTAKE, task_of
from tests.support.paths import SAMPLE

QINGSI, XINMIN, OTHER_VILLAGE, FENGLE = "511725201", "511725201002", "511725201003", "511725202"


def who(user: str, *roles: str, unit: str) -> Principal:
    return Principal(user, user, frozenset(roles), unit)


AGENT = who("agent", "village_agent", unit=XINMIN)
OTHER_AGENT = who("agent2", "village_agent", unit=OTHER_VILLAGE)
WINDOW = who("window", "township_window", unit=QINGSI)
FENGLE_WINDOW = who("fengle", "township_window", unit=FENGLE)
COUNTY = who("county", "county_officer", unit="MZ")
SUPERVISOR = who("sup", "supervisor", unit="511725")


def _cases(engine: Engine) -> dict[str, int]:
    engine.definitions.deploy(read_sources([SAMPLE]))

    def start(routing: Routing) -> int:
        return engine.cases.start(
            "sample_proxy_item", {"submitted_on": "2026-09-24"}, Actor("x"), routing=routing
        ).id

    return {
        "xinmin": start(Routing(QINGSI, XINMIN, "MZ")),
        "other_village": start(Routing(QINGSI, OTHER_VILLAGE, "MZ")),
        "fengle_by_qingsi": start(Routing(FENGLE, None, "MZ", registered_unit=QINGSI)),
        "fengle": start(Routing(FENGLE, None, "MZ")),
    }


def _visible(engine: Engine, principal: Principal) -> set[int]:
    records, total = engine.cases.find(case_scope(principal), CaseFilter(), 0, 100)
    assert total == len(records)
    return {r.id for r in records}


def test_each_role_sees_only_its_scope(engine: Engine) -> None:
    ids = _cases(engine)
    assert _visible(engine, AGENT) == {ids["xinmin"]}
    assert _visible(engine, OTHER_AGENT) == {ids["other_village"]}
    assert _visible(engine, WINDOW) == {
        ids["xinmin"],
        ids["other_village"],
        ids["fengle_by_qingsi"],
    }
    assert _visible(engine, FENGLE_WINDOW) == {ids["fengle_by_qingsi"], ids["fengle"]}
    assert _visible(engine, COUNTY) == set()  # nothing has reached the county yet
    assert _visible(engine, SUPERVISOR) == set(ids.values())
    for principal in (AGENT, WINDOW, FENGLE_WINDOW, COUNTY, SUPERVISOR):
        for case_id in ids.values():
            assert sees_case(principal, engine.cases.record(case_id)) == (
                case_id in _visible(engine, principal)
            )


def test_registering_window_and_supervisors_read_only(engine: Engine) -> None:
    ids = _cases(engine)
    registered = engine.cases.record(ids["fengle_by_qingsi"])
    assert sees_case(WINDOW, registered) and not may_change_case(WINDOW, registered)
    assert may_change_case(FENGLE_WINDOW, registered)
    assert sees_case(SUPERVISOR, registered) and not may_change_case(SUPERVISOR, registered)


def test_filters_and_paging(engine: Engine, clock: ManualClock) -> None:
    ids = _cases(engine)
    records, total = engine.cases.find(case_scope(SUPERVISOR), CaseFilter(township=FENGLE), 0, 1)
    assert total == 2 and len(records) == 1 and records[0].id == ids["fengle"]  # newest first
    records, _ = engine.cases.find(case_scope(SUPERVISOR), CaseFilter(village=XINMIN))
    assert [r.id for r in records] == [ids["xinmin"]]
    created_to = datetime(2026, 9, 24, 0, 0, tzinfo=SHANGHAI)
    assert engine.cases.find(case_scope(SUPERVISOR), CaseFilter(registered_to=created_to))[1] == 0


def test_a_task_of_an_absent_a_post_reaches_the_b_post(engine: Engine) -> None:
    ids = _cases(engine)
    view = engine.cases.get(ids["xinmin"])
    view = engine.cases.complete_task(view.id, task_of(view, "Task_intake"), INTAKE, Actor("agent"))
    view = engine.cases.complete_task(
        view.id, task_of(view, "Task_handover"), {"handover_count": 2}
    )
    review = task_of(view, "Task_township_review")
    engine.cases.claim(view.id, review, Actor("wang.fang"))
    task = engine.cases.task_index(view.id)[0]
    assert (task.lane, task.org_unit, task.claimed_by) == ("township_window", QINGSI, "wang.fang")
    org = engine.org
    b_post = org.users["wang.fang"].deputy
    assert b_post is not None
    deputy = who(b_post, *org.users[b_post].roles, unit=QINGSI)
    fang = who("wang.fang", "township_window", unit=QINGSI)
    # wang.fang is registered absent 28-30 Sep 2026: her claimed task reaches her B post then.
    assert acts_on_task(org, fang, task, date(2026, 9, 24)) == "wang.fang"
    assert acts_on_task(org, deputy, task, date(2026, 9, 24)) is None
    assert acts_on_task(org, deputy, task, date(2026, 9, 29)) == "wang.fang"
    # An unclaimed township task is open to the township's window staff, not to another township.
    engine.cases.release(view.id, review, Actor("wang.fang"))
    task = engine.cases.task_index(view.id)[0]
    assert acts_on_task(org, deputy, task, date(2026, 9, 24)) == b_post
    assert (
        acts_on_task(org, who("pan.hong", "township_window", unit=FENGLE), task, date(2026, 9, 24))
        is None
    )


def test_work_queue_per_role_unit_claims_and_stand_ins(engine: Engine) -> None:
    ids = _cases(engine)
    org = engine.org
    for key in ("xinmin", "other_village"):
        view = engine.cases.get(ids[key])
        view = engine.cases.complete_task(
            view.id, task_of(view, "Task_intake"), INTAKE, Actor("agent")
        )
        engine.cases.complete_task(view.id, task_of(view, "Task_handover"), {"handover_count": 1})
    fang = who("wang.fang", "township_window", unit=QINGSI)
    queue = engine.cases.queue(org, fang, date(2026, 9, 24))
    assert sorted(t.case_id for t in queue) == sorted([ids["xinmin"], ids["other_village"]])
    assert {t.spec_id for t in queue} == {"Task_township_review"}
    # Another township's window does not see them.
    assert (
        engine.cases.queue(org, who("pan.hong", "township_window", unit=FENGLE), date(2026, 9, 24))
        == []
    )
    # wang.fang claims one; it stays in her queue and leaves the open queue of others.
    engine.cases.claim(
        ids["xinmin"],
        queue[0].id if queue[0].case_id == ids["xinmin"] else queue[1].id,
        Actor("wang.fang"),
    )
    b_post = org.users["wang.fang"].deputy
    assert b_post is not None
    deputy = who(b_post, *org.users[b_post].roles, unit=QINGSI)
    assert [t.case_id for t in engine.cases.queue(org, deputy, date(2026, 9, 24))] == [
        ids["other_village"]
    ]
    # On a day wang.fang is registered absent, her B post sees her claimed task as well.
    absent_day = sorted(t.case_id for t in engine.cases.queue(org, deputy, date(2026, 9, 29)))
    assert absent_day == sorted([ids["xinmin"], ids["other_village"]])
