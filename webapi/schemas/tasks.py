"""Tasks (待办): the caller's queue, one task with its form, and the task commands."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from engine.labels import choices
from engine.records.queue import QUEUE_ORDERS, QUEUE_VIEWS
from webapi import cursors
from webapi.schemas.common import LocalDateTime, PageArgsSchema, PageSchema


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


class TaskQuerySchema(PageArgsSchema):
    """Which part of the queue, for which item, overdue or not, in which order."""

    view = fields.String(
        load_default="all",
        validate=validate.OneOf(list(QUEUE_VIEWS)),
        metadata={
            "description": f"待办范围：{choices(QUEUE_VIEWS)}（本人岗位未认领的为待认领；"
            "离岗同事的岗位任务和其认领的任务为代岗），默认 all",
            "x-enum-descriptions": list(QUEUE_VIEWS.values()),
        },
    )
    item = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "只列此事项（事项编码，如 MZ004）的待办"},
    )
    overdue = fields.Boolean(
        load_default=False, metadata={"description": "true：只列已超过环节时限的待办"}
    )
    sort = fields.String(
        load_default="due",
        validate=validate.OneOf(list(QUEUE_ORDERS)),
        metadata={
            "description": f"排序：{choices(QUEUE_ORDERS)}，默认 due",
            "x-enum-descriptions": list(QUEUE_ORDERS.values()),
        },
    )
    after = fields.String(
        validate=[
            validate.Length(min=1, max=1000),
            validate.Regexp(r"^[A-Za-z0-9_-]+$", error=cursors.INVALID),
        ],
        metadata={
            "description": "接着上一页往下列：上一页回答中的 `next_after`（与 `page` 二选一；"
            "翻页期间新到或办结的待办不会使后面的待办重复或漏列）"
        },
    )

    @validates_schema
    def _one_position(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "after" in data and data.get("page", 1) != 1:
            raise ValidationError("after 与 page 不能同时使用", field_name="after")

    @post_load
    def _decoded(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``after`` as the position it names in the order ``sort`` (a tuple)."""
        if "after" not in data:
            return data
        try:
            return {**data, "after": cursors.decode(data.get("sort", "due"), data["after"])}
        except ValueError as error:
            raise ValidationError(str(error), field_name="after") from None


class QueueTaskSchema(TaskSummarySchema):
    """A task of the caller's queue as the list shows it: its case, when it arrived,
    whose post it is while they are away, its warning and the applicant."""

    created_at = LocalDateTime(
        required=True, metadata={"description": "任务到达本环节（生成）的时间"}
    )
    stand_in_for = _text(
        "代岗时：所代的离岗同事的用户名（任务属其岗位或由其认领，其离岗期间由调用者代办）；"
        "调用者本人的任务为 null",
        allow_none=True,
    )
    stand_in_for_name = _text("代岗时：所代的离岗同事的姓名", allow_none=True)
    warning = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(["yellow", "red"]),
        metadata={
            "description": "预警：yellow 黄牌（时限已用去预警比例）· red 红牌（已超时限）；"
            "为定时任务（daiban tick）记录的预警：有环节时限的任务按其环节，与办件同时到期的"
            "任务按办件的承诺时限；null 无预警。未到定时任务运行时，以 overdue 为准",
            "x-enum-descriptions": ["黄牌", "红牌"],
        },
    )
    case_due_date = fields.Date(
        allow_none=True, metadata={"description": "办件的办结期限（受理后才有）"}
    )
    case_version = fields.Integer(
        required=True,
        metadata={"description": "办件版本号：在列表中认领、放弃认领时以 If-Match 带回"},
    )
    applicant_name = _text(
        "申请人姓名（调用者可查看该办件时给出，否则为 null；身份证号等不在列表中给出）",
        allow_none=True,
    )


class QueueCountsSchema(Schema):
    """How many tasks the whole queue has, per part (filters aside)."""

    all = fields.Integer(required=True, metadata={"description": "全部待办"})
    unclaimed = fields.Integer(required=True, metadata={"description": "待认领（本人岗位）"})
    mine = fields.Integer(required=True, metadata={"description": "我已认领"})
    stand_in = fields.Integer(required=True, metadata={"description": "代岗（离岗同事的）"})
    overdue = fields.Integer(required=True, metadata={"description": "已超环节时限"})


class QueueItemCountSchema(Schema):
    item_code = fields.String(required=True, metadata={"description": "事项编码"})
    item_name = fields.String(allow_none=True, metadata={"description": "事项名称"})
    count = fields.Integer(required=True, metadata={"description": "该事项的待办数"})


class TaskListSchema(PageSchema):
    """A page of the caller's queue (narrowed by ``view``, ``item``, ``overdue``, in the
    order ``sort`` names); ``total`` counts the narrowed queue, ``counts`` and
    ``item_counts`` the whole queue (to offer the filters)."""

    items = fields.List(fields.Nested(QueueTaskSchema), required=True)
    counts = fields.Nested(
        QueueCountsSchema, required=True, metadata={"description": "全部待办按范围计数"}
    )
    item_counts = fields.List(
        fields.Nested(QueueItemCountSchema),
        required=True,
        metadata={"description": "全部待办按事项计数（按事项编码排序）"},
    )
    next_after = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "下一页：作为 `after` 传回，接着本页往下列；本页已是最后一页时为 null"
        },
    )


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
