"""Supervision figures (效能监督统计): the query and the figures of each group.

Every figure is defined in docs/supervision.md (numerator, denominator, which date puts a
case in the period).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.stats import GROUPINGS, RATING_LEVELS
from webapi.schemas.common import Day, LocalDateTime

_GROUPS = "county 全县 · township 乡镇 · village 村（社区） · item 事项 · department 县级部门"


class StatsQuerySchema(Schema):
    from_ = Day(
        data_key="from",
        metadata={"description": "统计期起日（含，北京时间），默认止日所在月的 1 日"},
    )
    to = Day(metadata={"description": "统计期止日（含），默认今天"})
    group_by = fields.String(
        load_default="county",
        validate=validate.OneOf(GROUPINGS),
        metadata={"description": f"分组：{_GROUPS}（默认 county）"},
    )
    township = fields.String(
        validate=validate.Regexp(r"^\d{9}$"), metadata={"description": "只统计该乡镇办理的办件"}
    )
    village = fields.String(
        validate=validate.Regexp(r"^\d{12}$"), metadata={"description": "只统计该村（社区）的办件"}
    )
    item = fields.String(
        validate=validate.Length(min=1, max=50), metadata={"description": "只统计该事项（编码）"}
    )
    department = fields.String(
        validate=validate.Regexp(r"^[A-Z]{2,4}$"),
        metadata={"description": "只统计该县级部门的事项（部门编码，如 MZ）"},
    )

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first is not None and last is not None and last < first:
            raise ValidationError("止日不能早于起日", field_name="to")


def _count(description: str) -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": description})


def _share(description: str) -> fields.Float:
    return fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": f"{description}（无分母时为 null）"},
    )


class FiguresSchema(Schema):
    registered = _count("收件数：统计期内登记的办件")
    proxy_cases = _count("代办件数：统计期内登记、经村（社区）代办的办件")
    accepted = _count("受理数：统计期内受理（含容缺受理）的办件")
    on_the_spot = _count("即办件数：受理数中的即办件")
    on_the_spot_share = _share("即办件占比 = 即办件数 / 受理数")
    returned = _count("退件数：受理数中因容缺承诺未履行而退办的办件")
    return_rate = _share("退件率 = 退件数 / 受理数")
    intake_concluded = _count("受理审查完结数：统计期内受理、不予受理或补正逾期的办件")
    first_time_right = _count("一次性通过数：其中未经补正即受理的办件")
    first_time_right_rate = _share("一次性通过率 = 一次性通过数 / 受理审查完结数")
    supplemented = _count("补正件数：其中出具过一次性告知补正通知书的办件")
    supplement_rate = _share("补正率 = 补正件数 / 受理审查完结数")
    completed = _count("办结数：统计期内办结（结果送达，或受理后办理终结）的办件")
    completed_with_due_date = _count("有承诺期限的办结数")
    on_time = _count("按期办结数：办结日不晚于承诺期限")
    on_time_rate = _share("按期办结率 = 按期办结数 / 有承诺期限的办结数")
    early = _count("提前办结数：办结日早于承诺期限")
    early_rate = _share("提前办结率 = 提前办结数 / 有承诺期限的办结数")
    overdue_completed = _count("超期办结数：办结日晚于承诺期限")
    overdue_open = _count("超期未办结数：统计期末仍未办结且已过承诺期限")
    overdue = _count("超期件数 = 超期办结数 + 超期未办结数")
    overdue_rate = _share("超期率 = 超期件数 / (有承诺期限的办结数 + 超期未办结数)")
    handling_days = _count("办理时长合计（工作日，受理次日至办结日）")
    handling_cases = _count("计入办理时长的办结数")
    avg_handling_days = _share("平均办理时长（工作日）")
    steps_done = _count("有环节时限的环节完成数")
    step_overdue_done = _count("环节超期完成数")
    step_overdue_open = _count("环节超期未完成数（统计期末）")
    step_overdue = _count("环节超期数 = 环节超期完成数 + 环节超期未完成数")
    handed_over = _count("代办移交数：统计期内由村（社区）移交乡镇的代办件")
    handover_on_time = _count("按时移交数：在移交时限（3 个工作日，急件当日）内移交")
    handover_on_time_rate = _share("按时移交率 = 按时移交数 / 代办移交数")
    village_holding_days = _count("村级停留时间合计（工作日）")
    avg_village_holding_days = _share("平均村级停留时间（工作日）")
    yellow_warnings = _count("黄牌预警数：统计期内发出的黄牌预警")
    red_warnings = _count("红牌预警数：统计期内发出的红牌预警")
    ratings = _count("评价数：统计期内收到的有效评价")
    ratings_by_level = fields.Dict(
        keys=fields.String(validate=validate.OneOf(RATING_LEVELS)),
        values=fields.Integer(),
        required=True,
        metadata={"description": "各评价等级的评价数"},
    )
    satisfied = _count("满意数：非常满意、满意、基本满意")
    satisfaction_rate = _share("满意率 = 满意数 / 评价数")
    bad_ratings = _count("差评数：不满意、非常不满意")
    rectified = _count("差评整改数：统计期末前已回访整改的差评")
    rectified_on_time = _count("按期整改数：15 个工作日内整改")
    rectification_rate = _share("差评整改率 = 差评整改数 / 差评数")
    ledger_recorded = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "问题台账登记数（按事项、部门分组或县级部门查看时为 null）"},
    )
    ledger_resolved = fields.Integer(
        required=True, allow_none=True, metadata={"description": "其中统计期末已解决的问题数"}
    )
    ledger_resolution_rate = _share("问题台账解决率 = 已解决数 / 登记数")


class StatsGroupSchema(Schema):
    unit = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "区划代码、事项编码或部门编码（null：未登记单位）"},
    )
    name = fields.String(required=True)
    figures = fields.Nested(FiguresSchema, required=True)


class StatsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    group_by = fields.String(required=True, validate=validate.OneOf(GROUPINGS))
    as_of = LocalDateTime(
        required=True, metadata={"description": "统计时点：统计期末，或尚未到期末时的当前时刻"}
    )
    warning_share = fields.Float(
        required=True, metadata={"description": "黄牌预警点：时限已用比例（DAIBAN_WARNING_SHARE）"}
    )
    groups = fields.List(fields.Nested(StatsGroupSchema), required=True)
    total = fields.Nested(FiguresSchema, required=True, metadata={"description": "合计"})
