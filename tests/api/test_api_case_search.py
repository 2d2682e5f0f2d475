"""办件查询 over HTTP: the case list found by case number (whole or its start), applicant's
name (whole or a part), the last 4–6 characters of the applicant's ID number and the
last 4 digits of the applicant's phone, always inside the caller's scope, with the list's
masking unchanged (no ID number, no phone in it); bad values and unknown parameters are
422 naming the parameter in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.definitions.form_formats import id_check_character
from tests.support.api import Tokens
from tests.support.databases import Deployed
from tests.support.walks import PROXY_ITEM, WALKED, WINDOW_ITEM

CASES = "/api/v1/cases"
QINGSI_VILLAGE, FENGLE_VILLAGE = "511725201003", "511725202002"


def id_number(first17: str) -> str:
    return first17 + id_check_character(first17)


ZHANG = id_number("11010519491231002")  # …31002X
LI = id_number("51172519800101123")  # …01123?
WANG = id_number("51172519751212456")
PHONES = {"zhang": "13800005678", "li": "0818-7451234", "fengle": "13912340056"}


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


@pytest.fixture
def made(client: FlaskClient, tokens: Tokens) -> dict[str, dict[str, Any]]:
    """Cases of 青丝乡 (registered by its window) and one of 丰乐乡 for the same resident."""
    found: dict[str, dict[str, Any]] = {}
    for key, user, name, number, village in (
        ("zhang", "wang.fang", "张秀兰", ZHANG, QINGSI_VILLAGE),
        ("li", "wang.fang", "李四", LI, QINGSI_VILLAGE),
        ("wang", "liu.yang", "Wang Xiaoming", WANG, QINGSI_VILLAGE),
        ("fengle", "pan.hong", "张秀兰", ZHANG, FENGLE_VILLAGE),
    ):
        response = client.post(
            CASES,
            json={
                "item_code": WINDOW_ITEM.code,
                "applicant": {
                    "name": name,
                    "id_number": number,
                    "village": village,
                    **({"phone": PHONES[key]} if key in PHONES else {}),
                },
                "channel": "township_window",
            },
            headers=tokens.headers(user),
        )
        assert response.status_code == 201, response.get_json()
        found[key] = response.get_json()
    return found


def search(client: FlaskClient, tokens: Tokens, user: str, query: str) -> list[int]:
    response = client.get(f"{CASES}?{query}&page_size=100", headers=tokens.headers(user))
    assert response.status_code == 200, (query, response.get_json())
    body = response.get_json()
    assert body["total"] == len(body["items"])
    text = response.get_data(as_text=True)
    for number in (ZHANG, LI, WANG, *PHONES.values()):  # no ID number nor phone in it
        assert number not in text
    assert "7451234" not in text
    return sorted(case["id"] for case in body["items"])


def test_by_case_number(
    client: FlaskClient, tokens: Tokens, made: dict[str, dict[str, Any]]
) -> None:
    zhang = made["zhang"]
    number = zhang["case_number"]
    assert search(client, tokens, "wang.fang", f"number={number}") == [zhang["id"]]
    qingsi = sorted(made[k]["id"] for k in ("zhang", "li", "wang"))
    # the village and the day: every case of 石桥村 registered today
    assert search(client, tokens, "wang.fang", f"number={number[:20]}") == qingsi
    assert search(client, tokens, "wang.fang", f"number={number[:4]}") == qingsi
    assert search(client, tokens, "wang.fang", f"number={number}9") == []
    # 丰乐乡's case is not found by 青丝乡, by its number or any part of it
    fengle = made["fengle"]["case_number"]
    assert search(client, tokens, "wang.fang", f"number={fengle}") == []
    assert search(client, tokens, "pan.hong", f"number={fengle}") == [made["fengle"]["id"]]
    assert search(client, tokens, "pan.hong", f"number={number}") == []


def test_by_applicant_name(
    client: FlaskClient, tokens: Tokens, made: dict[str, dict[str, Any]]
) -> None:
    zhang, li, wang = (made[k]["id"] for k in ("zhang", "li", "wang"))
    assert search(client, tokens, "wang.fang", "applicant=%E5%BC%A0%E7%A7%80%E5%85%B0") == [zhang]
    assert search(client, tokens, "wang.fang", "applicant=%E7%A7%80") == [zhang]  # 秀
    assert search(client, tokens, "wang.fang", "applicant=%E6%9D%8E") == [li]  # 李
    assert search(client, tokens, "wang.fang", "applicant=xiaoMING") == [wang]  # any case
    # Parts shorter than three characters (an index of the name's characters on
    # PostgreSQL): two of them, in any case, in their order only.
    assert search(client, tokens, "wang.fang", "applicant=%E7%A7%80%E5%85%B0") == [zhang]
    assert search(client, tokens, "wang.fang", "applicant=XI") == [wang]
    assert search(client, tokens, "wang.fang", "applicant=%E5%85%B0%E7%A7%80") == []  # 兰秀
    assert search(client, tokens, "wang.fang", "applicant=%25") == []  # % is no wildcard
    assert search(client, tokens, "wang.fang", "applicant=_") == []
    # the same resident's 丰乐乡 case stays out of 青丝乡's answer, and the other way round
    assert search(client, tokens, "pan.hong", "applicant=%E5%BC%A0") == [made["fengle"]["id"]]
    everyone = search(client, tokens, "sun.hong", "applicant=%E5%BC%A0")  # the supervisor
    assert everyone == sorted([zhang, made["fengle"]["id"]])
    # combined with the other filters (AND)
    assert search(client, tokens, "sun.hong", "applicant=%E5%BC%A0&township=511725202") == [
        made["fengle"]["id"]
    ]
    assert search(client, tokens, "tan.xiaoyan", "applicant=%E5%BC%A0") == []  # another village


def test_by_id_number_tail(
    client: FlaskClient, tokens: Tokens, made: dict[str, dict[str, Any]]
) -> None:
    zhang, li = made["zhang"]["id"], made["li"]["id"]
    assert ZHANG.endswith("X")
    assert search(client, tokens, "wang.fang", f"id_tail={ZHANG[-6:]}") == [zhang]
    assert search(client, tokens, "wang.fang", f"id_tail={ZHANG[-4:].lower()}") == [zhang]
    assert search(client, tokens, "wang.fang", f"id_tail={LI[-5:]}") == [li]
    assert search(client, tokens, "wang.fang", f"id_tail={LI[-6:-2]}") == []  # the end only
    assert search(client, tokens, "pan.hong", f"id_tail={ZHANG[-6:]}") == [made["fengle"]["id"]]
    assert search(client, tokens, "wang.fang", f"id_tail={ZHANG[-4:]}&applicant=%E6%9D%8E") == []
    for user in ("lin.tao", "he.jun"):  # see no case at all
        assert search(client, tokens, user, f"id_tail={ZHANG[-4:]}") == []


def test_by_phone_tail(
    client: FlaskClient, tokens: Tokens, made: dict[str, dict[str, Any]]
) -> None:
    zhang, li, fengle = (made[k]["id"] for k in ("zhang", "li", "fengle"))
    assert search(client, tokens, "wang.fang", "phone_tail=5678") == [zhang]
    assert search(client, tokens, "wang.fang", "phone_tail=1234") == [li]  # a landline's
    assert search(client, tokens, "wang.fang", "phone_tail=0056") == []  # 丰乐乡's case
    assert search(client, tokens, "wang.fang", "phone_tail=0000") == []
    assert search(client, tokens, "pan.hong", "phone_tail=0056") == [fengle]
    assert search(client, tokens, "pan.hong", "phone_tail=5678") == []
    assert search(client, tokens, "sun.hong", "phone_tail=0056") == [fengle]  # the county
    # with the other filters (AND): the name must match too
    assert search(client, tokens, "wang.fang", "phone_tail=5678&applicant=%E6%9D%8E") == []
    assert search(client, tokens, "wang.fang", "phone_tail=1234&applicant=%E6%9D%8E") == [li]
    for user in ("lin.tao", "he.jun"):  # see no case at all
        assert search(client, tokens, user, "phone_tail=5678") == []


def test_an_unknown_parameter_is_refused(client: FlaskClient, tokens: Tokens) -> None:
    response = client.get(f"{CASES}?phone=5678", headers=tokens.headers("wang.fang"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert [(e["field"], e["in"]) for e in errors] == [("phone", "query")]
    assert "phone_tail" in response.get_json()["detail"]  # the parameters it takes


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("number=123", "number", "应为办件编号或其开头，4–40 位数字"),
        ("number=5117a", "number", "应为办件编号或其开头，4–40 位数字"),
        ("number=" + "1" * 41, "number", "应为办件编号或其开头，4–40 位数字"),
        ("applicant=" + "张" * 51, "applicant", "长度"),
        ("applicant=%20%20", "applicant", "不能为空白"),
        ("id_tail=123", "id_tail", "应为申请人身份证号的后 4–6 位（数字，末位可为 X）"),
        ("id_tail=1234567", "id_tail", "后 4–6 位"),
        ("id_tail=12ab", "id_tail", "后 4–6 位"),
        ("id_tail=", "id_tail", "后 4–6 位"),
        ("phone_tail=123", "phone_tail", "应为申请人电话号码的后 4 位数字"),
        ("phone_tail=12345", "phone_tail", "后 4 位数字"),
        ("phone_tail=12a4", "phone_tail", "后 4 位数字"),
        ("phone_tail=", "phone_tail", "后 4 位数字"),
    ],
)
def test_bad_values_are_named(
    client: FlaskClient, tokens: Tokens, query: str, field: str, reason: str
) -> None:
    response = client.get(f"{CASES}?{query}", headers=tokens.headers("wang.fang"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "validation_failed"
    found = {e["field"]: e for e in body["errors"]}
    assert set(found) == {field} and found[field]["in"] == "query"
    assert reason in found[field]["reason"]


def test_by_department_within_the_scope(
    client: FlaskClient, tokens: Tokens, made: dict[str, dict[str, Any]]
) -> None:
    department = WINDOW_ITEM.department_code
    qingsi = sorted(made[k]["id"] for k in ("zhang", "li", "wang"))
    assert search(client, tokens, "wang.fang", f"department={department}") == qingsi
    everyone = sorted(case["id"] for case in made.values())
    assert search(client, tokens, "sun.hong", f"department={department}") == everyone
    other = PROXY_ITEM.department_code
    assert other != department
    assert search(client, tokens, "sun.hong", f"department={other}") == []


def test_a_broad_search_counts_up_to_its_bound_unless_asked_for_the_exact_total(
    client: FlaskClient,
    tokens: Tokens,
    made: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The count stops one past the bound (1,000 served; 2 here): ``total`` is the bound and
    ``total_exact`` false, the page itself unchanged; ``exact_total=true`` counts all."""
    import webapi.blueprints.cases as blueprint

    def listed(query: str) -> dict[str, Any]:
        response = client.get(f"{CASES}?{query}", headers=tokens.headers("wang.fang"))
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json())

    everything = listed("exact_total=true&page_size=100")
    assert everything["total_exact"] is True
    assert everything["total"] == len(everything["items"]) >= 3  # 青丝乡's three, at least
    monkeypatch.setattr(blueprint, "COUNT_UP_TO", 2)
    capped = listed("page_size=100")
    assert (capped["total"], capped["total_exact"]) == (2, False)
    assert [c["id"] for c in capped["items"]] == [c["id"] for c in everything["items"]]
    one = listed("applicant=李四&page_size=100")
    assert (one["total"], one["total_exact"]) == (1, True)  # under the bound: exact
    assert listed("exact_total=true")["total"] == everything["total"]
    monkeypatch.setattr(blueprint, "COUNT_UP_TO", everything["total"])
    assert listed("page_size=1")["total_exact"] is True  # exactly the bound: still exact
