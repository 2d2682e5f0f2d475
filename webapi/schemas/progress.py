"""办件进度查询 (the public progress lookup): its query and its answer, nothing personal."""

from __future__ import annotations

from marshmallow import Schema, fields

from webapi.schemas.cases import Pattern
from webapi.schemas.common import case_status, case_status_name


class ProgressQuerySchema(Schema):
    number = fields.String(
        required=True,
        validate=Pattern(r"^[0-9]{10,40}$", error="应为办件编号（回执上的 10–40 位数字）"),
        metadata={
            "title": "办件编号",
            "description": "办件编号（案号），见受理回执，10–40 位数字",
            "example": "511725201001202609240001",
        },
    )
    id_tail = fields.String(
        required=True,
        validate=Pattern(
            r"^[0-9Xx]{6}$", error="应为申请人身份证号码的后 6 位（数字，末位可为 X）"
        ),
        metadata={
            "title": "身份证号码后六位",
            "description": "申请人公民身份号码的后 6 位（数字，末位可为 X，不区分大小写）",
            "example": "31002X",
        },
    )


class DoneStepSchema(Schema):
    name = fields.String(required=True, metadata={"description": "办理环节", "example": "受理"})
    unit_name = fields.String(
        required=True, allow_none=True, metadata={"description": "办理单位", "example": "青丝乡"}
    )
    done_on = fields.Date(required=True, metadata={"description": "办完日期"})


class CurrentStepSchema(Schema):
    name = fields.String(required=True, metadata={"description": "正在办理的环节"})
    unit_name = fields.String(required=True, allow_none=True, metadata={"description": "办理单位"})
    since = fields.Date(
        required=True, allow_none=True, metadata={"description": "到达该环节的日期"}
    )


class WaitingSchema(Schema):
    name = fields.String(
        required=True,
        metadata={"description": "等待的消息（代码）", "example": "materials_resubmitted"},
    )
    title = fields.String(
        required=True, metadata={"description": "等待什么", "example": "申请人补正材料"}
    )


class ProgressSchema(Schema):
    case_number = fields.String(required=True, metadata={"description": "办件编号"})
    item_code = fields.String(required=True, allow_none=True, metadata={"description": "事项编码"})
    item_name = fields.String(required=True, allow_none=True, metadata={"description": "事项名称"})
    status = case_status()
    status_name = case_status_name()
    registered_on = fields.Date(required=True, metadata={"description": "登记日期"})
    due_date = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "办结期限；从受理起算的事项在受理前为 null"},
    )
    overdue = fields.Boolean(required=True, metadata={"description": "在办且已过办结期限"})
    completed_on = fields.Date(
        required=True, allow_none=True, metadata={"description": "办结日期；未办结为 null"}
    )
    steps_done = fields.List(
        fields.Nested(DoneStepSchema),
        required=True,
        metadata={"description": "已办完的环节，按办理先后（只有环节与单位，不含经办人）"},
    )
    current = fields.List(
        fields.Nested(CurrentStepSchema),
        required=True,
        metadata={"description": "正在办理的环节"},
    )
    waiting = fields.List(
        fields.Nested(WaitingSchema),
        required=True,
        metadata={"description": "办件在等待的事（如申请人补正材料）"},
    )
    missing = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "尚需补正或补交的材料；没有则为空"},
    )
