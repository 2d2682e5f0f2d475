"""The item catalogue (事项目录), read-only; loaded once when the app starts."""

from __future__ import annotations

from typing import Any

from processes.catalogue import Item
from webapi.auth import require_auth
from webapi.problems import ApiProblem
from webapi.schemas.common import page_of
from webapi.schemas.items import ItemDetailSchema, ItemPageSchema, ItemQuerySchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("items", __name__, url_prefix="/api/v1/items", description="事项目录")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(ItemQuerySchema, location="query")
@blp.response(200, ItemPageSchema)
@blp.alt_response(404, response="NOT_FOUND", description="没有该乡镇（township）")
def list_items(args: dict[str, Any]) -> dict[str, Any]:
    """事项列表：按类别、部门、名称或编码筛选，分页

    返回 `{"items": [...], "page", "page_size", "total"}`，按事项编码排序。
    `department` 可为部门编码（MZ）或名称（县民政局）；`q` 查找名称、事项编码或县级部门
    名称中包含的文字（编码不分大小写）；`township`（乡镇区划代码）只列在该乡镇适用的事项
    （事项适用范围：有的事项只下放到经济发达镇和街道），未知乡镇返回 404。
    """
    township = args.get("township")
    org = services().engine.org
    if township is not None:
        unit = org.units.get(township)
        if unit is None or unit.kind != "township":
            raise ApiProblem(404, "not_found", f"本县没有区划代码为 {township} 的乡镇")
    found = sorted(
        (
            item
            for item in services().catalogue
            if _matches(item, args) and (township is None or org.item_applies(item.code, township))
        ),
        key=lambda i: i.code,
    )
    return page_of(found, args)


@blp.route("/<code>", methods=["GET"])
@require_auth
@blp.response(200, ItemDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_item(code: str) -> Item:
    """事项详情：申请材料、时限、收费、办理结果、代办、公示、设定依据"""
    item = services().catalogue.get(code.upper())
    if item is None:
        raise ApiProblem(404, "not_found", f"事项目录中没有编码为 {code} 的事项")
    return item


def _matches(item: Item, args: dict[str, Any]) -> bool:
    department = args.get("department")
    text = args.get("q", "")
    return (
        args.get("kind") in (None, item.kind)
        and department in (None, item.department_code, item.department)
        and (text in item.name or text.upper() in item.code or text in item.department)
    )
