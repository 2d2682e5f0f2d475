"""What auditors read of a case: its history, its state at any event, verification, and
the state of each BPMN element for painting the diagram."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import EVENT_TYPES, ROLES, choices
from webapi.schemas.common import LocalDateTime, case_status, case_status_name


class TaskRefSchema(Schema):
    id = fields.String(required=True)
    spec_id = fields.String(required=True, metadata={"description": "BPMN 元素 id"})
    name = fields.String(required=True, metadata={"description": "任务名称"})
    process_id = fields.String(required=True)
    role = fields.String(allow_none=True, metadata={"description": "岗位（泳道）代码"})
    role_name = fields.String(allow_none=True, metadata={"description": "岗位名称"})
    org_unit = fields.String(allow_none=True, metadata={"description": "承办单位代码"})
    org_unit_name = fields.String(allow_none=True, metadata={"description": "承办单位名称"})


class HistoryEventSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "事件序号，从 1 起"})
    type = fields.String(
        required=True,
        metadata={"description": f"事件类型：{choices(EVENT_TYPES)}", "example": "task_completed"},
    )
    type_name = fields.String(
        required=True, metadata={"description": "事件类型名称", "example": "办理任务"}
    )
    at = LocalDateTime(required=True, metadata={"description": "时间（北京时间；存储为 UTC）"})
    actor = fields.String(required=True, metadata={"description": "操作人"})
    actor_name = fields.String(allow_none=True, metadata={"description": "操作人姓名"})
    role = fields.String(
        allow_none=True, metadata={"description": f"操作人当时的岗位：{choices(ROLES)}"}
    )
    role_name = fields.String(allow_none=True, metadata={"description": "岗位名称"})
    org_unit = fields.String(allow_none=True, metadata={"description": "操作人所属单位代码"})
    org_unit_name = fields.String(
        allow_none=True, metadata={"description": "操作人所属单位名称", "example": "青丝乡"}
    )
    on_behalf_of = fields.String(
        allow_none=True, metadata={"description": "代办时所代的群众（身份证号已遮蔽）"}
    )
    task = fields.Nested(TaskRefSchema, allow_none=True, metadata={"description": "所办理的任务"})
    opened = fields.List(
        fields.Nested(TaskRefSchema), required=True, metadata={"description": "由此产生的待办"}
    )
    data = fields.Dict(
        required=True, metadata={"description": "提交的数据（无办理权限时身份证号、电话遮蔽）"}
    )
    hash = fields.String(required=True, metadata={"description": "本事件哈希（SHA-256）"})
    prev_hash = fields.String(required=True, metadata={"description": "前一事件哈希"})
    state_digest = fields.String(allow_none=True, metadata={"description": "事件后的状态摘要"})
    clock_offset = fields.Integer(
        allow_none=True,
        metadata={
            "description": "培训或演示库：记录时培训时钟比系统时钟快多少秒（计入哈希；"
            "at 减去它为系统时间）；生产库为 null"
        },
    )
    request_id = fields.String(
        allow_none=True,
        metadata={
            "description": "写入该事件的请求编号（同响应头 X-Request-Id 与日志中的 request_id；"
            "命令行为 cli-…；不计入哈希）；较早的事件为 null",
            "example": "4f0c2a9e8b7d4e51a3c6d2f1e0b9a877",
        },
    )


class HistorySchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    masked = fields.Boolean(required=True, metadata={"description": "数据中的身份证号、电话已遮蔽"})
    events = fields.List(fields.Nested(HistoryEventSchema), required=True)
    labels = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "各事件数据中字段的中文名称：字段路径 → 名称，覆盖本办件历史中出现的、"
            "有名称的每个字段。路径从提交的数据（收件登记、任务表单、消息内容，即事件 data 中的 "
            "data 或 payload）算起，其余记录从事件 data 算起；对象成员以点连接"
            "（applicant.id_number），列表各项不增加路径。名称取自办件所用流程版本（含所调用的公共"
            "环节）的任务表单、消息的 JSON Schema 与收件登记、事件记录的固定名称；同一路径在本办件"
            "中有不同名称时以“／”连接",
            "example": {
                "intake_decision": "受理意见",
                "applicant": "申请人",
                "applicant.id_number": "公民身份号码",
                "level": "评价等级",
            },
        },
    )
    value_labels = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        required=True,
        metadata={
            "description": "取值为代码（枚举）的字段：字段路径（同 labels）→ {取值 → 中文名称}，"
            "取自表单枚举选项、消息 JSON Schema 的 oneOf（const + title）与收件渠道等代码表",
            "example": {
                "intake_decision": {"accept": "受理", "refuse": "不予受理"},
                "channel": {"township_window": "乡镇便民服务中心窗口"},
            },
        },
    )


class StateArgsSchema(Schema):
    at = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "事件序号：返回该事件之后的状态（默认最后一个事件）"},
    )


class StateTaskSchema(TaskRefSchema):
    """A task open after the event, as replayed."""

    claimed_by = fields.String(allow_none=True, metadata={"description": "认领人"})


class StateSchema(Schema):
    case_id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    at = LocalDateTime(required=True, metadata={"description": "该事件的时间"})
    status = case_status()
    status_name = case_status_name()
    digest = fields.String(required=True, metadata={"description": "重放得到的状态摘要"})
    recorded_digest = fields.String(
        allow_none=True, metadata={"description": "该事件记录的状态摘要（应与 digest 相同）"}
    )
    due_date = fields.Date(allow_none=True, metadata={"description": "当时的办结期限"})
    tasks = fields.List(fields.Nested(StateTaskSchema), required=True)
    data = fields.Dict(required=True)
    masked = fields.Boolean(required=True)


class DisagreementSchema(Schema):
    seq = fields.Integer(
        allow_none=True, metadata={"description": "首个不一致的事件序号；空为快照"}
    )
    message = fields.String(required=True)


class VerifySchema(Schema):
    case_id = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    summary = fields.String(required=True)
    problems = fields.List(fields.Nested(DisagreementSchema), required=True)


class DefinitionRefSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    hash = fields.String(required=True)


class DiagramSchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    seq = fields.Integer(required=True)
    at = LocalDateTime(required=True)
    status = case_status()
    status_name = case_status_name()
    due_date = fields.Date(allow_none=True)
    case_overdue = fields.Boolean(required=True, metadata={"description": "办件已超过办结期限"})
    definition = fields.Nested(
        DefinitionRefSchema,
        required=True,
        metadata={
            "description": "办件所用的流程版本；BPMN 见 GET /definitions/{process_id}/{version}"
        },
    )
    elements = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(
            keys=fields.String(),
            values=fields.String(validate=validate.OneOf(["completed", "active", "cancelled"])),
        ),
        required=True,
        metadata={
            "description": "按流程（本流程及所调用的公共环节）：元素 id → completed/active/cancelled"
        },
    )
    overdue = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "按流程：已超过环节时限的在办元素 id"},
    )
