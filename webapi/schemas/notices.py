"""The notice outbox (短信通知) for administrators: the list and its filters."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import choices
from engine.records import NOTICE_KINDS, NOTICE_STATES
from webapi.schemas.common import LocalDateTime, PageArgsSchema, PageSchema


class NoticeQuerySchema(PageArgsSchema):
    state = fields.String(
        validate=validate.OneOf(list(NOTICE_STATES)),
        metadata={"description": f"只看此状态：{choices(NOTICE_STATES)}"},
    )
    kind = fields.String(
        validate=validate.OneOf(list(NOTICE_KINDS)),
        metadata={"description": f"只看此类通知：{choices(NOTICE_KINDS)}"},
    )
    case = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "只看此办件（办件 id）的通知"},
    )


class NoticeSchema(Schema):
    """一条短信通知：手机号遮蔽显示；发送成功后系统不再保存完整号码"""

    class Meta:
        title = "短信通知"

    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True, metadata={"description": "办件 id"})
    case_number = fields.String(allow_none=True, metadata={"description": "办件号"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(NOTICE_KINDS)),
        metadata={"description": choices(NOTICE_KINDS)},
    )
    kind_name = fields.String(required=True, metadata={"description": "通知类型名称"})
    phone = fields.String(required=True, metadata={"description": "手机号（遮蔽，如 138****1234）"})
    text = fields.String(required=True, metadata={"description": "通知内容"})
    state = fields.String(
        required=True,
        validate=validate.OneOf(list(NOTICE_STATES)),
        metadata={"description": choices(NOTICE_STATES)},
    )
    state_name = fields.String(required=True, metadata={"description": "状态名称"})
    attempts = fields.Integer(required=True, metadata={"description": "已尝试发送次数"})
    next_at = LocalDateTime(
        allow_none=True, metadata={"description": "下次尝试时间（待发送时；北京时间）"}
    )
    last_error = fields.String(allow_none=True, metadata={"description": "最近一次失败的原因"})
    created_at = LocalDateTime(required=True, metadata={"description": "生成时间"})
    sent_at = LocalDateTime(allow_none=True, metadata={"description": "发送成功时间"})
    idempotency_id = fields.String(
        required=True, metadata={"description": "幂等编号：重发时不变，短信网关据此去重"}
    )


class NoticePageSchema(PageSchema):
    items = fields.List(fields.Nested(NoticeSchema), required=True)
