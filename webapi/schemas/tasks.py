"""Tasks (待办): the caller's queue, one task with its form, and the task commands."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from webapi.schemas.common import LocalDateTime


class TaskSummarySchema(Schema):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    spec_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    org_unit = fields.String(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    overdue = fields.Boolean(required=True)


class TaskListSchema(Schema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)
    total = fields.Integer(required=True)


class TaskDetailSchema(TaskSummarySchema):
    case_version = fields.Integer(required=True)
    may_act = fields.Boolean(required=True, metadata={"description": "调用者可以办理"})
    form = fields.Dict(required=True, metadata={"description": "表单（JSON Schema）"})
    outcomes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "各选择字段的可选结果"},
    )


class AssignSchema(Schema):
    user = fields.String(required=True, validate=validate.Length(min=1, max=64))


class FormDataSchema(Schema):
    """Any JSON object: the task's form data, checked by the engine."""

    class Meta:
        unknown = INCLUDE


class ExpectedVersionSchema(Schema):
    expected_version = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "办件版本号：办件已变化则 409，什么也不改"},
    )


class IfMatchSchema(Schema):
    """``If-Match: "<case version>"`` (RFC 9110), the header form of ``expected_version``."""

    if_match = fields.String(
        data_key="If-Match",
        validate=validate.Regexp(r'^(W/)?"?[1-9][0-9]{0,9}"?$', error='应为办件版本号，如 "7"'),
        metadata={"description": "办件版本号（同 expected_version）"},
    )
