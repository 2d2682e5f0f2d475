"""Yearly payout lists (年度发放清册): opening one, its lines, corrections, payment results,
and the list with its totals as answers show it. The engine checks every value again
(``engine.batch.checks``); these schemas describe and bound the bodies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.batch.checks import MAX_NAME, MAX_REASON
from engine.labels import BATCH_LINE_STATUSES, BATCH_STEPS, choices
from webapi.schemas.cases import Pattern
from webapi.schemas.common import LocalDateTime

MAX_LINES_PER_REQUEST = 1000  # a body of 1,000 lines stays well under the 1 MiB limit
MAX_RESULTS_PER_REQUEST = 5000
MAX_LINES_PAGE = 500
# a positive amount below 100,000 with at most two decimals (engine.batch.checks)
AMOUNT = r"^(?:[1-9][0-9]{0,4}(?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]?|0[1-9]))$"
ACCOUNT = r"^[0-9]{10,30}$"
_AREA = {"type": "string", "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$"}


def _amount(description: str) -> fields.String:
    return fields.String(
        required=True, metadata={"description": f"{description}（元，两位小数的字符串）"}
    )


class BatchOpenSchema(Schema):
    item_code = fields.String(
        required=True,
        validate=validate.OneOf(["LY004", "LY005", "NL007"]),
        metadata={"description": "事项编码：按年度清册发放的事项"},
    )
    village = fields.String(
        required=True,
        validate=Pattern(r"^[0-9]{12}$", error="应为 12 位区划代码"),
        metadata={"description": "村（社区）的 12 位区划代码：每村每年度每个事项一份清册"},
    )
    year = fields.Integer(
        required=True,
        validate=validate.Range(2000, 2100),
        metadata={"description": "补贴年度"},
    )
    rate = fields.String(
        required=True,
        validate=Pattern(AMOUNT, error="应为至多两位小数的正数"),
        metadata={"description": '县级主管部门确定的本年度补贴标准（元/亩），如 "105.50"'},
    )


class NewLineSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_NAME),
        metadata={"description": "姓名"},
    )
    id_number = fields.String(
        required=True,
        validate=validate.Length(equal=18),
        metadata={"description": "公民身份号码（18 位，校验码有效）"},
    )
    account = fields.String(
        required=True,
        validate=Pattern(ACCOUNT, error="应为 10—30 位数字"),
        metadata={
            "description": "惠民惠农财政补贴资金“一卡通”账号（10—30 位数字；答复中只显示末 4 位）"
        },
    )
    area = fields.String(
        required=True,
        validate=Pattern(AMOUNT, error="应为至多两位小数的正数"),
        metadata={"description": "面积（亩，至多两位小数）；金额由系统按补贴标准计算"},
    )


class NewLinesSchema(Schema):
    lines = fields.List(
        fields.Nested(NewLineSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LINES_PER_REQUEST),
        metadata={
            "description": f"添加的名单，每次最多 {MAX_LINES_PER_REQUEST} 行；"
            "每份清册最多 5000 行（超出时 422）"
        },
    )


class StrikeSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "核减理由（如“已死亡”“重复申报”），记入办件历史"},
    )


class CorrectionSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=MAX_NAME))
    id_number = fields.String(validate=validate.Length(equal=18))
    account = fields.String(validate=Pattern(ACCOUNT, error="应为 10—30 位数字"))
    area = fields.String(validate=Pattern(AMOUNT, error="应为至多两位小数的正数"))
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={
            "description": "更正理由，记入办件历史；公示异议核实后不需更正的，不填其他字段，"
            "写明“经核实无误”等"
        },
    )


class PaymentResultSchema(Schema):
    line = fields.Integer(
        required=True, validate=validate.Range(min=1), metadata={"description": "清册序号"}
    )
    paid = fields.Boolean(
        required=True, metadata={"description": "true：已发放到账；false：发放失败"}
    )
    reason = fields.String(
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "发放失败的原因（如“账户冻结”“户名与账号不符”），失败时必填"},
    )


class PaymentResultsSchema(Schema):
    results = fields.List(
        fields.Nested(PaymentResultSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_RESULTS_PER_REQUEST),
        metadata={"description": f"银行回盘的发放结果，每次最多 {MAX_RESULTS_PER_REQUEST} 行"},
    )


class LineSchema(Schema):
    no = fields.Integer(required=True, metadata={"description": "清册序号（不重复使用）"})
    name = fields.String(required=True, metadata={"description": "姓名"})
    id_number = fields.String(
        required=True, metadata={"description": "公民身份号码（无权办理该清册的调用者只见掩码）"}
    )
    account = fields.String(
        required=True, metadata={"description": "“一卡通”账号，始终掩码（只显示末 4 位）"}
    )
    area = fields.String(required=True, metadata={"description": "面积（亩）"})
    amount = _amount("金额：面积 × 补贴标准，四舍五入到分")
    status = fields.String(
        required=True,
        metadata={"description": choices(BATCH_LINE_STATUSES), "enum": list(BATCH_LINE_STATUSES)},
    )
    status_name = fields.String(required=True)
    note = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "核减、更正的理由，公示异议的内容或发放失败的原因"},
    )


class LinesQuerySchema(Schema):
    status = fields.String(
        validate=validate.OneOf(list(BATCH_LINE_STATUSES)),
        metadata={"description": choices(BATCH_LINE_STATUSES)},
    )
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_LINES_PAGE))


class LinePageSchema(Schema):
    items = fields.List(fields.Nested(LineSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "符合条件的行数"})
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)


class TotalsSchema(Schema):
    lines = fields.Integer(required=True, metadata={"description": "在册户数（不含已核减）"})
    struck = fields.Integer(required=True, metadata={"description": "已核减的行数"})
    area = fields.String(required=True, metadata={"description": "在册面积合计（亩）"})
    amount = _amount("在册金额合计")
    objected = fields.Integer(required=True, metadata={"description": "公示有异议待审核的行数"})
    paid = fields.Integer(required=True, metadata={"description": "已发放户数"})
    paid_amount = _amount("已发放金额")
    failed = fields.Integer(required=True, metadata={"description": "发放失败户数"})
    failed_amount = _amount("发放失败金额")
    unrecorded = fields.Integer(required=True, metadata={"description": "尚未登记发放结果的行数"})


class BatchSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "办件编号（一份清册是一个办件）"})
    case_number = fields.String(required=True, allow_none=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    village = fields.String(required=True)
    village_name = fields.String(required=True, allow_none=True)
    year = fields.Integer(required=True)
    rate = fields.String(required=True, metadata={"description": "补贴标准（元/亩）"})
    area_label = fields.String(required=True, metadata={"description": "面积的名称"})
    status = fields.String(required=True)
    version = fields.Integer(required=True)
    step = fields.String(
        required=True, metadata={"description": choices(BATCH_STEPS), "enum": list(BATCH_STEPS)}
    )
    step_name = fields.String(required=True)
    may_change_lines = fields.Boolean(
        required=True, metadata={"description": "调用者此刻可以添加、核减、更正名单"}
    )
    may_record_payments = fields.Boolean(
        required=True, metadata={"description": "调用者此刻可以登记发放结果"}
    )
    totals = fields.Nested(TotalsSchema, required=True)
    created_at = LocalDateTime(required=True)
