"""The issue ledger (问题台账, 三转): recording, the list, an issue with its entries, actions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.labels import choices
from engine.ledger import (
    CATEGORIES,
    ENTRY_TYPES,
    LEVELS,
    MAX_CONTENT,
    MAX_NAME,
    MAX_NOTE,
    SOURCES,
    STATUSES,
)
from webapi.schemas.common import BLANK, NOT_BLANK, LocalDateTime, PageArgsSchema, PageSchema

# Shapes are checked here and documented (enums, patterns, lengths), so clients and the
# fuzzer can make valid input; the engine checks them again, and what no schema can state
# (the caller's own village, a known department, where the issue is held).


def _text(max_length: int, **metadata: str) -> fields.String:
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=max_length), validate.Regexp(NOT_BLANK, error=BLANK)],
        metadata=metadata,
    )


class ResidentInSchema(Schema):
    name = _text(MAX_NAME, description="反映人姓名", example="张三")
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^(|1\d{10}|0\d{2,3}-?\d{7,8})$", error="应为 11 位手机号或 0818-1234567 式座机号"
        ),
        metadata={"description": "联系电话（可不填）", "example": "13800001234"},
    )


class IssueCreateSchema(Schema):
    village = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{12}$", error="应为 12 位区划代码"),
        metadata={"description": "村（社区）12 位区划代码：登记人本村", "example": "511725201001"},
    )
    resident = fields.Nested(ResidentInSchema, required=True)
    category = fields.String(
        required=True,
        validate=validate.OneOf(list(CATEGORIES)),
        metadata={"description": f"问题类别：{choices(CATEGORIES)}", "example": "infrastructure"},
    )
    content = _text(
        MAX_CONTENT, description="群众反映的问题", example="三组村道雨后塌方，车辆无法通行"
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf(list(SOURCES)),
        metadata={"description": f"问题来源：{choices(SOURCES)}", "example": "meeting"},
    )


class NoteSchema(Schema):
    note = _text(
        MAX_NOTE,
        description="说明（中文，必填）：答复或办结情况、转办原因、群众不满意的原因",
        example="已联系镇交通办，本周内清理塌方",
    )


class TransferSchema(NoteSchema):
    department = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{2,4}$", error="应为县级部门代码，如 MZ"),
        metadata={
            "description": "承办的县级部门代码：乡镇转县级部门时必填，村转乡镇时不填",
            "example": "MZ",
        },
    )


class EntrySchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "序号，从 1 开始"})
    type = fields.String(required=True, metadata={"description": choices(ENTRY_TYPES)})
    type_name = fields.String(required=True, metadata={"description": "记录类型名称"})
    level = fields.String(
        required=True, metadata={"description": f"此后问题所在层级：{choices(LEVELS)}"}
    )
    level_name = fields.String(required=True, metadata={"description": "层级名称"})
    department = fields.String(allow_none=True, metadata={"description": "转至的县级部门代码"})
    department_name = fields.String(allow_none=True, metadata={"description": "县级部门名称"})
    actor = fields.String(required=True)
    actor_name = fields.String(allow_none=True, metadata={"description": "办理人姓名"})
    at = LocalDateTime(required=True)
    note = fields.String(required=True)


class IssueSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(
        required=True,
        metadata={"description": "台账编号：TZ + 村代码 + 日期 + 当日序号"},
    )
    village = fields.String(required=True)
    village_name = fields.String(allow_none=True, metadata={"description": "村（社区）名称"})
    township = fields.String(required=True)
    township_name = fields.String(allow_none=True, metadata={"description": "乡镇名称"})
    level = fields.String(required=True, metadata={"description": f"所在层级：{choices(LEVELS)}"})
    level_name = fields.String(required=True, metadata={"description": "层级名称"})
    department = fields.String(allow_none=True, metadata={"description": "转至的县级部门代码"})
    department_name = fields.String(allow_none=True, metadata={"description": "县级部门名称"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(list(STATUSES)),
        metadata={"description": f"办理状态：{choices(STATUSES)}"},
    )
    status_name = fields.String(
        required=True, metadata={"description": "办理状态名称", "example": "办理中"}
    )
    resident_name = fields.String(required=True)
    resident_phone = fields.String(
        allow_none=True, metadata={"description": "列表中遮蔽；详情中只对可办理者显示全号"}
    )
    category = fields.String(required=True, metadata={"description": choices(CATEGORIES)})
    category_name = fields.String(required=True, metadata={"description": "问题类别名称"})
    source = fields.String(required=True, metadata={"description": choices(SOURCES)})
    source_name = fields.String(required=True, metadata={"description": "问题来源名称"})
    content = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(required=True)


class IssueDetailSchema(IssueSummarySchema):
    read_only = fields.Boolean(required=True, metadata={"description": "调用者只能查看"})
    actions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "调用者现在可做的操作：answer、transfer、resolve、reopen"},
    )
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class IssuePageSchema(PageSchema):
    items = fields.List(fields.Nested(IssueSummarySchema), required=True)


class IssueQuerySchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf(list(STATUSES)), metadata={"description": choices(STATUSES)}
    )
    township = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    village = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    from_ = fields.Date(data_key="from", metadata={"description": "登记日期起（含）"})
    to = fields.Date(metadata={"description": "登记日期止（含）"})
