"""An excluded period over HTTP: the case view and its history show the moved due date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from engine import Actor, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.simulate import fill_form
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, SHIQIAO, Counter

LOW_INCOME = CATALOGUE["MZ001"]


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"{LOW_INCOME.process_id}.bpmn")


def do(engine: Engine, case_id: int, spec_id: str, today: str, **data: Any) -> None:
    view = engine.cases.get(case_id)
    task = next(t for t in view.tasks if t.spec_id == spec_id)
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    engine.cases.complete_task(case_id, task.id, fill_form(form, data, today), Actor("tester"))


def test_case_and_history_show_the_notice_moving_the_due_date(
    counter: Counter, clock: ManualClock
) -> None:
    engine = counter.engine
    case = counter.register("wang.fang", LOW_INCOME, SHIQIAO, "township_window")
    assert case["due_rule"]["text"] == "受理之日起 25 个工作日内办结（公示期间不计入）"
    for spec in (
        "Task_check_materials",
        "Task_household_survey",
        "Task_income_check",
        "Task_democratic_review",
        "Task_first_review",
        "Task_backoffice_review",
        "Task_leader_approval",
        "Task_publish_notice",
    ):
        do(engine, case["id"], spec, "2026-09-24")
    assert counter.case("wang.fang", case["id"])["due_date"] == "2026-11-05"
    clock.set(datetime(2026, 10, 9, 9, tzinfo=SHANGHAI))
    engine.cases.tick()
    # The 7-day notice from Thu 09-24 ran to 10-08 (10-01 is a holiday): its working days
    # 09-28, 09-29, 09-30, 10-08 are not counted; 11-05 + 4 working days → 11-11.
    assert counter.case("wang.fang", case["id"])["due_date"] == "2026-11-11"
    history = counter.get("wang.fang", f"/api/v1/cases/{case['id']}/history").get_json()
    [moved] = [e for e in history["events"] if e["type"] == "due_date_extended"]
    assert moved["type_name"] == "扣除不计时期间，顺延期限"
    assert moved["actor"] == "system:limits"
    assert (moved["data"]["old_due_date"], moved["data"]["new_due_date"]) == (
        "2026-11-05",
        "2026-11-11",
    )
    labels, values = history["labels"], history["value_labels"]
    assert (labels["period"], values["period"]["public_notice"]) == (
        "不计入办理时限的期间",
        "公示期间",
    )
    assert labels["new_due_date"] == "顺延后的办结期限"
    assert values["limit_unit"]["working_days"] == "工作日"
    assert counter.get("wang.fang", f"/api/v1/cases/{case['id']}/verify").get_json()["ok"]
