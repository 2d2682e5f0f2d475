"""Message payloads: one JSON Schema (draft 2020-12) per message the shared activities wait for.

A message (``POST /cases/{id}/messages/{name}``, ``daiban message``) hands its payload to
the process as the receiving element's message variable; the shared activities' scripts
read some of its members (``processes/bpmn/common``, written by
``engine/design/templates``):

- ``county_decision`` (variable ``county_callback``): ``approved`` (true: 准予) and
  ``opinion``;
- ``rating`` (``rating_input``): ``level`` (one of ``RATING_LEVELS``), ``comment`` and,
  for the record, ``reasons`` (codes of ``labels.RATING_REASONS``); the resident sends it
  through the one-time link, staff enter one given on paper (``engine.ratings``);
- ``batch_objection`` (``objection``): ``line``, the payout list's line objected to
  (``engine.batch`` checks it is a line on the list);
- ``materials_resubmitted``, ``pledge_fulfilled``, ``public_notice_objection``,
  ``hearing_requested``: nothing; the payload stays in the case data for the task that
  follows (the window rechecks the materials, the back office checks the objection,
  staff hear the party).

Each schema requires what the process reads, types and bounds everything a sender may add
for the record, and admits nothing else (``additionalProperties: false``): a payload that
does not match is refused with every field named and a Chinese reason
(``DataValidationError``, as for form data), before anything is delivered — so no rating
is ever stored as ``"invalid"``. The HTTP API publishes these very documents in its
OpenAPI description (one operation per message).

Only these messages exist: ``daiban lint`` refuses a ``bpmn:message`` with another name,
and the engine (hence the API, 404 ``not_found``) refuses to deliver one. A message is part
of the contract a client is built on, so a new one (say, a county system's callback for
one item) is added here, with its schema, where the API publishes it; a name the API
cannot describe is never waited for.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from engine import elements, labels
from engine.definitions.form_formats import DIALECT, STORABLE_TEXT, one_of
from engine.errors import DataValidationError, NotFound

MAX_OPINION = 2000
MAX_DOCUMENT_NO = 64
MAX_NAME = 50
MAX_BATCH_LINE = 100_000  # a line number (a list holds far fewer: engine.batch)
MAX_MATERIALS = 50
MAX_MATERIAL_NAME = 200
ROOT = "(消息)"
UNKNOWN_FIELD = "该消息没有这个字段"

HEARING_KINDS = {"statement": "陈述、申辩", "hearing": "要求举行听证"}


def _text(
    title: str, description: str, max_length: int, *, required: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "string",
        "title": title,
        "description": f"{description}（不超过 {max_length} 个字）",
        "maxLength": max_length,
        "pattern": STORABLE_TEXT,
    }
    if required:
        schema["minLength"] = 1
    return schema


def _choice(title: str, description: str, values: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "string",
        "title": title,
        "description": description,
        "oneOf": one_of(values.items()),
    }


def _materials(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "title": "材料",
        "description": f"{description}（每项一种材料的名称，最多 {MAX_MATERIALS} 项）",
        "maxItems": MAX_MATERIALS,
        "items": _text("材料名称", "材料名称", MAX_MATERIAL_NAME, required=True),
    }


def _message(
    name: str, description: str, properties: dict[str, Any], required: list[str], **more: Any
) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "title": labels.MESSAGES[name],
        "description": description,
        "type": "object",
        "properties": properties,
        # an empty "required" is valid JSON Schema but not a valid OpenAPI 3.0 Schema Object
        **({"required": required} if required else {}),
        "additionalProperties": False,
        **more,
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    elements.COUNTY_DECISION: _message(
        elements.COUNTY_DECISION,
        "县级部门业务系统回传的审批决定：转县级部门办理的办件等待县级决定时，"
        "由承办部门的县级经办人发送。不予准予时须写明审批意见（理由）。",
        {
            "approved": {
                "type": "boolean",
                "title": "是否准予",
                "description": "true：准予；false：不予",
            },
            "opinion": _text("审批意见", "不予准予时必填，写明理由", MAX_OPINION),
            "document_no": _text("决定文书编号", "县级部门的决定文书编号", MAX_DOCUMENT_NO),
        },
        ["approved"],
        allOf=[
            {
                "if": {"properties": {"approved": {"const": False}}, "required": ["approved"]},
                "then": {"required": ["opinion"], "properties": {"opinion": {"minLength": 1}}},
            }
        ],
    ),
    elements.MATERIALS_RESUBMITTED: _message(
        elements.MATERIALS_RESUBMITTED,
        "申请人按一次性告知补正通知书补交了材料（办件等待补正时发送）；随后由窗口复核。",
        {
            "materials": _materials("补交的材料"),
            "note": _text("说明", "补正情况说明", MAX_OPINION),
        },
        [],
    ),
    elements.PLEDGE_FULFILLED: _message(
        elements.PLEDGE_FULFILLED,
        "容缺受理的申请人在承诺期限内补交了材料（办件等待补交时发送）；随后由窗口核收。",
        {
            "materials": _materials("补交的容缺材料"),
            "note": _text("说明", "补交情况说明", MAX_OPINION),
        },
        [],
    ),
    elements.PUBLIC_NOTICE_OBJECTION: _message(
        elements.PUBLIC_NOTICE_OBJECTION,
        "公示期间收到的异议（办件公示期间发送）；随后由后台核查异议。",
        {
            "content": _text("异议内容", "异议的事实和理由", MAX_OPINION, required=True),
            "objector": _text("异议人", "提出异议的人或单位", MAX_NAME),
        },
        ["content"],
    ),
    elements.BATCH_OBJECTION: _message(
        elements.BATCH_OBJECTION,
        "年度发放清册公示期间，群众对清册中某一行（本人或他人的面积、金额、资格）提出的异议"
        "（清册公示期间发送）；该行重新交乡镇审核，核实后重新公示。",
        {
            "line": {
                "type": "integer",
                "title": "清册序号",
                "description": "异议所指的清册行（序号）",
                "minimum": 1,
                "maximum": MAX_BATCH_LINE,
            },
            "content": _text("异议内容", "异议的事实和理由", MAX_OPINION, required=True),
            "objector": _text("异议人", "提出异议的人或单位", MAX_NAME),
        },
        ["line", "content"],
    ),
    elements.HEARING_REQUESTED: _message(
        elements.HEARING_REQUESTED,
        "当事人在告知后提出陈述、申辩或听证申请（执行案件等待申请时发送）；随后由执法人员"
        "听取陈述申辩或组织听证。",
        {
            "kind": _choice("申请类型", "陈述、申辩，或要求举行听证", HEARING_KINDS),
            "content": _text("陈述申辩意见或听证请求", "当事人的意见或请求", MAX_OPINION),
        },
        ["kind"],
    ),
    elements.RATING: _message(
        elements.RATING,
        "申请人对办件的评价（好差评，办结后等待评价时发送）；不满意、非常不满意的评价转回访整改。",
        {
            "level": _choice("评价等级", "五级评价，从非常满意到非常不满意", labels.RATING_LEVELS),
            "comment": _text("评价意见", "申请人的意见或建议", MAX_OPINION),
            "reasons": {
                "type": "array",
                "title": "不满意的原因",
                "description": "不满意、非常不满意的原因（可多选）",
                "maxItems": len(labels.RATING_REASONS),
                "uniqueItems": True,
                "items": _choice("原因", "不满意的原因", labels.RATING_REASONS),
            },
        },
        ["level"],
    ),
}
RATING_LEVELS = tuple(labels.RATING_LEVELS)


def schema(name: str) -> dict[str, Any] | None:
    """The JSON Schema of message ``name``'s payload; None: no such message."""
    return SCHEMAS.get(name)


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name])


def validate_payload(name: str, payload: Any) -> dict[str, Any]:
    """The payload of message ``name`` if it matches the message's schema;
    ``DataValidationError`` naming every wrong field otherwise, ``NotFound`` for a name
    without a schema."""
    if name not in SCHEMAS:
        known = "、".join(SCHEMAS)
        raise NotFound(f"没有名为“{name}”的消息（可用：{known}）")
    errors: dict[str, str] = {}
    for error in _validator(name).iter_errors(payload):
        for field, reason in _reasons(error):
            errors.setdefault(field, reason)
    if errors:
        raise DataValidationError(f"消息“{labels.MESSAGES[name]}”的内容有误", errors)
    return dict(payload)


def _reasons(error: ValidationError) -> list[tuple[str, str]]:
    """(field, Chinese reason) for one schema violation; nested fields as ``a.0``."""
    where = ".".join(str(part) for part in error.absolute_path)
    kind = error.validator
    instance: Any = error.instance
    expected: Any = error.validator_value
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required":
        return [(_join(where, n), "必填") for n in expected if n not in instance]
    if kind == "additionalProperties":
        known = schema.get("properties", {})
        return [(_join(where, n), UNKNOWN_FIELD) for n in instance if n not in known]
    field = where or ROOT
    if kind == "type":
        return [(field, _TYPE_REASONS.get(str(expected), f"类型应为 {expected}"))]
    if kind in {"oneOf", "const", "enum"}:
        choices = schema.get("oneOf") or []
        allowed = "、".join(f"{c['const']}（{c.get('title', '')}）" for c in choices)
        return [(field, f"取值应为：{allowed}" if allowed else "取值不正确")]
    if kind == "maxLength":
        return [(field, f"不能超过 {expected} 个字")]
    if kind == "minLength":
        return [(field, "不能为空")]
    if kind == "maxItems":
        return [(field, f"不能超过 {expected} 项")]
    if kind == "uniqueItems":
        return [(field, "不能有重复项")]
    if kind == "pattern":
        return [(field, "不能包含 NUL 字符（U+0000）或孤立的 UTF-16 代理项")]
    return [(field, "取值不正确")]


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


_TYPE_REASONS = {
    "string": "应为文本",
    "boolean": "应为是或否（true/false）",
    "integer": "应为整数",
    "number": "应为数字",
    "array": "应为列表",
    "object": "应为 JSON 对象",
}
