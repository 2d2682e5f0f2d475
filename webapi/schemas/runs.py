"""Scheduled pickup and delivery runs (定期取件/定期送件): the list, one run, completing it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import RUN_KINDS, RUN_STATUSES, choices
from webapi.schemas.common import Day, LocalDateTime, PageArgsSchema, PageSchema


class RunQuerySchema(PageArgsSchema):
    pass


class RunCaseSchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True, metadata={"description": "办件编号"})
    task_id = fields.String(required=True, metadata={"description": "本批次为该办件办理的任务"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(RUN_KINDS)),
        metadata={"description": f"取送类别：{choices(RUN_KINDS)}"},
    )
    kind_name = fields.String(required=True, metadata={"example": "定期取件"})
    village = fields.String(required=True, metadata={"description": "村（社区）区划代码"})
    village_name = fields.String(allow_none=True, metadata={"example": "石桥村"})
    task_open = fields.Boolean(required=True, metadata={"description": "该任务尚未办理"})


class RunSchema(Schema):
    id = fields.Integer(required=True)
    agent = fields.String(required=True, metadata={"description": "流动代办员用户名"})
    agent_name = fields.String(allow_none=True, metadata={"example": "何平"})
    township = fields.String(required=True, metadata={"example": "511725201"})
    township_name = fields.String(allow_none=True, metadata={"example": "青丝乡"})
    day = Day(required=True, metadata={"description": "取送日期（北京时间）"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(list(RUN_STATUSES)),
        metadata={"description": f"状态：{choices(RUN_STATUSES)}"},
    )
    status_name = fields.String(required=True, metadata={"example": "待出发"})
    cases = fields.List(fields.Nested(RunCaseSchema), required=True)
    left = fields.Integer(required=True, metadata={"description": "任务尚未办理的办件数"})
    created_at = LocalDateTime(required=True)
    completed_at = LocalDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class RunPageSchema(PageSchema):
    items = fields.List(fields.Nested(RunSchema), required=True)
