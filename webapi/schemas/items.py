"""Catalogue entries (事项目录): a summary for lists, the full entry for one item."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from engine.labels import DECIDED_AT, LIMIT_UNITS, REMEDIES, STATION_KINDS, choices
from processes.catalogue import COUNTY_DECISION_ROUTES, KIND_NAMES, TYPE_NAMES, Item
from processes.org import DECIDING_STATION_KINDS
from webapi.schemas.common import PageArgsSchema, PageSchema

_UNITS = list(LIMIT_UNITS)
_DECIDED_AT = f"决定层级：{choices(DECIDED_AT)}"


class ItemQuerySchema(PageArgsSchema):
    kind = fields.String(
        validate=validate.OneOf(list(KIND_NAMES)),
        metadata={"description": "devolved 下放乡镇管理事项 · proxy 下放代办服务职权"},
    )
    department = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "县级部门编码（如 MZ）或名称（如 县民政局）"},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "事项名称、事项编码（不分大小写）或县级部门名称包含的文字"},
    )
    township = fields.String(
        validate=validate.Regexp(r"^[0-9]{9}$", error="应为 9 位乡镇区划代码"),
        metadata={"description": "乡镇区划代码：只列在该乡镇适用的事项（事项适用范围）"},
    )


class ItemSummarySchema(Schema):
    code = fields.String(required=True, metadata={"example": "MZ001"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KIND_NAMES)))
    kind_name = fields.String(required=True, metadata={"example": "下放乡镇管理事项"})
    type = fields.String(required=True, validate=validate.OneOf(list(TYPE_NAMES)))
    type_name = fields.String(required=True, metadata={"example": "行政给付"})
    decided_at = fields.String(
        required=True,
        validate=validate.OneOf(list(DECIDED_AT)),
        metadata={"description": _DECIDED_AT},
    )
    decided_at_name = fields.String(
        required=True, metadata={"description": "决定层级名称", "example": "乡镇办结"}
    )
    department = fields.String(required=True, metadata={"example": "县民政局"})
    department_code = fields.String(required=True, metadata={"example": "MZ"})
    promised_limit = fields.Integer(required=True, metadata={"description": "承诺时限"})
    limit_unit = fields.String(
        required=True,
        validate=validate.OneOf(list(LIMIT_UNITS)),
        metadata={"description": f"时限单位：{choices(LIMIT_UNITS)}"},
    )
    limit_unit_name = fields.String(
        required=True, metadata={"description": "时限单位名称", "example": "工作日"}
    )
    on_the_spot = fields.Boolean(required=True, metadata={"description": "即办件"})
    proxy_allowed = fields.Boolean(required=True, metadata={"description": "可由代办员代办"})

    @pre_dump
    def _from_item(self, item: Item, **kwargs: Any) -> dict[str, Any]:
        return summary(item)


class ItemPageSchema(PageSchema):
    items = fields.List(fields.Nested(ItemSummarySchema), required=True)


class MaterialSchema(Schema):
    name = fields.String(required=True)
    required = fields.Boolean(required=True)
    form = fields.String(
        required=True,
        validate=validate.OneOf(["original", "copy", "original_and_copy", "electronic"]),
    )
    tolerable = fields.Boolean(required=True, metadata={"description": "可容缺受理"})
    copies = fields.Integer(required=True)
    source = fields.String(required=True, metadata={"description": "来源（出具单位）"})
    check = fields.String(required=True, metadata={"description": "审查要点"})


class LimitsSchema(Schema):
    statutory = fields.Integer(required=True, metadata={"description": "法定时限"})
    promised = fields.Integer(required=True, metadata={"description": "承诺时限"})
    unit = fields.String(
        required=True,
        validate=validate.OneOf(_UNITS),
        metadata={"description": choices(LIMIT_UNITS)},
    )
    on_the_spot = fields.Boolean(required=True)
    steps = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "各环节时限，如 intake、township_review、county_decision"},
    )
    excluded = fields.List(
        fields.String(), required=True, metadata={"description": "不计入办理时限的环节"}
    )


class ResultSchema(Schema):
    document = fields.String(required=True, metadata={"description": "办理结果（证照、批文）"})
    delivery = fields.List(fields.String(), required=True, metadata={"description": "送达方式"})


class ProxySchema(Schema):
    allowed = fields.Boolean(required=True)
    pickup = fields.List(fields.String(), required=True, metadata={"description": "代办接件方式"})
    urgent = fields.Boolean(required=True, metadata={"description": "急事急办"})


class PublicNoticeSchema(Schema):
    days = fields.Integer(required=True)
    unit = fields.String(
        required=True,
        validate=validate.OneOf(_UNITS),
        metadata={"description": choices(LIMIT_UNITS)},
    )
    yearly = fields.Boolean(required=True)


class ItemDetailSchema(ItemSummarySchema):
    power = fields.String(required=True, metadata={"description": "权力来源"})
    initiated_by = fields.String(
        required=True, metadata={"description": "applicant 依申请 · staff 依职权"}
    )
    remedies = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "执法事项决定可选的处理措施（其他事项为空）：" + choices(REMEDIES)
        },
    )
    legal_basis = fields.List(fields.String(), required=True, metadata={"description": "设定依据"})
    conditions = fields.List(fields.String(), required=True, metadata={"description": "受理条件"})
    materials = fields.List(fields.Nested(MaterialSchema), required=True)
    limits = fields.Nested(LimitsSchema, required=True)
    fees = fields.String(required=True, metadata={"description": "收费"})
    result = fields.Nested(ResultSchema, required=True)
    proxy = fields.Nested(ProxySchema, required=True)
    public_notice = fields.Nested(
        PublicNoticeSchema,
        required=True,
        allow_none=True,
        metadata={"description": "公示（无则为 null）"},
    )
    special_steps = fields.List(fields.String(), required=True)
    online_depth = fields.Integer(required=True, metadata={"description": "网办深度（1–4）"})
    visits = fields.Integer(required=True, metadata={"description": "最多跑动次数"})
    appeal = fields.String(required=True, metadata={"description": "救济途径"})
    process_id = fields.String(required=True, metadata={"description": "BPMN 流程 id"})
    county_decision = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(list(COUNTY_DECISION_ROUTES)),
        metadata={
            "description": "县级决定方式（每个办件只有一种）："
            + " · ".join(f"{code} {text}" for code, text in COUNTY_DECISION_ROUTES.items())
            + "；无县级决定的事项为 null"
        },
    )
    station = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(list(DECIDING_STATION_KINDS)),
        metadata={
            "description": "决定事项的基层站所类型（办理层级 T->S）："
            + choices(DECIDING_STATION_KINDS)
            + "；其他事项为 null"
        },
    )
    station_name = fields.String(
        required=True, allow_none=True, metadata={"description": "基层站所类型名称"}
    )

    @pre_dump
    def _from_item(self, item: Item, **kwargs: Any) -> dict[str, Any]:
        return detail(item)


def summary(item: Item) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "kind": item.kind,
        "kind_name": KIND_NAMES[item.kind],
        "type": item.type,
        "type_name": item.type_name,
        "decided_at": item.decided_at,
        "decided_at_name": DECIDED_AT.get(item.decided_at, item.decided_at),
        "department": item.department,
        "department_code": item.department_code,
        "promised_limit": item.promised_limit,
        "limit_unit": item.limit_unit,
        "limit_unit_name": LIMIT_UNITS.get(item.limit_unit, item.limit_unit),
        "on_the_spot": item.on_the_spot,
        "proxy_allowed": item.proxy_allowed,
    }


def detail(item: Item) -> dict[str, Any]:
    """The whole entry, grouped as in the catalogue files (without its file and line)."""
    notice = None
    if item.public_notice_days:
        notice = {
            "days": item.public_notice_days,
            "unit": item.public_notice_unit,
            "yearly": item.public_notice_yearly,
        }
    return {
        **summary(item),
        "power": item.power,
        "initiated_by": item.initiated_by,
        "remedies": list(item.remedies),
        "legal_basis": list(item.legal_basis),
        "conditions": list(item.conditions),
        "materials": [asdict(material) for material in item.materials],
        "limits": {
            "statutory": item.statutory_limit,
            "promised": item.promised_limit,
            "unit": item.limit_unit,
            "on_the_spot": item.on_the_spot,
            "steps": dict(item.step_limits),
            "excluded": list(item.excluded_from_limit),
        },
        "fees": item.fees,
        "result": {"document": item.result_document, "delivery": list(item.delivery)},
        "proxy": {
            "allowed": item.proxy_allowed,
            "pickup": list(item.pickup),
            "urgent": item.urgent,
        },
        "public_notice": notice,
        "special_steps": list(item.special_steps),
        "online_depth": item.online_depth,
        "visits": item.visits,
        "appeal": item.appeal,
        "process_id": item.process_id,
        "county_decision": item.county_route,
        "station": item.station or None,
        "station_name": STATION_KINDS.get(item.station) if item.station else None,
    }
