"""Shared fields and schemas: times in Asia/Shanghai, paging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from engine.clock import SHANGHAI
from engine.labels import CASE_STATUSES, choices

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Days a query may name: beyond them the arithmetic of periods and bounds overflows.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# Not blank: a character Python's str.isspace() (what the engine strips) does not count as
# space. Spelled out, because `\s` means other sets in Python and in ECMA regexes (which
# clients and the fuzzer read the pattern as): U+001C–U+001F are space to one only.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"^[{_SPACE}]*[^{_SPACE}]"
BLANK = "不能为空白"


class LocalDateTime(fields.DateTime):
    """An aware instant shown in Asia/Shanghai with its offset (``2026-09-24T09:00:00+08:00``)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None:
            value = value.astimezone(SHANGHAI)
        return super()._serialize(value, attr, obj, **kwargs)


class Day(fields.Date):
    """A day from ``FIRST_DAY`` to ``LAST_DAY``; the document says so with a pattern (an
    OpenAPI date has no minimum), so a generated client never sends another."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": r"^20\d{2}-\d{2}-\d{2}$", **kwargs.pop("metadata", {})}
        metadata["description"] = (
            f"{metadata.get('description', '日期')}（{FIRST_DAY} 至 {LAST_DAY}）"
        )
        super().__init__(
            validate=validate.Range(min=FIRST_DAY, max=LAST_DAY), metadata=metadata, **kwargs
        )


class JsonBoolean(fields.Boolean):
    """A JSON body's boolean: ``true`` or ``false`` only, as documented (marshmallow's
    Boolean also takes 0, 1, "yes", "on" …)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def case_status() -> fields.String:
    """A case's status as answers show it: one of ``CASE_STATUSES``, named in the description."""
    return fields.String(
        required=True,
        validate=validate.OneOf(list(CASE_STATUSES)),
        metadata={"description": f"办件状态：{choices(CASE_STATUSES)}"},
    )


def case_status_name() -> fields.String:
    """The Chinese name beside ``case_status``."""
    return fields.String(required=True, metadata={"description": "办件状态名称", "example": "在办"})


class PageArgsSchema(Schema):
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1), metadata={"description": "页码，从 1 开始"}
    )
    page_size = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"每页条数（1–{MAX_PAGE_SIZE}，默认 {DEFAULT_PAGE_SIZE}）"},
    )


class PageSchema(Schema):
    """A page of a list: subclasses add ``items``."""

    page = fields.Integer(required=True, metadata={"description": "页码"})
    page_size = fields.Integer(required=True, metadata={"description": "每页条数"})
    total = fields.Integer(required=True, metadata={"description": "符合条件的总条数"})


def page_offset(args: dict[str, Any]) -> tuple[int, int]:
    """The offset and the number of rows of the page ``args`` asks for (``page``,
    ``page_size`` from ``PageArgsSchema``)."""
    page, size = args["page"], args["page_size"]
    return (page - 1) * size, size


def a_page(items: list[Any], args: dict[str, Any], total: int) -> dict[str, Any]:
    """The answer of a list endpoint: ``items`` of the page ``args`` asked for."""
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}


def page_of(found: Sequence[Any], args: dict[str, Any]) -> dict[str, Any]:
    """One page (``page``, ``page_size`` from ``PageArgsSchema``) of an in-memory list."""
    start, size = page_offset(args)
    return a_page(list(found[start : start + size]), args, len(found))
