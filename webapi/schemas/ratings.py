"""好差评: the resident's rating by its one-time link, ratings entered by staff, appeals."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import RATING_CHANNELS, RATING_LEVELS, RATING_REASONS, choices
from engine.messages import MAX_OPINION
from engine.ratings import ENTERED_CHANNELS, SCORES

_SCORES = "；".join(f"{score}：{RATING_LEVELS[level]}" for score, level in SCORES.items())


class RatingBodySchema(Schema):
    level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=5, error="应为 1 到 5 的整数（5 为非常满意）"),
        metadata={"description": f"评价等级，1 到 5：{_SCORES}", "example": 5},
    )
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(RATING_REASONS))),
        load_default=list,
        validate=validate.Length(max=len(RATING_REASONS)),
        metadata={
            "description": "不满意的原因（评价 1、2 时至少选一项）：" + choices(RATING_REASONS)
        },
    )
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_OPINION),
        metadata={"description": f"评价意见（不超过 {MAX_OPINION} 个字）"},
    )


class EnteredRatingSchema(RatingBodySchema):
    channel = fields.String(
        required=True,
        validate=validate.OneOf(ENTERED_CHANNELS),
        metadata={
            "description": "评价来自：" + choices({c: RATING_CHANNELS[c] for c in ENTERED_CHANNELS})
        },
    )


class RatingSubjectSchema(Schema):
    case_number = fields.String(
        required=True, metadata={"description": "办件编号（只显示后四位）", "example": "****0001"}
    )
    item_code = fields.String(required=True, allow_none=True, metadata={"description": "事项编码"})
    item_name = fields.String(required=True, allow_none=True, metadata={"description": "事项名称"})
    unit_name = fields.String(
        required=True, allow_none=True, metadata={"description": "承办单位（乡镇）"}
    )
    registered_on = fields.Date(required=True, metadata={"description": "登记日期"})


class RatingReceiptSchema(Schema):
    level = fields.String(
        required=True,
        validate=validate.OneOf(list(RATING_LEVELS)),
        metadata={"description": "记录的评价等级：" + choices(RATING_LEVELS)},
    )
    level_name = fields.String(required=True, metadata={"description": "评价等级名称"})
    message = fields.String(required=True, metadata={"description": "给评价人的答复"})


class AppealBodySchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_OPINION),
        metadata={"description": f"申诉理由（不超过 {MAX_OPINION} 个字）"},
    )


class AppealDecisionBodySchema(Schema):
    upheld = fields.Boolean(
        required=True, metadata={"description": "申诉是否成立（成立：该评价不计入满意率）"}
    )
    opinion = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_OPINION),
        metadata={"description": f"裁定意见（不超过 {MAX_OPINION} 个字）"},
    )


class AppealSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "申诉事件序号"})
    at = fields.DateTime(required=True, metadata={"description": "申诉时间"})
    by = fields.String(required=True, metadata={"description": "申诉人（用户名）"})
    reason = fields.String(required=True, metadata={"description": "申诉理由"})
    decided_seq = fields.Integer(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    decided_by = fields.String(required=True, allow_none=True)
    upheld = fields.Boolean(required=True, allow_none=True, metadata={"description": "是否成立"})
    opinion = fields.String(required=True, allow_none=True, metadata={"description": "裁定意见"})


class RatingSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "评价事件序号"})
    at = fields.DateTime(required=True)
    level = fields.String(required=True, metadata={"description": choices(RATING_LEVELS)})
    level_name = fields.String(required=True, allow_none=True)
    channel = fields.String(
        required=True,
        metadata={
            "description": "评价渠道："
            + choices(RATING_CHANNELS)
            + "；message：启用评价链接前由工作人员以消息提交"
        },
    )
    genuine = fields.Boolean(
        required=True, metadata={"description": "是否群众本人评价（计入满意率）"}
    )
    entered_by = fields.String(
        required=True, allow_none=True, metadata={"description": "录入人（群众本人评价时为空）"}
    )
    reasons = fields.List(fields.String(), required=True)
    comment = fields.String(required=True)
    appeal = fields.Nested(AppealSchema, required=True, allow_none=True)


class CaseRatingsSchema(Schema):
    waiting = fields.Boolean(required=True, metadata={"description": "办件是否正在等待评价"})
    invitation_url = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "群众评价链接（一次性；等待评价且调用者可办理该办件时给出，"
            "用于出示二维码）"
        },
    )
    ratings = fields.List(fields.Nested(RatingSchema), required=True)
