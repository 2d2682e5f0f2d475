"""Chinese names beside codes (engine/labels.py): case summaries, figures, and the OpenAPI
document that publishes them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from engine import Engine
from engine.labels import FIGURES
from processes.catalogue import Item
from tests.support.module_fixtures import module_engine
from tests.support.paths import LIBRARY
from tests.support.shipped import shipped_catalogue

ITEM: Item = next(
    i
    for i in sorted(shipped_catalogue(), key=lambda i: i.code)
    if i.decided_at == "T->C" and i.department_code
)
FENGLE_VILLAGE = "511725202003"  # a village of 丰乐乡

clock, engine = module_engine(LIBRARY)


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def register_county_wide(client: FlaskClient, tokens: dict[str, str]) -> Any:
    """王芳 at 青丝乡's window registers for a resident of 丰乐乡 (全县域通办)."""
    body = {
        "item_code": ITEM.code,
        "applicant": {
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13800001234",
            "address": "丰乐街 1 号",
            "village": FENGLE_VILLAGE,
        },
        "channel": "township_window",
        "materials": [ITEM.materials[0].name] if ITEM.materials else [],
    }
    response = client.post("/api/v1/cases", json=body, headers=auth(tokens, "wang.fang"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_case_names_its_status_and_units(
    client: FlaskClient, tokens: dict[str, str], engine: Engine
) -> None:
    case = register_county_wide(client, tokens)
    assert (case["status"], case["status_name"]) == ("open", "在办")  # the registration's answer
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=auth(tokens, "wang.fang"))
    assert detail.status_code == 200
    shown = detail.get_json()
    units = engine.org.units
    assert (shown["status"], shown["status_name"]) == ("open", "在办")
    assert (shown["township"], shown["township_name"]) == ("511725202", "丰乐乡")
    assert shown["village_name"] == units[FENGLE_VILLAGE].name
    assert shown["department"] == ITEM.department_code
    assert shown["department_name"] == units[ITEM.department_code].name
    assert (shown["registered_unit"], shown["registered_unit_name"]) == ("511725201", "青丝乡")
    listed = client.get("/api/v1/cases?page_size=100", headers=auth(tokens, "sun.hong")).get_json()
    summary = next(c for c in listed["items"] if c["id"] == case["id"])
    assert {k: summary[k] for k in ("status_name", "township_name", "registered_unit_name")} == {
        "status_name": "在办",
        "township_name": "丰乐乡",
        "registered_unit_name": "青丝乡",
    }
    cancelled = client.post(
        f"/api/v1/cases/{case['id']}/cancel",
        json={"reason": "申请人撤回"},
        headers=auth(tokens, "pan.hong"),
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status_name"] == "已撤件"


def test_an_item_names_where_it_is_decided_and_its_limit_unit(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    found = client.get(f"/api/v1/items/{ITEM.code}", headers=auth(tokens, "wang.fang"))
    assert found.status_code == 200
    shown = found.get_json()
    assert (shown["decided_at"], shown["decided_at_name"]) == ("T->C", "乡镇受理、县级部门决定")
    assert (
        shown["limit_unit_name"]
        == {"working_days": "工作日", "calendar_days": "自然日"}[shown["limit_unit"]]
    )


def test_figures_come_with_their_names(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/stats?group_by=township", headers=auth(tokens, "sun.hong"))
    assert response.status_code == 200, response.get_json()
    shown = response.get_json()
    assert (shown["group_by"], shown["group_by_name"]) == ("township", "乡镇")
    legend = {entry["code"]: entry for entry in shown["legend"]}
    assert set(legend) == set(shown["total"]) and len(legend) == len(shown["legend"])
    assert list(legend) == list(FIGURES), "the legend lists the figures in the order to show"
    assert {k: legend["on_time_rate"][k] for k in ("name", "kind", "levels")} == {
        "name": "按期办结率",
        "kind": "rate",
        "levels": None,
    }
    assert legend["registered"]["name"] == "收件数"
    levels = legend["ratings_by_level"]["levels"]
    assert {level["code"] for level in levels} == set(shown["total"]["ratings_by_level"])
    assert levels[0] == {"code": "very_satisfied", "name": "非常满意"}
    assert {g["name"] for g in shown["groups"]} >= {"青丝乡", "丰乐乡"}


def test_the_document_publishes_names_beside_codes(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    figures = schemas["Figures"]["properties"]
    assert set(figures) == set(FIGURES)
    assert figures["on_time_rate"]["title"] == "按期办结率"
    assert all(
        spec["title"] == FIGURES[code].name
        for code, spec in figures.items()
        if spec.get("type") != "object"
    )
    assert figures["ratings_by_level"]["description"].startswith("各等级评价数：")
    summary = schemas["CaseSummary"]
    assert summary["properties"]["status"]["enum"] == ["open", "completed", "cancelled"]
    assert "open 在办" in summary["properties"]["status"]["description"]
    for name in ("status_name", "township_name", "village_name", "department_name"):
        assert name in summary["properties"], name
    assert "registered_unit_name" in summary["properties"]
    event = schemas["HistoryEvent"]["properties"]
    assert {"type_name", "role_name", "org_unit_name"} <= set(event)
    assert "warning_red 红牌预警" in event["type"]["description"]
    assert {"level_name", "department_name"} <= set(schemas["IssueSummary"]["properties"])
    assert schemas["LegendEntry"]["properties"]["kind"]["enum"] == [
        "count",
        "rate",
        "days",
        "levels",
    ]
    assert "group_by_name" in schemas["Stats"]["required"]
