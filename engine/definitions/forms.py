"""User-task forms: declared in BPMN, validated by the engine.

A user task declares its form in its extension elements::

    <bpmn:extensionElements>
      <daiban:form>
        <daiban:field name="decision" label="审核结论" type="enum" required="true"
                      values="approve:同意,reject:不同意"/>
        <daiban:field name="copies" label="份数" type="integer" min="1" max="20"/>
      </daiban:form>
    </bpmn:extensionElements>

Data submitted to complete the task is validated against it before it reaches the
workflow: unknown fields, missing required fields, wrong types and values out of bounds
(``engine.definitions.form_bounds``) are all reported at once, field by field, in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree

from engine.definitions.form_bounds import Bounds, default_bounds, read_bounds
from engine.xmlsafe import line_of
from processes.patterns import ID_NUMBER, PHONE_RE

DAIBAN_NS = "urn:daiban:bpmn:1"
FIELD_TYPES = frozenset(
    {"string", "text", "integer", "number", "boolean", "date", "enum", "phone", "id_number"}
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    label: str = ""
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (value, label) for enum
    required_when: tuple[str, tuple[str, ...]] | None = None  # (other field, its values)
    bounds: Bounds | None = None  # None: the defaults of its type

    @property
    def limits(self) -> Bounds:
        """The bounds enforced and published for this field."""
        return self.bounds if self.bounds is not None else default_bounds(self.type)

    def is_required(self, data: Mapping[str, Any]) -> bool:
        if self.required:
            return True
        if self.required_when is None:
            return False
        other, values = self.required_when
        return data.get(other) in values

    def to_json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"title": self.label or self.name}
        kind = {"integer": "integer", "number": "number", "boolean": "boolean"}
        schema["type"] = kind.get(self.type, "string")
        if self.type == "date":
            schema["format"] = "date"
        if self.type == "enum":
            schema["enum"] = [value for value, _ in self.values]
        schema.update(self.limits.to_json_schema())
        return schema


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = field(default_factory=tuple)

    def to_json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: f.to_json_schema() for f in self.fields},
            "required": [f.name for f in self.fields if f.required],
        }

    def validate(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Return (clean data, errors by field); errors empty means valid."""
        errors: dict[str, str] = {}
        known = {f.name: f for f in self.fields}
        for name in data:
            if name not in known:
                errors[name] = "表单中没有这个字段"
        clean: dict[str, Any] = {}
        for spec in self.fields:
            value = data.get(spec.name)
            if value is None or value == "":
                if spec.is_required(data):
                    errors[spec.name] = "必填"
                continue
            converted, reason = _convert(spec, value)
            if reason:
                errors[spec.name] = reason
            else:
                clean[spec.name] = converted
        return clean, errors


def _convert(spec: FormField, value: Any) -> tuple[Any, str | None]:
    checker = _CHECKERS[spec.type]
    return checker(spec, value)


def _check_string(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, "应为文本"
    return _bounded(spec, value)


def _check_integer(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "应为整数"
    return _bounded(spec, value)


def _check_number(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "应为数字"
    return _bounded(spec, value)


def _bounded(spec: FormField, value: Any) -> tuple[Any, str | None]:
    reason = spec.limits.check(value)
    return (None, reason) if reason else (value, None)


def _check_boolean(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, bool):
        return None, "应为是或否（true/false）"
    return value, None


def _check_date(spec: FormField, value: Any) -> tuple[Any, str | None]:
    try:
        return date.fromisoformat(str(value)).isoformat(), None
    except ValueError:
        return None, "应为日期（YYYY-MM-DD）"


def _check_enum(spec: FormField, value: Any) -> tuple[Any, str | None]:
    allowed = [v for v, _ in spec.values]
    if value not in allowed:
        return None, "取值应为：" + "、".join(allowed)
    return value, None


def _check_phone(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not PHONE_RE.match(value):
        return None, "电话号码格式不正确"
    return value, None


def _check_id_number(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not is_valid_id_number(value):
        return None, "公民身份号码不正确（位数、出生日期或校验码有误）"
    return value.upper(), None


_CHECKERS: dict[str, Callable[[FormField, Any], tuple[Any, str | None]]] = {
    "string": _check_string,
    "text": _check_string,
    "integer": _check_integer,
    "number": _check_number,
    "boolean": _check_boolean,
    "date": _check_date,
    "enum": _check_enum,
    "phone": _check_phone,
    "id_number": _check_id_number,
}


def is_valid_id_number(value: str) -> bool:
    """GB 11643 18-digit citizen ID: digits, a real birth date and the ISO 7064 check digit."""
    value = value.upper()
    if not re.fullmatch(ID_NUMBER, value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


@dataclass(frozen=True)
class FormIssue:
    line: int | None
    message: str


def read_form(task: etree._Element) -> tuple[Form | None, list[FormIssue]]:
    """The form declared on a user task element, with every problem in it."""
    forms = task.findall(f".//{{{DAIBAN_NS}}}form")
    if not forms:
        return None, []
    issues: list[FormIssue] = []
    if len(forms) > 1:
        issues.append(FormIssue(line_of(forms[1]), "一个任务只能有一个表单"))
    fields: list[FormField] = []
    seen: set[str] = set()
    for node in forms[0].iterfind(f"{{{DAIBAN_NS}}}field"):
        parsed, problems = _read_field(node, seen)
        issues.extend(FormIssue(line_of(node), p) for p in problems)
        if parsed is not None:
            fields.append(parsed)
            seen.add(parsed.name)
    return Form(tuple(fields)), issues


def _read_field(node: etree._Element, seen: set[str]) -> tuple[FormField | None, list[str]]:
    name = node.get("name", "")
    kind = node.get("type", "string")
    problems: list[str] = []
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name):
        problems.append(f"表单字段名“{name}”无效（字母开头，仅字母、数字、下划线）")
    elif name in seen:
        problems.append(f"表单字段“{name}”重复")
    if kind not in FIELD_TYPES:
        problems.append(
            f"表单字段“{name}”的类型“{kind}”未知，可用：{', '.join(sorted(FIELD_TYPES))}"
        )
    values = tuple(_split_values(node.get("values", "")))
    if kind == "enum" and not values:
        problems.append(f"枚举字段“{name}”缺少 values")
    required = node.get("required", "false").lower()
    if required not in {"true", "false"}:
        problems.append(f"表单字段“{name}”的 required 应为 true 或 false")
    required_when = _required_when(node.get("requiredWhen", ""))
    if node.get("requiredWhen") and required_when is None:
        problems.append(f"表单字段“{name}”的 requiredWhen 应写作“字段:取值1|取值2”")
    bounds, bound_problems = read_bounds(node, name, kind)
    problems += bound_problems
    if problems:
        return None, problems
    return FormField(
        name, kind, node.get("label", ""), required == "true", values, required_when, bounds
    ), []


def _required_when(raw: str) -> tuple[str, tuple[str, ...]] | None:
    """``"decision:reject|return"`` -> ("decision", ("reject", "return"))."""
    other, _, values = raw.partition(":")
    if not other.strip() or not values.strip():
        return None
    return other.strip(), tuple(v.strip() for v in values.split("|") if v.strip())


def _split_values(raw: str) -> Iterator[tuple[str, str]]:
    for part in raw.split(","):
        part = part.strip()
        if part:
            value, _, label = part.partition(":")
            yield value.strip(), (label or value).strip()
