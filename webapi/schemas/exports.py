"""The query of the process-mining exports (XES, OCEL 2.0)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_DAYS = validate.Range(min=FIRST_DAY, max=LAST_DAY)


class ExportQuerySchema(Schema):
    from_ = fields.Date(
        data_key="from",
        validate=_DAYS,
        metadata={"description": "登记日期起（含，北京时间）：只导出此日及以后登记的办件"},
    )
    to = fields.Date(
        validate=_DAYS, metadata={"description": "登记日期止（含）：只导出此日及以前登记的办件"}
    )
    item = fields.String(
        validate=validate.Length(min=1, max=50), metadata={"description": "只导出该事项（编码）"}
    )
    township = fields.String(
        validate=validate.Regexp(r"^\d{9}$"),
        metadata={"description": "只导出该乡镇承办的办件（9 位区划代码）"},
    )
    village = fields.String(
        validate=validate.Regexp(r"^\d{12}$"),
        metadata={"description": "只导出该村（社区）的办件（12 位区划代码）"},
    )

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first is not None and last is not None and last < first:
            raise ValidationError("止日不能早于起日", field_name="to")
