"""好差评 by the resident: the one-time link a case gets when it comes to wait for its
rating, the public endpoints that show and take the rating (one per case, one answer for
an unknown and a used link, rate-limited), ratings staff enter from paper or the rating
pad (flagged), the township's appeal and the supervisor's ruling, and the figures that
count only the resident's own ratings and show the others apart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine, ManualClock
from engine.clock import SHANGHAI
from engine.ratings import CaseRatings
from engine.ratings.links import CLIENT_LIMIT
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, waiting_for_rating

ITEM = "zf002"  # a devolved window item of 青丝乡 (its leader approves)
PUBLIC = "/api/v1/public/ratings"
SUBJECT_FIELDS = {"case_number", "item_code", "item_name", "unit_name", "registered_on"}


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"item_{ITEM}.bpmn")


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def waiting(client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock) -> int:
    return waiting_for_rating(client, tokens["wang.fang"], engine, clock, ITEM)


def link_of(client: FlaskClient, tokens: dict[str, str], case_id: int) -> str:
    shown = client.get(f"/api/v1/cases/{case_id}/ratings", headers=auth(tokens, "wang.fang"))
    assert shown.status_code == 200, shown.get_json()
    url: str = shown.get_json()["invitation_url"]
    return url


def token_of(client: FlaskClient, tokens: dict[str, str], case_id: int) -> str:
    return link_of(client, tokens, case_id).split("#", 1)[1]


def events(engine: Engine, case_id: int) -> list[Any]:
    with engine.store.unit_of_work(write=False) as uow:
        return [event for event, _ in uow.events.of_case(case_id)]


def figures(client: FlaskClient, tokens: dict[str, str], clock: ManualClock) -> dict[str, Any]:
    day = clock.now().astimezone(SHANGHAI).date().isoformat()
    shown = client.get(f"/api/v1/stats?from={day}&to={day}", headers=auth(tokens, "sun.hong"))
    assert shown.status_code == 200, shown.get_json()
    total: dict[str, Any] = shown.get_json()["total"]
    return total


def post(client: FlaskClient, token: str, body: Any, address: str = "127.0.0.1") -> TestResponse:
    return client.post(f"{PUBLIC}/{token}", json=body, environ_base={"REMOTE_ADDR": address})


def test_the_resident_rates_once_through_the_link(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting(client, tokens, engine, clock)
    link = link_of(client, tokens, case_id)
    assert link.startswith(f"{engine.public_url}/rating#")
    token = link.split("#", 1)[1]
    assert len(token) >= 22  # at least 128 bits of secrets.token_urlsafe
    assert engine.ratings.invitation_url(case_id) == link  # shown again, the same
    # The supervisor sees the case, but is no one to hand the link to the resident.
    supervised = client.get(f"/api/v1/cases/{case_id}/ratings", headers=auth(tokens, "sun.hong"))
    assert supervised.get_json() == {"waiting": True, "invitation_url": None, "ratings": []}

    subject = client.get(f"{PUBLIC}/{token}")
    assert subject.status_code == 200, subject.get_json()
    assert subject.headers["Cache-Control"] == "no-store"
    shown = subject.get_json()
    assert set(shown) == SUBJECT_FIELDS
    assert shown["item_code"] == ITEM.upper() and shown["unit_name"] == "青丝乡"
    number = engine.cases.record(case_id).case_number or ""
    assert shown["case_number"] == "*" * (len(number) - 4) + number[-4:]
    raw = subject.get_data(as_text=True)
    for value in (APPLICANT["id_number"], "张三", number):
        assert value not in raw

    rated = post(client, token, {"level": 5, "comment": "办得快"})
    assert rated.status_code == 200, rated.get_json()
    assert rated.get_json() == {
        "level": "very_satisfied",
        "level_name": "非常满意",
        "message": "感谢您的评价！",
    }
    assert engine.cases.get(case_id).status == "completed"
    last = events(engine, case_id)[-1]
    assert (last.type, last.actor, last.actor_role) == ("message_received", "resident", "resident")
    assert last.payload == {
        "name": "rating",
        "payload": {"level": "very_satisfied", "comment": "办得快"},
        "rating_channel": "link",
    }
    assert engine.audit.verify(case_id).ok

    # One rating per case: the used link answers as a link that never existed.
    again = post(client, token, {"level": 1, "reasons": ["slow"]})
    unknown = post(client, "x" * len(token), {"level": 1, "reasons": ["slow"]})
    assert again.status_code == unknown.status_code == 404
    assert again.get_data() == unknown.get_data()
    assert again.get_json()["code"] == "not_found"
    assert (
        client.get(f"{PUBLIC}/{token}").get_data() == client.get(f"{PUBLIC}/{'x' * 32}").get_data()
    )
    assert engine.ratings.invitation_url(case_id) is None
    # The token is forgotten once used: only its hash stays.
    with engine.store.unit_of_work(write=False) as uow:
        invitation = uow.ratings.of_case(case_id)
    assert invitation is not None and invitation.token is None
    assert invitation.used_seq == last.seq

    shown_ratings = client.get(
        f"/api/v1/cases/{case_id}/ratings", headers=auth(tokens, "wang.fang")
    )
    [rating] = shown_ratings.get_json()["ratings"]
    assert (rating["channel"], rating["genuine"], rating["entered_by"]) == ("link", True, None)


def test_a_bad_rating_needs_a_reason_and_goes_to_rectification(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting(client, tokens, engine, clock)
    token = token_of(client, tokens, case_id)
    for body, field in (
        ({"level": 2}, "reasons"),
        ({"level": 0}, "level"),
        ({"level": "5"}, "level"),
        ({"level": 1, "reasons": ["bored"]}, "reasons.0"),
    ):
        refused = post(client, token, body)
        assert refused.status_code == 422, (body, refused.get_json())
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["errors"][0]["field"] == field, body
    assert engine.cases.get(case_id).waiting_messages == ["rating"]

    rated = post(client, token, {"level": 2, "reasons": ["slow", "many_trips"]})
    assert rated.status_code == 200, rated.get_json()
    assert rated.get_json()["level"] == "dissatisfied"
    assert "整改" in rated.get_json()["message"]
    view = engine.cases.get(case_id)
    assert [t.spec_id for t in view.tasks] == ["Task_rectify"]
    assert events(engine, case_id)[-1].payload["payload"]["reasons"] == ["slow", "many_trips"]


def test_staff_cannot_rate_but_enter_a_paper_rating_flagged_apart(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting(client, tokens, engine, clock)
    token = token_of(client, tokens, case_id)
    before = figures(client, tokens, clock)
    faked = client.post(
        f"/api/v1/cases/{case_id}/messages/rating",
        json={"level": "very_satisfied"},
        headers=auth(tokens, "wang.fang"),
    )
    assert faked.status_code == 403 and faked.mimetype == "application/problem+json"
    assert faked.get_json()["code"] == "resident_only"
    assert "群众本人" in faked.get_json()["detail"]
    # The supervisor reads the case, and may enter nothing.
    url = f"/api/v1/cases/{case_id}/ratings"
    paper = {"level": 4, "channel": "paper", "comment": "纸质评价表"}
    read_only = client.post(url, json=paper, headers=auth(tokens, "sun.hong"))
    assert (read_only.status_code, read_only.get_json()["code"]) == (403, "read_only")
    wrong = client.post(url, json={**paper, "channel": "link"}, headers=auth(tokens, "wang.fang"))
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "channel"

    entered = client.post(url, json=paper, headers=auth(tokens, "wang.fang"))
    assert entered.status_code == 200, entered.get_json()
    assert entered.get_json()["status"] == "completed"
    last = events(engine, case_id)[-1]
    assert (last.actor, last.actor_role) == ("wang.fang", "township_window")
    assert last.payload["rating_channel"] == "paper"
    # The case is rated: its link is used up.
    assert post(client, token, {"level": 5}).status_code == 404
    again = client.post(url, json=paper, headers=auth(tokens, "wang.fang"))
    assert (again.status_code, again.get_json()["code"]) == (409, "invalid_state")

    [rating] = client.get(url, headers=auth(tokens, "wang.fang")).get_json()["ratings"]
    assert (rating["channel"], rating["genuine"], rating["entered_by"]) == (
        "paper",
        False,
        "wang.fang",
    )
    after = figures(client, tokens, clock)
    assert after["ratings"] == before["ratings"]  # not the resident's own: not counted
    assert after["entered_ratings"] == before["entered_ratings"] + 1
    assert after["satisfaction_rate"] == before["satisfaction_rate"]


def test_the_township_appeals_and_the_supervisor_rules(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting(client, tokens, engine, clock)
    url = f"/api/v1/cases/{case_id}/ratings"
    early = client.post(f"{url}/appeal", json={"reason": "x"}, headers=auth(tokens, "chen.jing"))
    assert (early.status_code, early.get_json()["code"]) == (409, "invalid_state")
    token = token_of(client, tokens, case_id)
    assert post(client, token, {"level": 1, "reasons": ["attitude"]}).status_code == 200
    before = figures(client, tokens, clock)
    assert before["ratings"] == 1 and before["bad_ratings"] == 1

    appeal = {"reason": "申请人未到窗口办理，评价与本件无关"}
    for user, status, code in (
        ("tan.xiaoyan", 404, "not_found"),  # another village's agent: out of scope
        ("sun.hong", 403, "forbidden"),  # the supervisor rules, it does not appeal
        ("pan.hong", 403, "forbidden"),  # 丰乐乡's window: registered nothing here, sees it?
    ):
        refused = client.post(f"{url}/appeal", json=appeal, headers=auth(tokens, user))
        if refused.status_code == 404:
            assert refused.get_json()["code"] == "not_found", user
            continue
        assert (refused.status_code, refused.get_json()["code"]) == (status, code), user
    empty = client.post(f"{url}/appeal", json={"reason": ""}, headers=auth(tokens, "chen.jing"))
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "reason"

    appealed = client.post(f"{url}/appeal", json=appeal, headers=auth(tokens, "chen.jing"))
    assert appealed.status_code == 200, appealed.get_json()
    [rating] = appealed.get_json()["ratings"]
    assert rating["appeal"]["by"] == "chen.jing" and rating["appeal"]["upheld"] is None
    twice = client.post(f"{url}/appeal", json=appeal, headers=auth(tokens, "wang.fang"))
    assert (twice.status_code, twice.get_json()["code"]) == (409, "invalid_state")

    ruling = {"upheld": True, "opinion": "经核查，申诉成立"}
    not_theirs = client.post(
        f"{url}/appeal/decision", json=ruling, headers=auth(tokens, "chen.jing")
    )
    assert (not_theirs.status_code, not_theirs.get_json()["code"]) == (403, "forbidden")
    decided = client.post(f"{url}/appeal/decision", json=ruling, headers=auth(tokens, "sun.hong"))
    assert decided.status_code == 200, decided.get_json()
    [rating] = decided.get_json()["ratings"]
    assert rating["appeal"]["upheld"] is True and rating["appeal"]["decided_by"] == "sun.hong"
    assert rating["genuine"] is False
    again = client.post(f"{url}/appeal/decision", json=ruling, headers=auth(tokens, "sun.hong"))
    assert (again.status_code, again.get_json()["code"]) == (409, "invalid_state")

    # Both are notes in the hash-chained history, labelled, and verify passes over them.
    kinds = [(e.type, e.actor, e.actor_role) for e in events(engine, case_id)[-2:]]
    assert kinds == [
        ("rating_appealed", "chen.jing", "township_leader"),
        ("rating_appeal_decided", "sun.hong", "supervisor"),
    ]
    assert engine.audit.verify(case_id).ok
    history = client.get(f"/api/v1/cases/{case_id}/history", headers=auth(tokens, "sun.hong"))
    names = {e["type"]: e["type_name"] for e in history.get_json()["events"]}
    assert (names["rating_appealed"], names["rating_appeal_decided"]) == (
        "评价申诉",
        "评价申诉裁定",
    )

    after = figures(client, tokens, clock)
    assert after["ratings"] == before["ratings"] - 1 and after["bad_ratings"] == 0
    assert after["appeal_upheld_ratings"] == before["appeal_upheld_ratings"] + 1
    assert after["satisfaction_rate"] is None


def test_a_link_whose_rating_period_ended_is_closed(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting(client, tokens, engine, clock)
    token = token_of(client, tokens, case_id)
    clock.advance(timedelta(days=4))  # 3 days: the invitation; still open to rating
    engine.cases.tick()
    assert engine.cases.get(case_id).waiting_messages == ["rating"]
    assert engine.ratings.invitation_url(case_id) == f"{engine.public_url}/rating#{token}"
    clock.advance(timedelta(days=16))  # 15 more days: the rating period ends
    engine.cases.tick()
    assert engine.cases.get(case_id).status == "completed"
    for response in (client.get(f"{PUBLIC}/{token}"), post(client, token, {"level": 5})):
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["code"] == "rating_closed"
        assert "评价期已结束" in response.get_json()["detail"]
    # (the staff's tokens have expired meanwhile: the service answers for them)
    assert engine.ratings.of_case(case_id, with_link=True) == CaseRatings(False, None, [])


def test_guessing_is_limited_per_address(client: FlaskClient) -> None:
    for attempt in range(CLIENT_LIMIT):
        answer = client.get(
            f"{PUBLIC}/{'g' * 32}{attempt}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert answer.status_code == 404, attempt
    limited = post(client, "g" * 32, {"level": 5}, address="10.0.0.9")
    assert limited.status_code == 429 and limited.get_json()["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    other = client.get(f"{PUBLIC}/{'g' * 32}", environ_base={"REMOTE_ADDR": "10.0.0.10"})
    assert other.status_code == 404


def test_the_public_operations_are_open_and_the_others_need_an_account(
    client: FlaskClient,
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    public = document["paths"]["/api/v1/public/ratings/{token}"]
    for method in ("get", "post"):
        assert public[method]["security"] == []
        assert {"200", "404", "409", "429"} <= set(public[method]["responses"])
    staff = document["paths"]["/api/v1/cases/{case_id}/ratings"]
    assert staff["post"]["security"] == [{"bearerAuth": []}]
    for path in ("/appeal", "/appeal/decision"):
        operation = document["paths"][f"/api/v1/cases/{{case_id}}/ratings{path}"]["post"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
