"""Reports (报表): the monthly tables (效能监督月报) as a spreadsheet and the townships'
ranking (乡镇排名)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.labels import RANKING_MEASURES, choices
from engine.reports import MEASURES
from engine.reports.periods import PERIOD_ERROR
from engine.reports.ranking import MIN_CASES

XLSX_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "description": "Excel 工作簿（.xlsx）：每表一个工作表，含标题行、统计期、表头、合计行",
}
ZIP_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "description": "zip：每表一个 CSV 文件（UTF-8，带 BOM），比率为百分数（两位小数）",
}


# What ``engine.reports.parse_period`` takes, stated in the document (years 2000–2099).
MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"
PERIOD_PATTERN = r"^20\d{2}(-(0[1-9]|1[0-2]|[Qq][1-4]))?$"


class MonthlyQuerySchema(Schema):
    month = fields.String(
        required=True,
        validate=validate.Regexp(MONTH_PATTERN, error="应为月份，如 2026-11（年份 2000–2099）"),
        metadata={"description": "月份（北京时间），如 2026-11", "example": "2026-11"},
    )
    format = fields.String(
        load_default="xlsx",
        validate=validate.OneOf(("xlsx", "csv")),
        metadata={"description": "xlsx（默认，Excel 工作簿）或 csv（zip，每表一个 CSV）"},
    )
    township = fields.String(
        validate=validate.Regexp(r"^\d{9}$"),
        metadata={"description": "只统计该乡镇办理的办件（须在本人查看范围内，否则 404）"},
    )


class RankingQuerySchema(Schema):
    period = fields.String(
        required=True,
        validate=validate.Regexp(PERIOD_PATTERN, error=PERIOD_ERROR),
        metadata={
            "description": "统计期：月份 2026-11、季度 2026-Q4 或年份 2026；与上一同类期比较",
            "example": "2026-11",
        },
    )
    measure = fields.String(
        load_default="satisfaction",
        validate=validate.OneOf(tuple(MEASURES)),
        metadata={"description": f"排名指标：{choices(RANKING_MEASURES)}（默认 satisfaction）"},
    )
    min_cases = fields.Integer(
        load_default=MIN_CASES,
        validate=validate.Range(min=1, max=10000),
        metadata={
            "description": f"参加排名的最少件数（满意率为评价数，按期办结率为有承诺期限的办结数），默认 {MIN_CASES}"
        },
    )


class RankedSchema(Schema):
    unit = fields.String(required=True, metadata={"example": "511725201"})
    name = fields.String(required=True, metadata={"example": "青丝乡"})
    rank = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "名次（并列同名次）；件数不足或无数据为 null"},
    )
    figure = fields.Float(required=True, allow_none=True, metadata={"description": "指标值（0–1）"})
    cases = fields.Integer(required=True, metadata={"description": "指标的分母件数"})
    few_cases = fields.Boolean(
        required=True, metadata={"description": "件数少于 min_cases：列出但不排名"}
    )
    previous_rank = fields.Integer(
        required=True, allow_none=True, metadata={"description": "上期名次"}
    )
    previous_figure = fields.Float(
        required=True, allow_none=True, metadata={"description": "上期指标值"}
    )
    rank_change = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "名次变化：上期名次 − 本期名次（正数为上升）"},
    )
    figure_change = fields.Float(
        required=True, allow_none=True, metadata={"description": "指标变化：本期 − 上期"}
    )


class RankingSchema(Schema):
    measure = fields.String(required=True, validate=validate.OneOf(tuple(MEASURES)))
    measure_name = fields.String(required=True, metadata={"example": "满意率"})
    period = fields.String(required=True, metadata={"example": "2026-11"})
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    previous_period = fields.String(required=True, metadata={"example": "2026-10"})
    min_cases = fields.Integer(required=True)
    rows = fields.List(
        fields.Nested(RankedSchema),
        required=True,
        metadata={"description": "已排名的在前（按名次），其余按区划代码"},
    )
