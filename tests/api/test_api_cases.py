"""Cases and tasks over HTTP: registration through each channel, scoping, tasks."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from processes.catalogue import Item
from processes.patterns import mask_id, mask_phone
from tests.support.module_fixtures import module_engine
from tests.support.paths import LIBRARY
from tests.support.shipped import shipped_catalogue

ID = "11010519491231002X"
PROXY_ITEM: Item = next(
    i
    for i in sorted(shipped_catalogue(), key=lambda i: i.code)
    if i.decided_at == "T->C" and i.proxy_allowed and i.initiated_by == "applicant"
)


clock, engine = module_engine(LIBRARY)


def auth(tokens: dict[str, str], user: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}", **headers}


def body(village: str = "511725201001", channel: str = "village_point", **extra: Any) -> Any:
    return {
        "item_code": PROXY_ITEM.code,
        "applicant": {
            "name": "张三",
            "id_number": ID,
            "phone": "13800001234",
            "address": "青丝街 1 号",
            "village": village,
        },
        "channel": channel,
        "materials": [PROXY_ITEM.materials[0].name] if PROXY_ITEM.materials else [],
        **extra,
    }


def register(client: FlaskClient, tokens: dict[str, str], user: str, **kw: Any) -> Any:
    response = client.post("/api/v1/cases", json=body(**kw), headers=auth(tokens, user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_masking() -> None:
    assert mask_id(ID) == "110105********002X"
    assert mask_phone("13800001234") == "138****1234"


def test_village_agent_registers_a_proxy_item(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = register(client, tokens, "tan.xiaoyan")
    assert case["case_number"].startswith("511725201001")
    assert case["item_code"] == PROXY_ITEM.code and case["status"] == "open"
    assert case["receipt"]["applicant"] == "张三（110105********002X）"
    assert case["receipt"]["registered_at"].endswith("+08:00")
    assert [t["spec_id"] for t in case["tasks"]] == ["Task_entrust"]
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=auth(tokens, "tan.xiaoyan"))
    assert detail.status_code == 200
    assert detail.get_json()["applicant"]["id_number"] == ID
    assert detail.get_json()["read_only"] is False


def test_invalid_registration_lists_every_field(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    bad = body()
    bad["applicant"] = {
        "name": "",
        "id_number": "110105194912310021",
        "phone": "12",
        "village": "1",
    }
    bad["channel"] = "fax"
    response = client.post("/api/v1/cases", json=bad, headers=auth(tokens, "tan.xiaoyan"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert fields >= {
        "applicant.name",
        "applicant.id_number",
        "applicant.phone",
        "applicant.village",
        "channel",
    }
    # another village's resident at the agent's own point
    response = client.post(
        "/api/v1/cases", json=body(village="511725201002"), headers=auth(tokens, "tan.xiaoyan")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["channel"]


def test_idempotent_retry_returns_the_same_case(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    headers = auth(tokens, "tan.xiaoyan", **{"Idempotency-Key": "retry-1"})
    first = client.post("/api/v1/cases", json=body(), headers=headers)
    again = client.post("/api/v1/cases", json=body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]


def test_county_wide_registration_and_scope(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = register(client, tokens, "wang.fang", village="511725202003", channel="township_window")
    url = f"/api/v1/cases/{case['id']}"
    assert case["case_number"].startswith("511725202003")
    mine = client.get(url, headers=auth(tokens, "pan.hong")).get_json()
    assert mine["township"] == "511725202" and mine["registered_unit"] == "511725201"
    assert mine["read_only"] is False
    theirs = client.get(url, headers=auth(tokens, "wang.fang")).get_json()
    assert theirs["read_only"] is True
    assert theirs["applicant"]["id_number"] == "110105********002X"
    assert theirs["applicant"]["phone"] == "138****1234"
    cancel = client.post(
        f"{url}/cancel", json={"reason": "重复"}, headers=auth(tokens, "wang.fang")
    )
    assert cancel.status_code == 403 and cancel.get_json()["code"] == "read_only"
    for outsider in ("tan.xiaoyan", "deng.hui"):
        assert client.get(url, headers=auth(tokens, outsider)).status_code == 404
    assert client.get(url, headers=auth(tokens, "cai.ping")).status_code == 200
    assert client.get(url, headers=auth(tokens, "sun.hong")).status_code == 200
    cancel = client.post(f"{url}/cancel", json={"reason": "重复"}, headers=auth(tokens, "sun.hong"))
    assert cancel.status_code == 403
    cancel = client.post(f"{url}/cancel", json={"reason": "重复"}, headers=auth(tokens, "pan.hong"))
    assert cancel.status_code == 200 and cancel.get_json()["status"] == "cancelled"


def test_out_of_scope_reads_are_not_found(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = register(client, tokens, "tan.xiaoyan")
    url = f"/api/v1/cases/{case['id']}"
    for outsider in ("cai.ping", "pan.hong", "deng.hui"):
        assert client.get(url, headers=auth(tokens, outsider)).status_code == 404
        response = client.post(
            f"{url}/messages/county_decision", json={}, headers=auth(tokens, outsider)
        )
        assert response.status_code == 404
    assert client.get("/api/v1/cases/999999", headers=auth(tokens, "sun.hong")).status_code == 404


def test_case_list_is_scoped_and_masked(client: FlaskClient, tokens: dict[str, str]) -> None:
    register(client, tokens, "tan.xiaoyan")
    # and one in 丰乐乡 (registered county-wide): outside her scope, inside the filter below
    register(client, tokens, "wang.fang", village="511725202003", channel="township_window")
    page = client.get("/api/v1/cases?page_size=100", headers=auth(tokens, "tan.xiaoyan"))
    assert page.status_code == 200
    listed = page.get_json()
    assert listed["total"] >= 1
    assert {c["village"] for c in listed["items"]} == {"511725201001"}
    assert ID not in page.get_data(as_text=True)
    everything = client.get("/api/v1/cases", headers=auth(tokens, "sun.hong")).get_json()
    assert everything["total"] > listed["total"]
    none = client.get("/api/v1/cases?overdue=true", headers=auth(tokens, "sun.hong"))
    assert none.get_json()["total"] == 0
    filtered = client.get(
        "/api/v1/cases?township=511725202&from=2026-09-24&to=2026-09-24",
        headers=auth(tokens, "sun.hong"),
    ).get_json()
    assert {c["township"] for c in filtered["items"]} == {"511725202"}
    assert (
        client.get("/api/v1/cases?page_size=101", headers=auth(tokens, "sun.hong")).status_code
        == 422
    )


def test_tasks_claim_complete_and_next_queue(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = register(client, tokens, "tan.xiaoyan")
    queue = client.get("/api/v1/tasks", headers=auth(tokens, "tan.xiaoyan")).get_json()
    mine = [t for t in queue["items"] if t["case_id"] == case["id"]]
    assert [t["spec_id"] for t in mine] == ["Task_entrust"]
    assert mine[0]["case_number"] == case["case_number"] and mine[0]["overdue"] is False
    task_url = f"/api/v1/tasks/{mine[0]['id']}"
    detail = client.get(task_url, headers=auth(tokens, "tan.xiaoyan")).get_json()
    assert "pickup_mode" in detail["form"]["properties"]
    assert "home" in detail["outcomes"]["pickup_mode"]
    assert client.get(task_url, headers=auth(tokens, "cai.ping")).status_code == 404

    assert client.post(f"{task_url}/claim", headers=auth(tokens, "tan.xiaoyan")).status_code == 200
    form = {
        "pickup_mode": "home",
        "entrustment_signed": True,
        "receipt_no": "R-1",
        "materials_received": 1,
    }
    other = client.post(f"{task_url}/complete", json=form, headers=auth(tokens, "jiang.wei"))
    assert other.status_code == 409
    bad = client.post(
        f"{task_url}/complete",
        json={"pickup_mode": "fly", "materials_received": "x"},
        headers=auth(tokens, "tan.xiaoyan"),
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} >= {
        "pickup_mode",
        "entrustment_signed",
        "receipt_no",
        "materials_received",
    }
    stale = client.post(
        f"{task_url}/complete", json=form, headers=auth(tokens, "tan.xiaoyan", **{"If-Match": "1"})
    )
    assert (stale.status_code, stale.get_json()["code"]) == (412, "precondition_failed")
    for bad_version in ("abc", '"0"', "W/x"):
        refused = client.post(
            f"{task_url}/complete",
            json=form,
            headers=auth(tokens, "tan.xiaoyan", **{"If-Match": bad_version}),
        )
        assert refused.status_code == 422, bad_version
        assert refused.get_json()["errors"][0]["field"] == "If-Match"
    stale_claim = client.post(
        f"{task_url}/claim", headers=auth(tokens, "tan.xiaoyan", **{"If-Match": 'W/"1"'})
    )
    assert stale_claim.status_code == 412
    done = client.post(f"{task_url}/complete", json=form, headers=auth(tokens, "tan.xiaoyan"))
    assert done.status_code == 200, done.get_json()
    queue = client.get("/api/v1/tasks", headers=auth(tokens, "tan.xiaoyan")).get_json()
    following = [t["spec_id"] for t in queue["items"] if t["case_id"] == case["id"]]
    assert following and "Task_entrust" not in following
    assert client.get(task_url, headers=auth(tokens, "tan.xiaoyan")).status_code == 404


def test_assign_only_by_the_township_leader(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = register(client, tokens, "tan.xiaoyan")
    task_id = case["tasks"][0]["id"]
    url = f"/api/v1/tasks/{task_id}/assign"
    refused = client.post(url, json={"user": "jiang.wei"}, headers=auth(tokens, "wang.fang"))
    assert refused.status_code == 403
    wrong = client.post(url, json={"user": "deng.hui"}, headers=auth(tokens, "chen.jing"))
    assert wrong.status_code == 422
    done = client.post(url, json={"user": "jiang.wei"}, headers=auth(tokens, "chen.jing"))
    assert done.status_code == 200 and done.get_json()["claimed_by"] == "jiang.wei"
    unclaim = client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=auth(tokens, "jiang.wei"))
    assert unclaim.status_code == 200 and unclaim.get_json()["claimed_by"] is None


def test_eight_racing_completions_one_wins(
    client: FlaskClient, tokens: dict[str, str], engine: Engine
) -> None:
    """8 threads complete the same task at once: one 200, seven 409, exactly one event."""
    import threading

    from engine.store.testing import run_sql

    case = register(client, tokens, "tan.xiaoyan")
    task_id = case["tasks"][0]["id"]
    form = {
        "pickup_mode": "home",
        "entrustment_signed": True,
        "receipt_no": "R-8",
        "materials_received": 1,
    }
    events_before = run_sql(
        engine.store, "SELECT count(*) FROM events WHERE case_id = :c", c=case["id"]
    )
    gate = threading.Barrier(8)
    statuses: list[int] = []

    def attempt() -> None:
        own = client.application.test_client()
        gate.wait(timeout=10)
        response = own.post(
            f"/api/v1/tasks/{task_id}/complete", json=form, headers=auth(tokens, "tan.xiaoyan")
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] + [409] * 7
    events_after = run_sql(
        engine.store, "SELECT count(*) FROM events WHERE case_id = :c", c=case["id"]
    )
    assert events_after[0][0] == events_before[0][0] + 1
    assert engine.audit.verify(case["id"]).ok


def test_completing_a_task_already_done_is_a_conflict(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    case = register(client, tokens, "tan.xiaoyan")
    url = f"/api/v1/tasks/{case['tasks'][0]['id']}"
    form = {
        "pickup_mode": "home",
        "entrustment_signed": True,
        "receipt_no": "R-9",
        "materials_received": 1,
    }
    assert (
        client.post(f"{url}/complete", json=form, headers=auth(tokens, "tan.xiaoyan")).status_code
        == 200
    )
    again = client.post(f"{url}/complete", json=form, headers=auth(tokens, "tan.xiaoyan"))
    assert again.status_code == 409 and again.get_json()["code"] == "task_closed"
    assert client.get(url, headers=auth(tokens, "tan.xiaoyan")).status_code == 404
    # Someone who cannot see the case still learns nothing.
    assert (
        client.post(f"{url}/complete", json=form, headers=auth(tokens, "cai.ping")).status_code
        == 404
    )


def test_out_of_range_numbers_are_not_found_not_errors(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    headers = auth(tokens, "sun.hong")
    for path in ("/api/v1/cases/99999999999999999999999", "/api/v1/cases/9223372036854775808"):
        assert client.get(path, headers=headers).status_code == 404
    cancel = client.post(
        "/api/v1/cases/99999999999999999999999/cancel", json={"reason": "x"}, headers=headers
    )
    assert cancel.status_code == 404
    page = client.get("/api/v1/cases?page=99999999999999999999", headers=headers)
    assert page.status_code == 200 and page.get_json()["items"] == []


def test_long_idempotency_keys_are_safe(client: FlaskClient, tokens: dict[str, str]) -> None:
    key = "k" * 500
    headers = auth(tokens, "tan.xiaoyan", **{"Idempotency-Key": key})
    first = client.post("/api/v1/cases", json=body(), headers=headers)
    again = client.post("/api/v1/cases", json=body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    # A key that only shares the first 200 characters is another request.
    other = client.post(
        "/api/v1/cases",
        json=body(),
        headers=auth(tokens, "tan.xiaoyan", **{"Idempotency-Key": key[:200] + "x"}),
    )
    assert other.get_json()["id"] != first.get_json()["id"]


def test_registration_without_an_applicant_lists_its_fields(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    # Was a 500: a missing applicant loaded as {} without its fields' defaults.
    for sent in ({}, {"item_code": PROXY_ITEM.code, "channel": "village_point"}, None):
        response = client.post("/api/v1/cases", json=sent, headers=auth(tokens, "tan.xiaoyan"))
        assert response.status_code == 422, response.get_json()
        fields = {e["field"] for e in response.get_json()["errors"]}
        assert {"applicant.name", "applicant.id_number", "applicant.village"} <= fields


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_registration_booleans_are_json_booleans(
    client: FlaskClient, tokens: dict[str, str], value: Any
) -> None:
    # The document says boolean; 1 or "yes" used to be taken as true.
    response = client.post(
        "/api/v1/cases", json=body(emergency=value), headers=auth(tokens, "tan.xiaoyan")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["emergency"]


def test_nul_characters_are_refused_before_the_database(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    # Were 500s on PostgreSQL (text columns cannot hold U+0000), found by schemathesis.
    headers = auth(tokens, "wang.fang")
    case = register(client, tokens, "wang.fang", channel="township_window")
    task = case["tasks"][0]["id"]
    for path in (
        "/api/v1/tasks/a%00b",
        "/api/v1/definitions/a%00b/1",
        f"/api/v1/cases/{case['id']}/messages/x%00y",
    ):
        method = "POST" if "messages" in path else "GET"
        response = client.open(path, method=method, json={}, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "not_found"
    sent = [
        ("GET", "/api/v1/cases?item=a%00b", None, "item", "query"),
        ("GET", "/api/v1/items?q=%00", None, "q", "query"),
        ("POST", "/api/v1/auth/login", {"user": "wang\0fang", "password": "x"}, "user", "body"),
        ("POST", "/api/v1/cases", body(applicant={"name": "张\0三"}), "applicant.name", "body"),
        ("POST", f"/api/v1/tasks/{task}/complete", {"note": ["a", "b\0"]}, "note", "body"),
        ("POST", f"/api/v1/cases/{case['id']}/cancel", {"reason": "\0"}, "reason", "body"),
    ]
    for method, path, payload, field, where in sent:
        response = client.open(path, method=method, json=payload, headers=headers)
        assert response.status_code == 422, path
        assert response.get_json()["errors"] == [
            {"field": field, "in": where, "reason": "不能包含 NUL 字符（U+0000）"}
        ]
    # Undeclared query parameters are refused, whatever their value (webapi.arguments).
    undeclared = client.get("/api/v1/tasks?x=%00", headers=headers)
    assert undeclared.status_code == 422
    assert undeclared.get_json()["errors"] == [
        {"field": "x", "in": "query", "reason": "此接口没有这个查询参数"}
    ]
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 200


def test_definition_versions_beyond_the_column_are_not_found(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    # Was a 500 on PostgreSQL: the version column is a 32-bit INTEGER.
    process_id = PROXY_ITEM.process_id
    headers = auth(tokens, "sun.hong")
    assert client.get(f"/api/v1/definitions/{process_id}/1", headers=headers).status_code == 200
    for version in (2**31, 2**40, 2**63):
        response = client.get(f"/api/v1/definitions/{process_id}/{version}", headers=headers)
        assert response.status_code == 404, version


def test_county_centre_keeps_reading_what_it_registered(
    client: FlaskClient, tokens: dict[str, str], engine: Engine
) -> None:
    case = register(client, tokens, "deng.hui", channel="county_centre")
    url = f"/api/v1/cases/{case['id']}"
    seen = client.get(url, headers=auth(tokens, "deng.hui"))
    assert seen.status_code == 200 and seen.get_json()["read_only"] is True
    listed = client.get("/api/v1/cases?page_size=100", headers=auth(tokens, "deng.hui"))
    assert case["id"] in {c["id"] for c in listed.get_json()["items"]}


@pytest.mark.parametrize("user", ["lin.tao", "he.jun"])
def test_designers_and_administrators_see_no_cases(
    client: FlaskClient, engine: Engine, user: str
) -> None:
    headers = {"Authorization": f"Bearer {engine.identity.issue_token(user).token}"}
    assert client.get("/api/v1/cases", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/cases/1", headers=headers).status_code == 404


def test_ledger_pages_beyond_bigint_are_empty(client: FlaskClient, tokens: dict[str, str]) -> None:
    # Was a 500 on both databases (an offset beyond BIGINT), found by schemathesis.
    response = client.get(
        "/api/v1/ledger?page=134116429263697810030592", headers=auth(tokens, "sun.hong")
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["items"] == []


def test_a_cancellation_is_recorded_in_the_role_that_lets_the_caller_act(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """刘洋 holds the back office (B post) and the window: his cancellation goes into the
    hash-chained history in the window's role (the front desk), not in whichever of his
    roles sorts first (``township_backoffice``)."""
    case = register(client, tokens, "tan.xiaoyan")
    url = f"/api/v1/cases/{case['id']}"
    headers = auth(tokens, "liu.yang")
    cancel = client.post(f"{url}/cancel", json={"reason": "申请人撤回"}, headers=headers)
    assert cancel.status_code == 200, cancel.get_json()
    last = client.get(f"{url}/history", headers=headers).get_json()["events"][-1]
    assert (last["type"], last["actor"], last["role"], last["org_unit"]) == (
        "case_cancelled",
        "liu.yang",
        "township_window",
        "511725201",
    )
