"""What the logs show of a case worked through the API: one line per state change,
refusal and conflict, with identifiers only — the applicant's name, ID number and phone
never appear, in the plain and in the JSON format alike."""

from __future__ import annotations

import json
import logging

import pytest

from engine.logs import JsonFormatter, PlainFormatter
from tests.support.databases import Deployed
from tests.support.walks import APPLICANT, SHIQIAO, WALKED, WINDOW_ITEM, Counter


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def events(caplog: pytest.LogCaptureFixture) -> list[tuple[str, dict[str, object]]]:
    return [
        (r.event, dict(r.fields))  # type: ignore[attr-defined]
        for r in caplog.records
        if hasattr(r, "event")
    ]


def test_a_case_at_the_window_leaves_a_trail_without_personal_data(
    counter: Counter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        case = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
        case_id = case["id"]
        # an outsider is refused as "not found"; a colleague meets a claimed task
        assert counter.get("pan.hong", f"/api/v1/cases/{case_id}").status_code == 404
        task = counter.find("wang.fang", case_id, "Task_check_materials")
        url = f"/api/v1/tasks/{task['id']}"
        assert counter.post("wang.fang", f"{url}/claim").status_code == 200
        taken = counter.post("liu.yang", f"{url}/claim")
        assert taken.status_code == 409
        done = counter.post("wang.fang", f"{url}/complete", {"intake_decision": "accept"})
        assert done.status_code == 200, done.get_json()

    logged = events(caplog)
    names = [name for name, _ in logged]
    for expected in (
        "login_succeeded",
        "case_started",
        "case_registered",
        "task_claimed",
        "task_completed",
        "request_refused",  # the outsider's 404
        "request_conflict",  # the colleague's 409
    ):
        assert expected in names, expected
    started = dict(logged)["case_registered"]
    assert (started["case"], started["item"], started["user"]) == (
        case_id,
        WINDOW_ITEM.code,
        "wang.fang",
    )
    completed = [f for n, f in logged if n == "task_completed"]
    assert [(f["case"], f["task"], f["user"]) for f in completed] == [
        (case_id, task["id"], "wang.fang")
    ]

    secrets = (APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"], APPLICANT["address"])
    for formatter in (PlainFormatter(), JsonFormatter()):
        for record in caplog.records:
            line = formatter.format(record)
            if isinstance(formatter, JsonFormatter):
                json.loads(line)
            for secret in secrets:
                assert secret not in line, (secret, line)
