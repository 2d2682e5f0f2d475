"""marshmallow/webargs validation messages as a flat list of fields with Chinese reasons.

webargs reports ``{location: {field: [message, ...]}}`` with nested fields as nested
dicts; a problem's ``errors`` member lists ``{"field", "in", "reason"}`` per message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

# webargs location → OpenAPI parameter location.
_LOCATIONS = {"json": "body", "query": "query", "querystring": "query", "view_args": "path"}

_EXACT = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为 null",
    "Unknown field.": "未知字段",
    "Invalid input type.": "类型不正确，应为 JSON 对象",
    "Invalid type.": "类型不正确",
    "Invalid value.": "取值无效",
    "Invalid input.": "取值无效",
    "Number too large.": "数值过大",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 文本",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大",
}

_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "list": "列表",
    "tuple": "列表",
    "mapping type": "JSON 对象",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "日期时间（ISO 8601）",
    "aware datetime": "带时区的日期时间（ISO 8601）",
    "naive datetime": "不带时区的日期时间（ISO 8601）",
    "time": "时间（HH:MM:SS）",
    "period of time": "时长",
    "email address": "电子邮箱地址",
    "URL": "网址",
    "UUID": "UUID",
}

_BOUNDS = {
    "greater than or equal to": "不小于",
    "greater than": "大于",
    "less than or equal to": "不大于",
    "less than": "小于",
}
_BOUND = "|".join(sorted(map(re.escape, _BOUNDS), key=len, reverse=True))


def _one_of(match: re.Match[str]) -> str:
    return "取值应为：" + "、".join(match[1].split(", "))


def _not_a_valid(match: re.Match[str]) -> str:
    return f"类型不正确，应为{_TYPE_NAMES.get(match[1], match[1])}"


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Not a valid (.+)\."), _not_a_valid),
    (re.compile(r"Must be one of: (.*)\."), _one_of),
    (re.compile(r"Length must be between (\S+) and (\S+)\."), lambda m: f"长度应为 {m[1]}–{m[2]}"),
    (re.compile(r"Shorter than minimum length (\S+)\."), lambda m: f"长度不能少于 {m[1]}"),
    (re.compile(r"Longer than maximum length (\S+)\."), lambda m: f"长度不能超过 {m[1]}"),
    (re.compile(r"Length must be (\S+)\."), lambda m: f"长度应为 {m[1]}"),
    (
        re.compile(rf"Must be ({_BOUND}) (\S+) and ({_BOUND}) (\S+)\."),
        lambda m: f"范围应{_BOUNDS[m[1]]} {m[2]} 且{_BOUNDS[m[3]]} {m[4]}",
    ),
    (re.compile(rf"Must be ({_BOUND}) (\S+)\."), lambda m: f"范围应{_BOUNDS[m[1]]} {m[2]}"),
    (re.compile(r"Must be equal to (.+)\."), lambda m: f"应等于 {m[1]}"),
]


def translate(message: str) -> str:
    """A marshmallow message in Chinese (messages already in Chinese pass through)."""
    if message in _EXACT:
        return _EXACT[message]
    for pattern, render in _PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return render(match)
    if message.isascii():
        return f"取值无效（{message}）"
    return message


def field_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every message of a webargs error, one ``{"field", "in", "reason"}`` each."""
    errors: list[dict[str, str]] = []
    for location, found in messages.items():
        where = _LOCATIONS.get(location, location)
        for field, message in _flatten(found, ""):
            errors.append({"field": field or "(请求体)", "in": where, "reason": translate(message)})
    return errors


def _flatten(found: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(found, Mapping):
        for key, value in found.items():
            # "_schema" holds errors of the object itself, not of one of its fields.
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name)
    elif isinstance(found, list | tuple):
        for value in found:
            yield from _flatten(value, prefix)
    else:
        yield prefix, str(found)
