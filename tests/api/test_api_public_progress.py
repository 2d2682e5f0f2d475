"""办件进度查询 (``GET /api/v1/public/progress``): the applicant's anonymous look at a case,
with the case number and the last six characters of their ID number — what it shows,
what it never shows, one answer for "no such case" and "wrong digits", and its limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import ManualClock
from engine.progress import CLIENT_LIMIT, CLIENT_WINDOW, NOT_FOUND, NUMBER_LIMIT, NUMBER_WINDOW
from tests.support.databases import Deployed
from tests.support.walks import (
    APPLICANT,
    PROXY_ITEM,
    QINGSI_COMMUNITY,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)

URL = "/api/v1/public/progress"
CHECK_MATERIALS = "材料审查"  # Task_check_materials of common_intake.bpmn
TAIL = APPLICANT["id_number"][-6:]  # "31002X"
FIELDS = {
    "case_number",
    "item_code",
    "item_name",
    "status",
    "status_name",
    "registered_on",
    "due_date",
    "overdue",
    "completed_on",
    "steps_done",
    "current",
    "waiting",
    "missing",
}


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def lookup(client: FlaskClient, number: str, tail: str, address: str = "127.0.0.1") -> TestResponse:
    return client.get(
        URL, query_string={"number": number, "id_tail": tail}, environ_base={"REMOTE_ADDR": address}
    )


def assert_nothing_personal(counter: Counter, response: TestResponse) -> None:
    raw = response.get_data(as_text=True)
    for value in (*APPLICANT.values(), APPLICANT["id_number"][:6]):
        assert value not in raw
    for user in counter.engine.org.users.values():
        assert user.name not in raw, user.name
        assert user.id not in raw, user.id


def test_progress_of_a_real_case(counter: Counter, clock: ManualClock) -> None:
    at(clock, "2026-09-24")
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    number = case["case_number"]
    counter.act("wang.fang", case["id"], "Task_check_materials", {"intake_decision": "accept"})
    at(clock, "2026-09-25")

    response = counter.client.get(URL, query_string={"number": number, "id_tail": TAIL.lower()})
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    assert set(body) == FIELDS
    assert body["case_number"] == number
    assert (body["item_code"], body["item_name"]) == (WINDOW_ITEM.code, WINDOW_ITEM.name)
    assert (body["status"], body["status_name"]) == ("open", "在办")
    assert body["registered_on"] == "2026-09-24"
    detail = counter.case("wang.fang", case["id"])
    assert body["due_date"] == detail["due_date"] and body["overdue"] is False
    assert body["completed_on"] is None
    assert [(s["unit_name"], s["done_on"]) for s in body["steps_done"]] == [
        ("青丝乡", "2026-09-24")
    ]
    assert body["steps_done"][0]["name"] == CHECK_MATERIALS
    open_steps = [(t["name"], t["org_unit_name"]) for t in detail["tasks"]]
    assert [(s["name"], s["unit_name"]) for s in body["current"]] == open_steps
    assert all(s["since"] == "2026-09-24" for s in body["current"])
    assert body["waiting"] == [] and body["missing"] == []
    assert_nothing_personal(counter, response)
    # The upper-case X finds it too.
    assert lookup(counter.client, number, TAIL.upper()).get_json() == body


def test_a_supplement_request_shows_what_is_missing(counter: Counter, clock: ManualClock) -> None:
    case = counter.register("wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window")
    case_id, number = case["id"], case["case_number"]
    counter.act(
        "wang.fang",
        case_id,
        "Task_check_materials",
        {"intake_decision": "supplement", "missing_materials": "户口簿（原件）、居住证明"},
    )
    counter.act(
        "wang.fang", case_id, "Task_supplement_notice", {"supplement_notice_no": "BZ-2026-017"}
    )
    response = lookup(counter.client, number, TAIL)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["waiting"] == [{"name": "materials_resubmitted", "title": "申请人补正材料"}]
    assert body["missing"] == ["户口簿（原件）", "居住证明"]
    assert body["current"] == []
    assert len(body["steps_done"]) == 2
    assert_nothing_personal(counter, response)

    # The materials come: nothing is missing any more.
    resubmitted = counter.message(
        "wang.fang", case_id, "materials_resubmitted", {"materials": ["户口簿"]}
    )
    assert resubmitted.status_code == 200, resubmitted.get_json()
    body = lookup(counter.client, number, TAIL).get_json()
    assert body["waiting"] == [] and body["missing"] == []
    assert [s["name"] for s in body["current"]] == [
        t["name"] for t in resubmitted.get_json()["tasks"]
    ]


def test_no_such_case_and_wrong_digits_answer_alike(counter: Counter) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    number = case["case_number"]
    unknown = str(int(number) + 1)
    wrong = lookup(counter.client, number, "123456", "10.0.0.1")
    missing = lookup(counter.client, unknown, "123456", "10.0.0.1")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.get_data() == missing.get_data()

    def alike(headers: Any) -> list[tuple[str, str]]:  # each answer has its own request id
        return sorted((k, v) for k, v in headers.items() if k != "X-Request-Id")

    assert alike(wrong.headers) == alike(missing.headers)
    problem = wrong.get_json()
    assert problem["code"] == "not_found" and problem["detail"] == NOT_FOUND
    assert wrong.mimetype == "application/problem+json"
    # A token changes nothing: the lookup is the same for staff.
    headers = {"Authorization": f"Bearer {counter.token('wang.fang')}"}
    staff = counter.client.get(
        URL, query_string={"number": number, "id_tail": "123456"}, headers=headers
    )
    assert staff.get_data() == wrong.get_data()


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"number", "id_tail"}),
        ({"number": "123456789", "id_tail": "31002X"}, {"number"}),
        ({"number": "1" * 41, "id_tail": "31002X"}, {"number"}),
        ({"number": "51172520100120260924000a", "id_tail": "31002X"}, {"number"}),
        ({"number": "5117252010012026092400011", "id_tail": "1002X"}, {"id_tail"}),
        ({"number": "5117252010012026092400011", "id_tail": "31002Y"}, {"id_tail"}),
        ({"number": "5117252010012026092400011", "id_tail": "310020 "}, {"id_tail"}),
        ({"number": "5117252010012026092400011", "id_tail": "31002X", "name": "张"}, {"name"}),
    ],
)
def test_malformed_parameters(client: FlaskClient, query: dict[str, str], fields: set[str]) -> None:
    response = client.get(URL, query_string=query)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "validation_failed"
    assert {e["field"] for e in problem["errors"]} == fields
    assert all(e["in"] == "query" and not e["reason"].isascii() for e in problem["errors"])


def test_lookups_per_client_address(counter: Counter, clock: ManualClock) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    number = case["case_number"]
    for _ in range(CLIENT_LIMIT):
        assert lookup(counter.client, number, TAIL, "10.1.1.1").status_code == 200
    refused = lookup(counter.client, number, TAIL, "10.1.1.1")
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= CLIENT_WINDOW.total_seconds()
    # Other clients are not held up; this one may look again once the period is over.
    assert lookup(counter.client, number, TAIL, "10.1.1.2").status_code == 200
    clock.advance(CLIENT_WINDOW + timedelta(seconds=1))
    assert lookup(counter.client, number, TAIL, "10.1.1.1").status_code == 200


def test_failed_lookups_per_case_number(counter: Counter, clock: ManualClock) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    number = case["case_number"]
    for n in range(NUMBER_LIMIT):
        assert lookup(counter.client, number, f"{n:06d}", f"10.2.0.{n}").status_code == 404
    refused = lookup(counter.client, number, "999999", "10.2.1.1")
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= NUMBER_WINDOW.total_seconds()
    # The right digits wait too, from anywhere, until the period ends.
    right = lookup(counter.client, number, TAIL, "10.2.1.2")
    assert right.status_code == 429 and right.get_data() == refused.get_data()
    clock.advance(NUMBER_WINDOW + timedelta(seconds=1))
    assert lookup(counter.client, number, TAIL, "10.2.1.2").status_code == 200


def test_right_lookups_do_not_count_against_the_number(counter: Counter) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    number = case["case_number"]
    for n in range(NUMBER_LIMIT - 1):
        assert lookup(counter.client, number, f"{n:06d}", f"10.3.0.{n}").status_code == 404
    for n in range(3):
        assert lookup(counter.client, number, TAIL, f"10.3.1.{n}").status_code == 200
    assert lookup(counter.client, number, "999999", "10.3.2.1").status_code == 404
    assert lookup(counter.client, number, TAIL, "10.3.2.2").status_code == 429


def test_an_unknown_number_is_limited_like_a_real_one(client: FlaskClient) -> None:
    number = "5117252010012026092499999"
    answers = [lookup(client, number, "123456", f"10.4.0.{n}") for n in range(NUMBER_LIMIT + 1)]
    assert [a.status_code for a in answers] == [404] * NUMBER_LIMIT + [429]
    assert answers[-1].headers["Retry-After"]
