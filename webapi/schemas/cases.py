"""Cases (办件): registration, detail, list, messages and cancellation."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from engine.registration import MAX_ADDRESS, MAX_MATERIALS, MAX_NAME
from webapi.schemas.common import Day, JsonBoolean, LocalDateTime, PageArgsSchema, PageSchema

_CHANNELS = "village_point 村代办点 · mobile_post 流动代办 · township_window 乡镇窗口 · county_centre 县政务服务中心"


def _at_most(length: int) -> validate.Length:
    return validate.Length(max=length)


class ApplicantInSchema(Schema):
    # Loose shapes: the engine checks the values and reports every problem at once. Only
    # the lengths are checked here (and documented), so no text is unbounded.
    name = fields.String(
        load_default="",
        validate=_at_most(MAX_NAME),
        metadata={"description": "申请人姓名", "example": "张三"},
    )
    id_number = fields.String(
        load_default="",
        validate=_at_most(18),
        metadata={"description": "公民身份号码", "example": "11010519491231002X"},
    )
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(20),
        metadata={"description": "联系电话", "example": "13800001234"},
    )
    address = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(MAX_ADDRESS),
        metadata={"description": "住址", "example": "青丝街 1 号"},
    )
    village = fields.String(
        load_default="",
        validate=_at_most(12),
        metadata={"description": "所在村（社区）12 位区划代码", "example": "511725201001"},
    )


class CaseCreateSchema(Schema):
    item_code = fields.String(
        load_default="",
        validate=_at_most(50),
        metadata={"description": "事项编码", "example": "CL002"},
    )
    # A missing applicant is loaded as an empty one (every field at its default), so the
    # engine reports each of its fields rather than the view failing on a missing key.
    applicant = fields.Nested(ApplicantInSchema, load_default=lambda: ApplicantInSchema().load({}))
    channel = fields.String(
        load_default="",
        validate=_at_most(32),
        metadata={"description": _CHANNELS, "example": "township_window"},
    )
    agent = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(64),
        metadata={"description": "代办员（用户名）"},
    )
    materials = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=_at_most(MAX_MATERIALS),
        metadata={"description": "已收材料名称"},
    )
    emergency = JsonBoolean(load_default=False, metadata={"description": "急事急办"})


class TaskBriefSchema(Schema):
    id = fields.String(required=True)
    spec_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)


class ReceiptSchema(Schema):
    case_number = fields.String(required=True)
    item_name = fields.String(required=True)
    applicant = fields.String(required=True, metadata={"description": "申请人（身份证号已遮蔽）"})
    registered_at = LocalDateTime(required=True)
    materials = fields.List(fields.String(), required=True)


class CaseCreatedSchema(Schema):
    id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    item_code = fields.String(required=True)
    status = fields.String(required=True)
    due_date = fields.Date(allow_none=True)
    receipt = fields.Nested(ReceiptSchema, required=True)
    tasks = fields.List(fields.Nested(TaskBriefSchema), required=True)


class ApplicantOutSchema(Schema):
    name = fields.String()
    id_number = fields.String(metadata={"description": "无办理权限时遮蔽"})
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    village = fields.String(allow_none=True)


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    status = fields.String(required=True)
    due_date = fields.Date(allow_none=True)
    overdue = fields.Boolean(required=True)
    township = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    registered_unit = fields.String(allow_none=True)
    created_at = LocalDateTime(allow_none=True)


class CaseDetailSchema(CaseSummarySchema):
    version = fields.Integer(required=True)
    read_only = fields.Boolean(required=True, metadata={"description": "调用者只能查看"})
    applicant = fields.Nested(ApplicantOutSchema, allow_none=True)
    channel = fields.String(allow_none=True)
    via_proxy = fields.Boolean(allow_none=True)
    emergency = fields.Boolean(allow_none=True)
    materials = fields.List(fields.String(), allow_none=True)
    agent = fields.String(allow_none=True)
    tasks = fields.List(fields.Nested(TaskBriefSchema), required=True)
    waiting_messages = fields.List(fields.String(), required=True)
    county_since = LocalDateTime(allow_none=True)
    has_incident = fields.Boolean(required=True)


class CaseQuerySchema(PageArgsSchema):
    item = fields.String(
        validate=validate.Length(min=1, max=50), metadata={"description": "事项编码"}
    )
    status = fields.String(validate=validate.OneOf(["open", "completed", "cancelled"]))
    township = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    village = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    overdue = fields.Boolean(metadata={"description": "只看已超期的在办件"})
    from_ = Day(data_key="from", metadata={"description": "登记日期起（含）"})
    to = Day(metadata={"description": "登记日期止（含）"})


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)


class MessagePayloadSchema(Schema):
    """Any JSON object: the message's payload."""

    class Meta:
        unknown = INCLUDE


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
