"""Cases (办件): registration, detail, list, messages and cancellation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.types import UnknownOption

from engine.definitions.form_formats import USCC_PATTERN
from engine.labels import APPLICANT_KINDS, CASE_STATUSES, choices
from engine.registration import (
    CLOCK_STARTS,
    LIMIT_UNITS,
    MAX_ADDRESS,
    MAX_FACTS,
    MAX_MATERIALS,
    MAX_NAME,
    MAX_ORGANISATION_NAME,
)
from processes.channels import CHANNELS
from processes.patterns import PHONE
from webapi.field_errors import field_errors, translate
from webapi.schemas.common import (
    BLANK,
    NOT_BLANK,
    Day,
    JsonBoolean,
    LocalDateTime,
    PageArgsSchema,
    PageSchema,
    case_status,
    case_status_name,
)
from webapi.schemas.tasks import OpenTaskSchema

# How far a case search counts its matches unless asked for the exact total.
COUNT_UP_TO = 1000


def _at_most(length: int) -> validate.Length:
    return validate.Length(max=length)


class Pattern(validate.Regexp):
    """A JSON Schema ``pattern`` (ECMA-262, unanchored unless it says ``^``/``$``),
    published as written and checked with the same meaning: ``$`` is the end of the
    text, a trailing newline does not slip through as Python's ``$`` would let it."""

    def __init__(self, pattern: str, error: str) -> None:
        super().__init__(pattern, error=error)
        self._checked = re.compile(re.sub(r"\$$", r"\\Z", pattern))

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self._checked.search(value) is None:
            raise ValidationError(self._format_error(value))
        return value


CHANNEL_HELP = " · ".join(f"{code} {name}" for code, name in CHANNELS.items())
SHAPE_ERRORS = "_shape_errors"  # loaded data: the problems of the body's fields, by field


class ReportingAll(Schema):
    """A request body whose field problems do not stop the request at the parser: they
    are loaded under ``SHAPE_ERRORS`` (field → Chinese reason) beside the valid fields,
    so that the engine, checking the rest, reports every problem of the request at once
    (one 422). A body that is not an object still fails here. A missing nested object
    is reported as each of its required fields missing."""

    def load(  # type: ignore[override]
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: bool | None = None,
        unknown: UnknownOption | None = None,
    ) -> Any:
        try:
            return super().load(data, many=many, partial=partial, unknown=unknown)
        except ValidationError as error:
            messages, loaded = error.messages, error.valid_data
            if not isinstance(data, Mapping) or not isinstance(messages, dict):
                raise
            if "_schema" in messages or not isinstance(loaded, dict):
                raise
            return {**loaded, SHAPE_ERRORS: self._reasons(messages)}

    def _reasons(self, messages: dict[str, Any]) -> dict[str, str]:
        reasons: dict[str, str] = {}
        for name, found in messages.items():
            field = self.fields.get(name)
            missing = found == [field.error_messages["required"]] if field else False
            if missing and isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
                for inner, inner_field in field.schema.fields.items():
                    if inner_field.required:
                        reasons[f"{name}.{inner}"] = translate(str(found[0]))
                continue
            for error in field_errors({"json": {name: found}}):
                known = reasons.get(error["field"])
                reasons[error["field"]] = (
                    f"{known}；{error['reason']}" if known else error["reason"]
                )
        return reasons


class ApplicantInSchema(Schema):
    """申请人（执法案件的当事人）：自然人填姓名与公民身份号码，法人或其他组织填名称、
    统一社会信用代码与法定代表人；所在村（社区）必填"""

    class Meta:
        title = "申请人"

    kind = fields.String(
        load_default="person",
        validate=validate.OneOf(list(APPLICANT_KINDS)),
        metadata={
            "title": "申请人类型",
            "description": f"申请人类型（默认 person）：{choices(APPLICANT_KINDS)}",
            "x-enum-descriptions": list(APPLICANT_KINDS.values()),
            "example": "person",
        },
    )
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=MAX_ORGANISATION_NAME),
            Pattern(r"\S", error="不能只有空白"),
        ],
        metadata={
            "title": "姓名或名称",
            "description": f"自然人姓名（最多 {MAX_NAME} 字）或组织名称（最多 {MAX_ORGANISATION_NAME} 字）",
            "example": "张三",
        },
    )
    id_number = fields.String(
        load_default="",
        validate=Pattern(r"^(?:[0-9]{17}[0-9Xx])?$", error="公民身份号码应为 18 位（末位可为 X）"),
        metadata={
            "title": "公民身份号码",
            "description": "自然人必填：18 位，末位可为 X；服务器另核验出生日期与校验码（GB 11643）",
            "example": "11010519491231002X",
        },
    )
    uscc = fields.String(
        load_default=None,
        allow_none=True,
        validate=Pattern(f"^(?:{USCC_PATTERN[1:-1]})?$", error="统一社会信用代码应为 18 位"),
        metadata={
            "title": "统一社会信用代码",
            "description": "法人或其他组织必填：18 位；服务器另核验校验码（GB 32100-2015）",
            "example": "91511725MA6XXXXXXX",
        },
    )
    legal_representative = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(MAX_NAME),
        metadata={
            "title": "法定代表人（负责人）",
            "description": "法人或其他组织必填：法定代表人或负责人姓名",
        },
    )
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=Pattern(f"^(?:{PHONE})?$", error="应为 11 位手机号或 0818-1234567 式座机号"),
        metadata={
            "title": "联系电话",
            "description": "11 位手机号或带区号的座机号（0818-1234567）；可为空",
            "example": "13800001234",
        },
    )
    address = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(MAX_ADDRESS),
        metadata={"title": "住址", "description": "申请人住址；可为空", "example": "青丝街 1 号"},
    )
    village = fields.String(
        required=True,
        validate=Pattern(r"^[0-9]{12}$", error="应为 12 位区划代码"),
        metadata={
            "title": "所在村（社区）",
            "description": "申请人所在村（社区）的 12 位区划代码，须为本县的村（社区）",
            "example": "511725201001",
        },
    )


class CaseCreateSchema(ReportingAll):
    """收件登记：事项、申请人、收件渠道必填；每处错误一次列出（422）"""

    class Meta:
        title = "收件登记"

    item_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={
            "title": "事项编码",
            "description": "事项目录中的编码（GET /api/v1/items）",
            "example": "CL002",
        },
    )
    applicant = fields.Nested(
        ApplicantInSchema, required=True, metadata={"title": "申请人", "description": "申请人"}
    )
    channel = fields.String(
        required=True,
        validate=validate.OneOf(list(CHANNELS)),
        metadata={
            "title": "收件渠道",
            "description": f"收件渠道：{CHANNEL_HELP}",
            "x-enum-descriptions": list(CHANNELS.values()),
            "example": "township_window",
        },
    )
    agent = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(64),
        metadata={"title": "代办员", "description": "代办员的用户名（代办时）；可为空"},
    )
    materials = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=_at_most(MAX_MATERIALS),
        metadata={
            "title": "已收材料",
            "description": f"已收材料名称（该事项申请材料中的名称，最多 {MAX_MATERIALS} 项）",
        },
    )
    emergency = JsonBoolean(
        load_default=False,
        metadata={"title": "急事急办", "description": "急事急办（默认 false）"},
    )
    facts = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(MAX_FACTS),
        metadata={
            "title": "案情（违法线索）",
            "description": "执法立案（渠道 enforcement）必填：发现的违法线索或事实",
        },
    )
    place = fields.String(
        load_default=None,
        allow_none=True,
        validate=_at_most(MAX_ADDRESS),
        metadata={
            "title": "违法地点",
            "description": "执法立案必填；违法行为发生的村（社区）填在 applicant.village",
        },
    )


class DueRuleSchema(Schema):
    """办结时限从何时起算、多长"""

    starts = fields.String(
        required=True,
        validate=validate.OneOf(list(CLOCK_STARTS)),
        metadata={
            "description": "起算时点：acceptance 受理（材料审查受理之日）· registration 登记 · "
            "filing 立案（执法案件，立案前 due_date 为 null）",
            "x-enum-descriptions": list(CLOCK_STARTS.values()),
        },
    )
    limit_days = fields.Integer(
        required=True, metadata={"description": "承诺时限（天数，单位见 unit；即办件为 0）"}
    )
    unit = fields.String(
        required=True,
        validate=validate.OneOf(list(LIMIT_UNITS)),
        metadata={
            "description": "计算单位：working_days 工作日 · calendar_days 自然日",
            "x-enum-descriptions": ["工作日", "自然日"],
        },
    )
    limit_working_days = fields.Integer(
        allow_none=True, metadata={"description": "以工作日计的承诺时限（按自然日计时为 null）"}
    )
    on_the_spot = fields.Boolean(required=True, metadata={"description": "即办件（当场办结）"})
    text = fields.String(
        required=True,
        metadata={"description": "时限说明", "example": "受理之日起 10 个工作日内办结"},
    )


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
    status = case_status()
    status_name = case_status_name()
    due_date = fields.Date(
        allow_none=True,
        metadata={"description": "办结期限；从受理起算的事项在受理前为 null（见 due_rule）"},
    )
    due_rule = fields.Nested(
        DueRuleSchema,
        allow_none=True,
        metadata={"description": "办结时限的规则：起算时点与承诺时限"},
    )
    receipt = fields.Nested(ReceiptSchema, required=True)
    tasks = fields.List(
        fields.Nested(OpenTaskSchema),
        required=True,
        metadata={"description": "登记后的待办任务（谁接着办）"},
    )


class ApplicantOutSchema(Schema):
    kind = fields.String(
        metadata={"description": f"申请人类型；无此字段为自然人：{choices(APPLICANT_KINDS)}"}
    )
    name = fields.String()
    id_number = fields.String(metadata={"description": "自然人的公民身份号码；无办理权限时遮蔽"})
    uscc = fields.String(metadata={"description": "组织的统一社会信用代码（公开信息，不遮蔽）"})
    legal_representative = fields.String(metadata={"description": "组织的法定代表人（负责人）"})
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    village = fields.String(allow_none=True)


def _unit_name(what: str) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": f"{what}名称"})


class CaseSummarySchema(Schema):
    id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    status = case_status()
    status_name = case_status_name()
    due_date = fields.Date(allow_none=True)
    overdue = fields.Boolean(required=True)
    township = fields.String(
        allow_none=True, metadata={"description": "办理乡镇（街道）9 位区划代码"}
    )
    township_name = _unit_name("办理乡镇（街道）")
    village = fields.String(
        allow_none=True, metadata={"description": "申请人所在村（社区）12 位区划代码"}
    )
    village_name = _unit_name("申请人所在村（社区）")
    department = fields.String(
        allow_none=True,
        metadata={"description": "决定单位代码：县级部门（如 MZ）或基层站所（如 GA-01）"},
    )
    department_name = _unit_name("决定单位（县级部门或基层站所）")
    registered_unit = fields.String(
        allow_none=True,
        metadata={"description": "收件登记单位代码（全县域通办时可与办理乡镇不同）"},
    )
    registered_unit_name = _unit_name("收件登记单位")
    assessment_unit = fields.String(
        allow_none=True,
        metadata={"description": "残疾评定定点医院代码（残疾人证办件，如 CL-01）"},
    )
    assessment_unit_name = _unit_name("残疾评定定点医院")
    created_at = LocalDateTime(allow_none=True)


class ClueSchema(Schema):
    facts = fields.String(metadata={"description": "案情（违法线索）"})
    place = fields.String(metadata={"description": "违法地点"})


class CaseDetailSchema(CaseSummarySchema):
    version = fields.Integer(required=True)
    read_only = fields.Boolean(required=True, metadata={"description": "调用者只能查看"})
    applicant = fields.Nested(ApplicantOutSchema, allow_none=True)
    channel = fields.String(allow_none=True)
    via_proxy = fields.Boolean(allow_none=True)
    emergency = fields.Boolean(allow_none=True)
    materials = fields.List(fields.String(), allow_none=True)
    agent = fields.String(allow_none=True)
    clue = fields.Nested(
        ClueSchema, allow_none=True, metadata={"description": "执法案件立案时的案情与地点"}
    )
    tasks = fields.List(
        fields.Nested(OpenTaskSchema),
        required=True,
        metadata={"description": "办件的待办任务（谁接着办）"},
    )
    waiting_messages = fields.List(fields.String(), required=True)
    county_since = LocalDateTime(allow_none=True)
    assessment_since = LocalDateTime(
        allow_none=True, metadata={"description": "转定点医院评定的时间（医院自此可见）"}
    )
    has_incident = fields.Boolean(required=True)


class CaseQuerySchema(PageArgsSchema):
    item = fields.String(
        validate=validate.Length(min=1, max=50), metadata={"description": "事项编码"}
    )
    status = fields.String(
        validate=validate.OneOf(list(CASE_STATUSES)),
        metadata={"description": f"办件状态：{choices(CASE_STATUSES)}"},
    )
    township = fields.String(validate=validate.Regexp(r"^[0-9]{9}$"))
    village = fields.String(validate=validate.Regexp(r"^[0-9]{12}$"))
    department = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "县级部门编码（办件所属事项的主管部门，如 MZ 民政局）",
            "example": "MZ",
        },
    )
    overdue = fields.Boolean(metadata={"description": "只看已超期的在办件"})
    from_ = Day(data_key="from", metadata={"description": "登记日期起（含）"})
    to = Day(metadata={"description": "登记日期止（含）"})
    number = fields.String(
        validate=Pattern(r"^[0-9]{4,40}$", error="应为办件编号或其开头，4–40 位数字"),
        metadata={
            "title": "办件编号",
            "description": "办件编号（案号），或其开头若干位（至少 4 位数字）",
            "example": "511725201001202609240001",
        },
    )
    applicant = fields.String(
        validate=[
            validate.Length(min=1, max=MAX_NAME),
            Pattern(NOT_BLANK, error=BLANK),
        ],
        metadata={
            "title": "申请人",
            "description": "申请人姓名，或姓名中的一部分（不区分大小写）",
            "example": "张三",
        },
    )
    id_tail = fields.String(
        validate=Pattern(
            r"^[0-9Xx]{4,6}$", error="应为申请人身份证号的后 4–6 位（数字，末位可为 X）"
        ),
        metadata={
            "title": "身份证号后几位",
            "description": "申请人公民身份号码的后 4–6 位（末位可为 X）",
            "example": "31002X",
        },
    )
    phone_tail = fields.String(
        validate=Pattern(r"^[0-9]{4}$", error="应为申请人电话号码的后 4 位数字"),
        metadata={
            "title": "电话后四位",
            "description": "申请人电话号码（手机或座机）的后 4 位数字；列表不显示电话",
            "example": "5678",
        },
    )
    exact_total = fields.Boolean(
        load_default=False,
        metadata={
            "description": f"精确统计符合条件的总数（默认只数到 {COUNT_UP_TO} 条：范围很大的查询"
            "数完全部要读遍所有符合的办件，较慢）"
        },
    )


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    total_exact = fields.Boolean(
        required=True,
        metadata={
            "description": f"`total` 是否为精确总数：为 false 时符合条件的办件多于 {COUNT_UP_TO} 件，"
            f"`total` 为 {COUNT_UP_TO}（可缩小范围，或带 `exact_total=true` 精确统计）"
        },
    )


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
