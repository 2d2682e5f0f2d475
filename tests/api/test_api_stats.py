"""GET /api/v1/stats over the hand-built data set of tests/support/stats_world.py: the same figures
as the engine computes, scoped per caller, parameters validated as problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine
from engine.policy import figures_scope
from engine.stats.figures import Period
from tests.support.databases import Databases
from tests.support.stats_world import FENGLE, QINGSI, SEP_OCT, SEP_OCT_TOTAL, World, stats_world
from webapi.schemas.stats import FiguresSchema

API = "/api/v1/stats"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        yield found


@pytest.fixture(scope="module")
def engine(world: World) -> Engine:
    return world.engine


def get(client: FlaskClient, tokens: dict[str, str], user: str, query: str = "") -> TestResponse:
    return client.get(f"{API}{query}", headers={"Authorization": f"Bearer {tokens[user]}"})


def body(response: TestResponse) -> Any:
    assert response.status_code == 200, response.get_json()
    return response.get_json()


PERIOD = "?from=2026-09-01&to=2026-10-31"


def test_the_supervisor_gets_every_figure(
    client: FlaskClient, tokens: dict[str, str], world: World
) -> None:
    shown = body(get(client, tokens, "sun.hong", PERIOD))
    assert (shown["from"], shown["to"], shown["group_by"]) == ("2026-09-01", "2026-10-31", "county")
    assert shown["as_of"] == "2026-11-01T00:00:00+08:00"
    assert shown["warning_share"] == 0.8
    assert shown["total"] == SEP_OCT_TOTAL
    assert shown["groups"] == [{"unit": "511725", "name": "渠县", "figures": SEP_OCT_TOTAL}]


def test_grouped_by_township_village_item_and_department(
    client: FlaskClient, tokens: dict[str, str], world: World
) -> None:
    for group_by in ("township", "village", "item", "department"):
        shown = body(get(client, tokens, "sun.hong", f"{PERIOD}&group_by={group_by}"))
        report = world.report(SEP_OCT, group_by)
        assert [(g["unit"], g["name"]) for g in shown["groups"]] == [
            (g.unit, g.name) for g in report.groups
        ]
        assert [g["figures"] for g in shown["groups"]] == [
            g.figures.as_dict() for g in report.groups
        ]
    townships = body(get(client, tokens, "sun.hong", f"{PERIOD}&group_by=township"))
    named = {g["name"]: g["figures"] for g in townships["groups"]}
    assert named["青丝乡"]["registered"] == 5 and named["丰乐乡"]["overdue_open"] == 2


def test_the_figures_shown_are_what_their_schema_dumps(
    client: FlaskClient, tokens: dict[str, str], world: World
) -> None:
    """The figures go out as the engine gives them, without marshmallow's dump of each
    field: that dump would change nothing (no figure left out, none added, no value
    turned into another type)."""
    schema = FiguresSchema()
    for group_by in ("county", "village", "item"):
        shown = body(get(client, tokens, "sun.hong", f"{PERIOD}&group_by={group_by}"))
        for figures in [shown["total"], *(g["figures"] for g in shown["groups"])]:
            dumped = schema.dump(figures)
            assert dumped == figures
            assert {k: type(v) for k, v in dumped.items()} == {
                k: type(v) for k, v in figures.items()
            }
            assert sorted(figures) == sorted(schema.fields)


@pytest.mark.parametrize(
    ("user", "townships"),
    [
        ("sun.hong", None),  # every township of the county
        ("wang.fang", [QINGSI]),
        ("chen.jing", [QINGSI]),
        ("he.ping", [QINGSI]),  # the mobile agent's township
        ("tan.xiaoyan", [QINGSI]),  # the township of her village (her village's cases)
        ("pan.hong", [FENGLE]),
        ("cai.ping", [FENGLE]),
        ("deng.hui", [QINGSI]),  # A, the only case handed to 县民政局
    ],
)
def test_each_caller_sees_its_own_scope(
    client: FlaskClient, tokens: dict[str, str], world: World, user: str, townships: Any
) -> None:
    shown = body(get(client, tokens, user, f"{PERIOD}&group_by=township"))
    listed = [g["unit"] for g in shown["groups"]]
    if townships is None:
        assert len(listed) == len(world.engine.org.of_kind("township"))
    else:
        assert listed == townships
    scope = figures_scope(world.engine.identity.principal(user))
    expected = world.report(SEP_OCT, "township", scope).total.as_dict()
    assert shown["total"] == expected
    # Asking for another township's figures shows nothing of it.
    other = FENGLE if townships == [QINGSI] else QINGSI
    if townships is not None:
        narrowed = body(get(client, tokens, user, f"{PERIOD}&township={other}"))
        assert narrowed["total"]["registered"] == 0
        assert narrowed["total"]["yellow_warnings"] == 0


def test_a_village_agent_sees_its_village(client: FlaskClient, tokens: dict[str, str]) -> None:
    shown = body(get(client, tokens, "tan.xiaoyan", f"{PERIOD}&group_by=village"))
    [village] = shown["groups"]
    assert (village["unit"], village["name"]) == ("511725201001", "青丝社区")
    figures = village["figures"]
    # A: registered, accepted, completed early; handed over on time; ledger 3 recorded, 2
    # resolved.
    assert (figures["registered"], figures["proxy_cases"], figures["early"]) == (1, 1, 1)
    assert (figures["handover_on_time_rate"], figures["ledger_resolution_rate"]) == (
        1.0,
        round(2 / 3, 4),
    )


@pytest.mark.parametrize("user", ["lin.tao", "he.jun"])
def test_designers_and_administrators_are_refused(
    client: FlaskClient, tokens: dict[str, str], user: str
) -> None:
    response = get(client, tokens, user, PERIOD)
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "forbidden"


def test_without_a_token(client: FlaskClient) -> None:
    response = client.get(API)
    assert response.status_code == 401 and response.mimetype == PROBLEM


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?from=2026-10-31&to=2026-10-01", ["to"]),
        ("?group_by=township_and_village", ["group_by"]),
        ("?from=2026-02-30", ["from"]),
        ("?from=1999-12-31&to=2100-01-01", ["from", "to"]),
        ("?to=0001-01-01", ["to"]),
        ("?from=2026-12-01", ["to"]),  # the default end (today, 2 Nov) is before it
        (
            "?township=51172520&village=x&department=mz&item=",
            ["township", "village", "department", "item"],
        ),
    ],
)
def test_invalid_parameters_are_listed(
    client: FlaskClient, tokens: dict[str, str], query: str, fields: list[str]
) -> None:
    response = get(client, tokens, "sun.hong", query)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["code"] == "validation_failed"
    assert sorted(e["field"] for e in problem["errors"]) == sorted(fields)
    assert all(e["in"] == "query" for e in problem["errors"])


def test_the_default_period_is_this_month_to_today(
    client: FlaskClient, tokens: dict[str, str], world: World
) -> None:
    # The clock reads Mon 2 Nov 10:00: 1-2 Nov; nothing was registered then.
    shown = body(get(client, tokens, "sun.hong"))
    assert (shown["from"], shown["to"]) == ("2026-11-01", "2026-11-02")
    assert shown["as_of"] == "2026-11-02T10:00:00+08:00"
    november = Period(date(2026, 11, 1), date(2026, 11, 2))
    assert shown["total"] == world.report(november).total.as_dict()
    # F and G are still open past their due dates.
    assert shown["total"]["overdue_open"] == 2
    only_to = body(get(client, tokens, "sun.hong", "?to=2026-09-30"))
    assert only_to["from"] == "2026-09-01"


def test_the_task_queue_shows_each_step_s_own_due_time(
    client: FlaskClient, tokens: dict[str, str], world: World
) -> None:
    queue = {}
    for user in ("pan.hong", "yu.liang"):  # 丰乐乡's window and back office
        response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {tokens[user]}"})
        queue.update({(t["case_id"], t["spec_id"]): t for t in response.get_json()["items"]})
    # F's first review was ready 8 Oct: 5 working days (9, 10, 12, 13, 14 Oct), although
    # case F is due 28 Oct; G's back office review, ready 24 Sep: 1 day (28 Sep).
    first_review = queue[world.cases["F"], "Task_first_review"]
    assert first_review["due_at"] == "2026-10-15T00:00:00+08:00"
    assert first_review["overdue"] is True
    back_office = queue[world.cases["G"], "Task_backoffice_review"]
    assert back_office["due_at"] == "2026-09-29T00:00:00+08:00"


def test_the_operation_is_documented(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/stats"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to", "group_by", "township", "village", "item", "department"}
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    figures = document["components"]["schemas"]["Figures"]["properties"]
    assert set(figures) == set(SEP_OCT_TOTAL)
