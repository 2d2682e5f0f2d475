"""The clock of a training or demo database (培训/演示库): what it shows, how far to move it."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from engine.clock import DURATION_FORMAT, DURATION_PATTERN, parse_duration
from engine.errors import DataValidationError
from webapi.schemas.common import LocalDateTime

MODES = ("production", "training", "demo")


def _forward(text: str) -> None:
    try:
        parse_duration(text)
    except DataValidationError as error:
        raise ValidationError(error.fields["by"]) from None


class AdvanceSchema(Schema):
    by = fields.String(
        required=True,
        validate=[validate.Length(min=2, max=10), _forward],
        metadata={
            "description": f"前移多久：{DURATION_FORMAT}；一次最多 366 天",
            "example": "8d",
            "pattern": DURATION_PATTERN,
        },
    )


class ClockSchema(Schema):
    mode = fields.String(
        required=True,
        validate=validate.OneOf(MODES),
        metadata={
            "description": "production（生产库，时钟为系统时钟）、training（培训库）、demo（演示库）"
        },
    )
    mode_name = fields.String(required=True, metadata={"description": "生产、培训或演示"})
    training = fields.Boolean(required=True, metadata={"description": "时钟可否前移"})
    now = LocalDateTime(required=True, metadata={"description": "引擎当前时间（系统时间加偏移）"})
    system_time = LocalDateTime(required=True, metadata={"description": "系统时间"})
    offset_seconds = fields.Integer(required=True, metadata={"description": "累计前移秒数"})
    offset = fields.String(required=True, metadata={"description": "累计前移，如“8 天”"})
    flagged_at = LocalDateTime(
        allow_none=True, metadata={"description": "标记为培训或演示库的时间"}
    )
    flagged_by = fields.String(allow_none=True)
    advanced_at = LocalDateTime(allow_none=True, metadata={"description": "最近一次前移的时间"})
    advanced_by = fields.String(allow_none=True)


class TickSchema(Schema):
    fired = fields.List(
        fields.Integer(), required=True, metadata={"description": "定时器已触发的办件"}
    )
    incidents = fields.List(
        fields.Integer(), required=True, metadata={"description": "触发时出现异常的办件"}
    )
    conflicts = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "触发时与其他操作冲突、留待下次的办件"},
    )
    warnings = fields.Integer(required=True, metadata={"description": "新发出的黄牌、红牌预警条数"})


class AdvancedSchema(ClockSchema):
    tick = fields.Nested(
        TickSchema,
        required=True,
        metadata={"description": "前移后随即触发到期定时器（同 daiban tick）的结果"},
    )
