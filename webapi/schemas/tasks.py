"""Tasks (待办): the caller's queue, one task with its form, and the task commands."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from webapi.schemas.common import LocalDateTime, PageSchema


def _text(description: str, *, required: bool = False, allow_none: bool = False) -> fields.String:
    return fields.String(
        required=required, allow_none=allow_none, metadata={"description": description}
    )


class CandidateSchema(Schema):
    """Someone who may take the task now (工作人员姓名：工作信息，非申请人个人信息)."""

    user = _text("用户名", required=True)
    name = _text("姓名", required=True)
    stand_in_for = _text("代岗时：所代的离岗人员用户名（A岗离岗由B岗代办）", allow_none=True)
    stand_in_for_name = _text("代岗时：所代的离岗人员姓名", allow_none=True)


class TaskShownSchema(Schema):
    """What every answer says of a task: its step, role and unit (code and name), when it
    is due and who holds it (``OpenTaskSchema``, ``TaskSummarySchema`` add the rest)."""

    id = _text("任务编号", required=True)
    spec_id = _text("流程中的环节编号", required=True)
    name = _text("环节名称", required=True)
    role = _text("办理岗位（角色代码）", allow_none=True)
    role_name = _text("办理岗位名称", allow_none=True)
    org_unit = _text("办理单位代码", allow_none=True)
    org_unit_name = _text("办理单位名称", allow_none=True)
    due_at = LocalDateTime(allow_none=True, metadata={"description": "环节办理时限"})
    overdue = fields.Boolean(required=True, metadata={"description": "已超过环节时限"})
    claimed_by = _text("认领人用户名（未认领为 null）", allow_none=True)
    claimed_by_name = _text("认领人姓名", allow_none=True)


class OpenTaskSchema(TaskShownSchema):
    """An open task of a case: which step, whose role and unit, when due, who acts next."""

    process_id = _text("环节所在的流程（事项流程或共用子流程）", required=True)
    candidates = fields.List(
        fields.Nested(CandidateSchema),
        required=True,
        metadata={
            "description": "此刻可以办理的人（按引擎时钟的当日）：未认领时为该单位担任此岗位的人，"
            "离岗登记的 A 岗由其 B 岗代替；已认领时为认领人（离岗时为其代岗人）。"
            "离岗人员不列出；为空表示当日无人在岗，可由乡镇分管领导指派"
        },
    )


class TaskSummarySchema(TaskShownSchema):
    """A task of the caller's queue, with its case."""

    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)


class CaseStateSchema(Schema):
    """The case after a change."""

    id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    status = _text("办件状态：open 在办 · completed 已办结 · cancelled 已撤件", required=True)
    status_name = _text("办件状态名称", required=True)
    version = fields.Integer(required=True, metadata={"description": "办件版本号（If-Match）"})
    due_date = fields.Date(
        allow_none=True, metadata={"description": "办结时限（受理后才有，受理前为 null）"}
    )


class TaskCompletedSchema(TaskSummarySchema):
    """The task just completed (as it was), the case after it, and who acts next."""

    case = fields.Nested(CaseStateSchema, required=True)
    next_tasks = fields.List(
        fields.Nested(OpenTaskSchema),
        required=True,
        metadata={"description": "办理后办件的全部待办任务（谁接着办）；办结或等待消息时可能为空"},
    )


class TaskListSchema(PageSchema):
    """A page of the caller's queue, earliest due first; ``total`` counts the whole queue."""

    items = fields.List(fields.Nested(TaskSummarySchema), required=True)


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
        metadata={"description": "办件版本号：办件已变化则 412 precondition_failed，什么也不改"},
    )


class IfMatchSchema(Schema):
    """``If-Match: "<case version>"`` (RFC 9110), the header form of ``expected_version``."""

    if_match = fields.String(
        data_key="If-Match",
        validate=validate.Regexp(
            r'^(\*|(W/)?"?[1-9][0-9]{0,9}"?)$', error='应为办件版本号，如 "7"，或 *'
        ),
        metadata={
            "description": '办件版本号，如 "7"（读取办件或任务时响应头 ETag 的值；* 表示任一版本；'
            "同 expected_version）：办件已变化则 412 precondition_failed，什么也不改"
        },
    )
