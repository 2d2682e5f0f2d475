"""Who acts next and when a case is due, at the engine level: a case's open tasks with the
people who may take each on the engine's day, and the due rule of a registration."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine import Actor, Engine, ManualClock, Principal
from engine.clock import SHANGHAI
from engine.policy import Candidate
from engine.registration import Applicant, DueRule, Registration
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, CATALOGUE, QINGSI, QINGSI_COMMUNITY, WALKED, WINDOW_ITEM

ON_THE_SPOT = CATALOGUE["RS010"]  # 社会保障卡挂失 (即办件)
WINDOW = Principal("wang.fang", "王芳", frozenset({"township_window"}), QINGSI)


@pytest.fixture
def deployed() -> Deployed:
    return (*WALKED, BPMN / "items" / f"{ON_THE_SPOT.process_id}.bpmn")


def register(engine: Engine, code: str) -> int:
    applicant = Applicant(**{**APPLICANT, "village": QINGSI_COMMUNITY})
    view = engine.registration.register(WINDOW, Registration(code, applicant, "township_window"))
    return view.id


def test_due_rules_of_an_item_due_after_acceptance_and_an_on_the_spot_one(engine: Engine) -> None:
    window_case = engine.cases.get(register(engine, WINDOW_ITEM.code))
    assert window_case.due_date is None
    assert engine.registration.due_rule(window_case) == DueRule(
        "acceptance", 3, "working_days", False, "受理之日起 3 个工作日内办结"
    )
    spot_case = engine.cases.get(register(engine, ON_THE_SPOT.code))
    rule = engine.registration.due_rule(spot_case)
    assert rule == DueRule("acceptance", 0, "working_days", True, "即办件：受理后当场办结")
    assert rule.limit_working_days == 0
    # Accepted: the clock has started, the rule stays the one it was.
    [task] = spot_case.tasks
    accepted = engine.cases.complete_task(
        spot_case.id, task.id, {"intake_decision": "accept"}, Actor("wang.fang")
    )
    assert accepted.due_date is not None and accepted.due_date.isoformat() == "2026-09-24"
    assert engine.registration.due_rule(accepted) == rule


def test_open_tasks_name_who_may_take_them_on_the_engines_day(
    engine: Engine, clock: ManualClock
) -> None:
    case_id = register(engine, WINDOW_ITEM.code)
    [task] = engine.cases.open_tasks(engine.org, case_id)
    assert (task.spec_id, task.role, task.role_name) == (
        "Task_check_materials",
        "township_window",
        "乡镇便民服务中心窗口（A岗）",
    )
    assert (task.org_unit, task.org_unit_name, task.claimed_by_name) == (QINGSI, "青丝乡", None)
    window = ["wang.fang", "liu.yang", "zhang.min", "huang.li"]
    assert [c.user for c in task.candidates] == window
    engine.cases.claim(case_id, task.id, Actor("wang.fang"))
    [task] = engine.cases.open_tasks(engine.org, case_id)
    assert task.candidates == [Candidate("wang.fang", "王芳")]
    assert task.claimed_by_name == "王芳"
    # 王芳 is registered absent from 28 September: her B post 刘洋 takes her task.
    clock.set(datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI))
    [task] = engine.cases.open_tasks(engine.org, case_id)
    assert task.candidates == [Candidate("liu.yang", "刘洋", "wang.fang", "王芳")]
    assert task.overdue is False  # due at the end of the 28th (25 September is 中秋节)
    clock.set(datetime(2026, 9, 29, 8, 0, tzinfo=SHANGHAI))
    [task] = engine.cases.open_tasks(engine.org, case_id)
    assert task.overdue is True
