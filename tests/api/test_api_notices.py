"""The notice outbox through the HTTP API: a case registered and accepted at the window
gives the resident an acceptance notice, listed for the administrator with the phone
masked; nobody else may see or retry notices; a dead notice is sent again on request."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from engine.notices import HttpGateway, SendPolicy
from tests.support.databases import Deployed
from tests.support.sms_gateway import KEY, fake_gateway
from tests.support.walks import APPLICANT, QINGSI_COMMUNITY, WALKED, WINDOW_ITEM, Counter

ADMIN, WINDOW, LEADER, SUPERVISOR = "he.jun", "wang.fang", "zhao.gang", "sun.hong"
NOTICES = "/api/v1/notices"


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def accepted(counter: Counter) -> dict[str, Any]:
    case = counter.register(WINDOW, WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    return counter.act(WINDOW, case["id"], "Task_check_materials", {"intake_decision": "accept"})


def test_the_administrator_lists_notices_with_the_phone_masked(
    counter: Counter, engine: Engine
) -> None:
    case = accepted(counter)
    response = counter.get(ADMIN, f"{NOTICES}?case={case['id']}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 1
    [notice] = body["items"]
    assert (notice["kind"], notice["kind_name"]) == ("accepted", "受理通知")
    assert (notice["state"], notice["state_name"], notice["attempts"]) == ("pending", "待发送", 0)
    assert notice["case_number"] == case["case_number"]
    assert notice["phone"] == "138****1234"
    assert APPLICANT["phone"] not in response.get_data(as_text=True)
    assert WINDOW_ITEM.name in notice["text"] and case["case_number"] in notice["text"]
    assert notice["idempotency_id"].startswith(engine.cases.record(case["id"]).uid + "-accepted-")
    assert counter.get(ADMIN, f"{NOTICES}?state=sent").get_json()["total"] == 0
    assert counter.get(ADMIN, f"{NOTICES}?kind=refused").get_json()["items"] == []


@pytest.mark.parametrize("user", [WINDOW, LEADER, SUPERVISOR])
def test_nobody_but_the_administrator_sees_or_retries_notices(counter: Counter, user: str) -> None:
    accepted(counter)
    [notice] = counter.get(ADMIN, NOTICES).get_json()["items"]
    for response in (
        counter.get(user, NOTICES),
        counter.post(user, f"{NOTICES}/{notice['id']}/retry"),
    ):
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["detail"] == "只有系统管理员可以查看短信通知的发送情况或重发通知"


def test_bad_filters_are_named(counter: Counter) -> None:
    response = counter.get(ADMIN, f"{NOTICES}?state=lost&case=0&kind=x")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = {e["field"]: (e["in"], e["reason"]) for e in response.get_json()["errors"]}
    assert set(errors) == {"state", "case", "kind"}
    assert all(place == "query" for place, _ in errors.values())


def test_a_dead_notice_is_sent_again_on_request(counter: Counter, engine: Engine) -> None:
    accepted(counter)
    [notice] = counter.get(ADMIN, NOTICES).get_json()["items"]
    refused = counter.post(ADMIN, f"{NOTICES}/{notice['id']}/retry")
    assert refused.status_code == 409 and refused.get_json()["code"] == "invalid_state"
    assert counter.post(ADMIN, f"{NOTICES}/{notice['id'] + 99}/retry").status_code == 404
    with fake_gateway(refuse_with=400) as gateway:
        channel = HttpGateway(gateway.url, "签名", {"accepted": "SMS_001"}, KEY)
        engine.notices.send_due(channel, SendPolicy(), "worker")
    [dead] = counter.get(ADMIN, f"{NOTICES}?state=dead").get_json()["items"]
    assert (dead["state_name"], dead["last_error"]) == ("发送失败", "短信网关拒绝（HTTP 400）")
    retried = counter.post(ADMIN, f"{NOTICES}/{notice['id']}/retry")
    assert retried.status_code == 200, retried.get_json()
    assert (retried.get_json()["state"], retried.get_json()["attempts"]) == ("pending", 0)
    assert retried.get_json()["idempotency_id"] == notice["idempotency_id"]
