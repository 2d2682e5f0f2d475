"""The query of the process-mining exports (XES, OCEL 2.0)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapi.schemas.common import Day


class ExportQuerySchema(Schema):
    from_ = Day(
        data_key="from",
        metadata={"description": "登记日期起（含，北京时间）：只导出此日及以后登记的办件"},
    )
    to = Day(metadata={"description": "登记日期止（含）：只导出此日及以前登记的办件"})
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


# The documents themselves (streamed, not marshmallow-serialized): described for the spec.
XES_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "description": "IEEE 1849-2016 XES 文档（UTF-8），符合标准的 XML 架构",
}
_ARRAY = {"type": "array", "items": {"type": "object"}}
OCEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "OCEL 2.0 JSON 文档",
    "required": ["events", "objects", "objectTypes", "eventTypes"],
    "properties": {
        "events": {**_ARRAY, "description": "事件：id、type、time、attributes、relationships"},
        "objects": {**_ARRAY, "description": "对象：办件、任务、人员、单位、事项"},
        "objectTypes": {**_ARRAY, "description": "对象类型及其属性"},
        "eventTypes": {**_ARRAY, "description": "事件类型及其属性"},
    },
}
