"""The county's units (组织机构): its townships, villages and communities, and its
departments — public administrative divisions (行政区划) by code and name, no people."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import UNIT_KINDS, choices
from webapi.schemas.cases import Pattern

# What ``kind`` may ask for: a unit kind, or ``village`` for villages and communities both.
UNIT_QUERY_KINDS = {**UNIT_KINDS, "village": "村（社区）：行政村与社区"}


class UnitQuerySchema(Schema):
    kind = fields.String(
        validate=validate.OneOf(list(UNIT_QUERY_KINDS)),
        metadata={
            "description": f"只列此类单位：{choices(UNIT_QUERY_KINDS)}",
            "x-enum-descriptions": list(UNIT_QUERY_KINDS.values()),
        },
    )
    within = fields.String(
        validate=Pattern(r"^[0-9]{6,12}$", error="应为 6 至 12 位区划代码"),
        metadata={
            "description": "只列此单位（县或乡镇的区划代码）之内的单位，不含它自己",
            "example": "511725201",
        },
    )


class UnitSchema(Schema):
    code = fields.String(
        required=True,
        metadata={
            "description": "区划代码（县级部门为部门编码，如 MZ；基层站所如 GA-01）",
            "example": "511725201001",
        },
    )
    name = fields.String(required=True, metadata={"description": "名称", "example": "青丝社区"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(UNIT_KINDS)),
        metadata={"description": f"单位类别：{choices(UNIT_KINDS)}"},
    )
    kind_name = fields.String(required=True, metadata={"description": "单位类别名称"})
    township = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "所属乡镇（街道）的区划代码（县、县级部门与基层站所为 null）"},
    )
    township_name = fields.String(
        required=True, allow_none=True, metadata={"description": "所属乡镇（街道）名称"}
    )


class UnitListSchema(Schema):
    items = fields.List(
        fields.Nested(UnitSchema), required=True, metadata={"description": "按代码排序"}
    )
