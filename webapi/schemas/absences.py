"""The absence register (离岗登记): registering an absence, its return (返岗), the list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.absences import MAX_DAYS, MAX_REASON
from engine.labels import ABSENCE_SOURCES, ABSENCE_STATUSES, choices
from webapi.schemas.common import (
    BLANK,
    NOT_BLANK,
    Day,
    LocalDateTime,
    PageArgsSchema,
    PageSchema,
)
from webapi.schemas.people import PersonRefSchema, user_id


class AbsenceCreateSchema(Schema):
    """离岗登记：人员、起止日期（含）与原因；离岗期间其待办由 B 岗或替岗人办理"""

    class Meta:
        title = "离岗登记"

    user = user_id("离岗人员的用户名（须有 B 岗或替岗人）", required=True)
    from_ = Day(
        data_key="from",
        required=True,
        metadata={
            "title": "开始日期",
            "description": "离岗开始日期（含）",
            "example": "2026-10-08",
        },
    )
    to = Day(
        required=True,
        metadata={
            "title": "结束日期",
            "description": f"离岗结束日期（含），不早于开始日期和今天；一次最多 {MAX_DAYS} 天",
            "example": "2026-10-09",
        },
    )
    reason = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_REASON), validate.Regexp(NOT_BLANK, error=BLANK)],
        metadata={
            "title": "原因",
            "description": "离岗原因，如 年休假、外出培训",
            "example": "年休假",
        },
    )


class AbsenceEndSchema(Schema):
    """返岗：自哪天起回到岗位（默认今天）"""

    class Meta:
        title = "返岗"

    on = Day(
        metadata={
            "title": "返岗日期",
            "description": "自这天起不再离岗（默认今天）；不晚于离岗结束日期，"
            "不晚于开始日期则撤销整个离岗",
            "example": "2026-10-09",
        },
    )


class AbsenceSchema(Schema):
    """一条离岗：来自组织机构文件（id 为 null，只能在文件中修改）或离岗登记"""

    class Meta:
        title = "离岗"

    id = fields.Integer(
        allow_none=True, metadata={"description": "登记编号；来自组织机构文件的为 null"}
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf(list(ABSENCE_SOURCES)),
        metadata={
            "description": f"来源：{choices(ABSENCE_SOURCES)}",
            "x-enum-descriptions": list(ABSENCE_SOURCES.values()),
        },
    )
    source_name = fields.String(required=True, metadata={"description": "来源名称"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(list(ABSENCE_STATUSES)),
        metadata={
            "description": f"今天（引擎时钟）的状态：{choices(ABSENCE_STATUSES)}",
            "x-enum-descriptions": list(ABSENCE_STATUSES.values()),
        },
    )
    status_name = fields.String(required=True, metadata={"description": "状态名称"})
    user = fields.String(required=True, metadata={"description": "离岗人员的用户名"})
    user_name = fields.String(required=True, metadata={"description": "离岗人员姓名"})
    unit = fields.String(required=True, metadata={"description": "离岗人员所属单位编码"})
    unit_name = fields.String(allow_none=True, metadata={"description": "所属单位名称"})
    from_ = fields.Date(
        data_key="from", required=True, metadata={"description": "离岗开始日期（含）"}
    )
    to = fields.Date(required=True, metadata={"description": "离岗结束日期（含），按登记"})
    returned_on = fields.Date(
        allow_none=True,
        metadata={"description": "返岗日期：自这天起不再离岗（登记返岗后才有）；否则为 null"},
    )
    reason = fields.String(required=True, metadata={"description": "离岗原因"})
    deputy = fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "离岗期间接替办理的人（AB 岗搭档或替岗人）"},
    )
    recorded_by = fields.String(allow_none=True, metadata={"description": "登记人用户名"})
    recorded_by_name = fields.String(allow_none=True, metadata={"description": "登记人姓名"})
    recorded_at = LocalDateTime(allow_none=True, metadata={"description": "登记时间"})
    ended_at = LocalDateTime(allow_none=True, metadata={"description": "登记返岗的时间"})
    ended_by = fields.String(allow_none=True, metadata={"description": "登记返岗的人的用户名"})
    ended_by_name = fields.String(allow_none=True, metadata={"description": "登记返岗的人的姓名"})


class AbsencePageSchema(PageSchema):
    items = fields.List(fields.Nested(AbsenceSchema), required=True)


class AbsenceQuerySchema(PageArgsSchema):
    all_ = fields.Boolean(
        data_key="all",
        load_default=False,
        metadata={"description": "true：连同已结束、已撤销的离岗（默认只列离岗中和未开始的）"},
    )
    user = user_id("只看此人的离岗")
