"""Supervision figures (效能监督统计): the query and the figures of each group.

Every figure is defined in docs/supervision.md (numerator, denominator, which date puts a
case in the period).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.labels import FIGURE_KINDS, FIGURES, Figure, choices
from engine.labels import GROUPINGS as GROUP_NAMES
from engine.labels import RATING_LEVELS as LEVEL_NAMES
from engine.stats import GROUPINGS, RATING_LEVELS
from webapi.schemas.common import Day, LocalDateTime

_GROUPS = choices(GROUP_NAMES)


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


def _figure(figure: Figure) -> fields.Field[Any]:
    """The field of one figure: a count, a rate or a number of days, titled with its name."""
    metadata = {"title": figure.name, "description": f"{figure.name}：{figure.description}"}
    if figure.kind == "levels":  # an object: no title, which generators take for a class name
        return fields.Dict(
            keys=fields.String(validate=validate.OneOf(RATING_LEVELS)),
            values=fields.Integer(),
            required=True,
            metadata={"description": f"{metadata['description']}：{_LEVELS}"},
        )
    if figure.kind == "rate" or (figure.kind == "days" and figure.nullable):
        return fields.Float(required=True, allow_none=True, metadata=metadata)
    return fields.Integer(required=True, allow_none=figure.nullable, metadata=metadata)


_LEVELS = choices({level: LEVEL_NAMES[level] for level in RATING_LEVELS})

# Every figure, named and defined in engine/labels.py (FIGURES) and docs/supervision.md.
FiguresSchema = Schema.from_dict(
    {code: _figure(figure) for code, figure in FIGURES.items()}, name="FiguresSchema"
)


class _Figures(fields.Nested):
    """A group's figures as ``Figures.as_dict`` gives them, documented by ``FiguresSchema``.

    Those are already the schema's values (integers, rates and averages rounded, None,
    the levels' counts), so they are not dumped again field by field: a village grouping
    holds 567 groups of 50 figures, and marshmallow took 40 ms over them.
    ``tests/api/test_api_stats.py`` checks that the schema's own dump changes nothing."""

    # Nested's own signature (marshmallow renames Field's ``value``: mypy sees two bases).
    def _serialize(self, nested_obj: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return nested_obj


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class LegendEntrySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "指标代码：figures 中的键", "example": "on_time_rate"},
    )
    name = fields.String(
        required=True, metadata={"description": "指标名称", "example": "按期办结率"}
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(FIGURE_KINDS),
        metadata={
            "description": "count 件数（整数）· rate 比率（0–1，显示为百分比；无分母时为 null）"
            " · days 工作日 · levels 各评价等级的件数（键见 levels）"
        },
    )
    description = fields.String(required=True, metadata={"description": "口径"})
    levels = fields.List(
        fields.Nested(CodeNameSchema),
        required=True,
        allow_none=True,
        metadata={"description": "kind 为 levels 时：各等级的代码与名称；否则为 null"},
    )


class StatsGroupSchema(Schema):
    unit = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "区划代码、事项编码、部门编码或事项类别（devolved 下放乡镇管理事项、"
            "proxy 下放代办服务职权）；null：未登记单位"
        },
    )
    name = fields.String(
        required=True, metadata={"description": "单位、事项或部门名称", "example": "青丝乡"}
    )
    figures = _Figures(FiguresSchema, required=True)


class StatsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    group_by = fields.String(
        required=True,
        validate=validate.OneOf(GROUPINGS),
        metadata={"description": f"分组：{_GROUPS}"},
    )
    group_by_name = fields.String(
        required=True, metadata={"description": "分组名称", "example": "乡镇"}
    )
    as_of = LocalDateTime(
        required=True, metadata={"description": "统计时点：统计期末，或尚未到期末时的当前时刻"}
    )
    warning_share = fields.Float(
        required=True, metadata={"description": "黄牌预警点：时限已用比例（DAIBAN_WARNING_SHARE）"}
    )
    legend = fields.List(
        fields.Nested(LegendEntrySchema),
        required=True,
        metadata={"description": "每项指标的代码、名称、类型与口径，按显示顺序"},
    )
    groups = fields.List(fields.Nested(StatsGroupSchema), required=True)
    total = _Figures(FiguresSchema, required=True, metadata={"description": "合计"})
