"""User-task forms: declared in BPMN, published as JSON Schema, validated with that schema.

A user task declares its form in its extension elements::

    <bpmn:extensionElements>
      <daiban:form>
        <daiban:field name="decision" label="审核结论" type="enum" required="true"
                      values="approve:同意,reject:不同意"/>
        <daiban:field name="opinion" label="审核意见" type="text"
                      requiredWhen="decision:reject"/>
        <daiban:field name="copies" label="份数" type="integer" min="1" max="20"/>
        <daiban:field name="originals" label="其中原件份数" type="integer" min="0"/>
        <daiban:rule id="originals_within_copies" field="originals" check="le"
                     other="copies" message="其中原件份数不能多于份数"/>
      </daiban:form>
    </bpmn:extensionElements>

``Form.to_json_schema()`` is the whole contract, a JSON Schema (draft 2020-12): every
field with its Chinese title and description, enums as ``oneOf`` of ``const`` + Chinese
title, ``requiredWhen`` as ``if``/``then``, patterns and named formats
(``engine.definitions.form_formats``), bounds (``engine.definitions.form_bounds``), no
other member. ``Form.validate()`` validates with exactly that document (one cached
validator per form), names every wrong field with a Chinese reason, then applies the
form's rules — the cross-field checks JSON Schema cannot express, published under
``x-daiban-rules`` — and converts the values (dates normalised, ID numbers upper-cased).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from lxml import etree

from engine.definitions import form_formats as formats
from engine.definitions.form_bounds import SAFE_INTEGER, Bounds, default_bounds, read_bounds
from engine.definitions.form_formats import DIALECT, STORABLE_TEXT, one_of
from engine.xmlsafe import line_of

__all__ = ["DAIBAN_NS", "FIELD_TYPES", "Form", "FormField", "FormRule"]

DAIBAN_NS = "urn:daiban:bpmn:1"
FIELD_TYPES = frozenset(
    {"string", "text", "integer", "number", "boolean", "date", "enum", "phone", "id_number", "uscc"}
)
NUMERIC = frozenset({"integer", "number"})
TEXTUAL = frozenset({"string", "text"})
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
DATA_PATH = re.compile(r"[a-z][a-z0-9_]{0,63}(?:\.[a-z][a-z0-9_]{0,63}){0,3}")

REQUIRED = "必填"
UNKNOWN_FIELD = "表单中没有这个字段"
NOT_FINITE = "应为有限的数值"
NUL_REASON = "不能包含 NUL 字符（U+0000）"
SURROGATE_REASON = "含有孤立的 UTF-16 代理项（如 \\ud800），不是有效的 Unicode 文本"
ROOT = "(表单)"

# Per field type: the published schema (before title, description and bounds), the
# reason for any value the schema refuses (bounds and required aside), what a value
# looks like (the description).
_TYPE_SCHEMA: dict[str, dict[str, Any]] = {
    "string": {"type": "string", "pattern": STORABLE_TEXT},
    "text": {"type": "string", "pattern": STORABLE_TEXT},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": formats.DATE, "pattern": formats.DATE_PATTERN},
    "enum": {"type": "string"},
    "phone": {"type": "string", "format": formats.PHONE, "pattern": formats.PHONE_PATTERN},
    "id_number": {
        "type": "string",
        "format": formats.ID_NUMBER,
        "pattern": formats.ID_NUMBER_PATTERN,
        "minLength": 18,
        "maxLength": 18,
    },
    "uscc": {
        "type": "string",
        "format": formats.USCC,
        "pattern": formats.USCC_PATTERN,
        "minLength": 18,
        "maxLength": 18,
    },
}
_TYPE_REASON = {
    "string": "应为文本",
    "text": "应为文本",
    "integer": "应为整数",
    "number": "应为数字",
    "boolean": "应为是或否（true/false）",
    "date": "应为日期（YYYY-MM-DD）",
    "phone": "电话号码格式不正确",
    "id_number": "公民身份号码不正确（位数、出生日期或校验码有误）",
    "uscc": "统一社会信用代码不正确（18 位，字母大写，含校验码）",
}
_TYPE_HINT = {
    "string": "单行文本",
    "text": "多行文本",
    "integer": "整数",
    "number": "数值（可带小数）",
    "boolean": "是或否（true/false）",
    "date": "日期，格式 YYYY-MM-DD（如 2024-05-01）",
    "enum": "从选项中选一项",
    "phone": "电话号码：11 位手机号（1 开头），或带区号的固定电话（如 0818-2345678，连字符可省略）",
    "id_number": "18 位公民身份号码（GB 11643），末位为校验码（0–9 或 X）",
    "uscc": "18 位统一社会信用代码（GB 32100-2015），末位为校验码；字母大写，不含 I、O、S、V、Z",
}


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    label: str = ""
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (value, label) for enum
    required_when: tuple[str, tuple[str, ...]] | None = None  # (other field, its values)
    bounds: Bounds | None = None  # None: the defaults of its type
    description: str = ""  # the designer's hint, before what the schema says
    # An enum whose choices a case narrows: the path of a list in the case's data
    # (``item.remedies``: an enforcement decision offers its item's measures only).
    choices_from: str = ""
    # A user name of a person of the case's township (``township``): an officer named on
    # the form (两名执法人员) must be one of its staff; checked when the task is completed.
    people: str = ""

    def narrowed(self, case_data: Mapping[str, Any]) -> FormField:
        """This field for one case: an enum with ``choices_from`` keeps the values the
        case's data lists there (all of them when the data lists none of them)."""
        found: Any = case_data
        for key in self.choices_from.split(".") if self.choices_from else ():
            found = found.get(key) if isinstance(found, Mapping) else None
        if not self.choices_from or not isinstance(found, list):
            return self
        kept = tuple((value, label) for value, label in self.values if value in found)
        return replace(self, values=kept) if kept else self

    @property
    def limits(self) -> Bounds:
        """The bounds enforced and published for this field."""
        return self.bounds if self.bounds is not None else default_bounds(self.type)

    @property
    def title(self) -> str:
        return self.label or self.name

    def is_required(self, data: Mapping[str, Any]) -> bool:
        if self.required:
            return True
        if self.required_when is None:
            return False
        other, values = self.required_when
        return data.get(other) in values

    def to_json_schema(self, form: Form | None = None) -> dict[str, Any]:
        """This field's property schema; ``form`` (its form) lets the description name
        the field a ``requiredWhen`` depends on by its title."""
        schema: dict[str, Any] = {"title": self.title, "description": self._description(form)}
        schema.update(_TYPE_SCHEMA[self.type])
        if self.type == "enum":
            schema["oneOf"] = one_of(self.values)
        schema.update(self.limits.to_json_schema())
        if self.required and self.type in TEXTUAL:
            schema["minLength"] = 1  # an empty text is no answer
        return schema

    def _description(self, form: Form | None) -> str:
        parts = [self.description.rstrip("。")] if self.description else []
        if self.required:
            parts.append("必填")
        elif self.required_when is not None:
            other, values = self.required_when
            spec = form.field_named(other) if form is not None else None
            labels = dict(spec.values) if spec is not None else {}
            shown = "或".join(f"“{labels.get(v, v)}”" for v in values)
            parts.append(f"“{spec.title if spec else other}”为{shown}时必填，否则可不填")
        else:
            parts.append("选填")
        hint = _TYPE_HINT[self.type]
        if self.type == "enum":
            hint += "：" + "、".join(f"{label}（{value}）" for value, label in self.values)
        parts.append(hint + self._bounds_text())
        return "；".join(parts) + "。"

    def _bounds_text(self) -> str:
        limits = self.limits
        if self.type in TEXTUAL:
            return f"，最多 {limits.max_length} 字"
        if self.type not in NUMERIC:
            return ""
        low, high = limits.minimum, limits.maximum
        if low == -SAFE_INTEGER and high == SAFE_INTEGER:
            return f"，绝对值不超过 {SAFE_INTEGER}"
        if high == SAFE_INTEGER:
            return f"，不小于 {low}"
        if low == -SAFE_INTEGER:
            return f"，不大于 {high}"
        return f"，{low} 至 {high}"

    def reason(self, error: ValidationError, data: Mapping[str, Any]) -> str:
        """The Chinese reason for a schema error on this field's value in ``data``."""
        kind, value = error.validator, error.instance
        if value == "" and self.is_required(data):
            return REQUIRED
        if kind == "minimum":
            return f"不能小于 {error.validator_value}"
        if kind == "maximum":
            return f"不能大于 {error.validator_value}"
        if kind == "maxLength" and self.type in TEXTUAL:
            return f"过长（最多 {error.validator_value} 字）"
        if kind == "pattern" and self.type in TEXTUAL and isinstance(value, str):
            return NUL_REASON if "\x00" in value else SURROGATE_REASON
        if self.type == "enum":
            return "取值应为：" + "、".join(f"{v}（{label}）" for v, label in self.values)
        return _TYPE_REASON[self.type]


# A rule compares two fields of a form; each check: (symbol, test).
RULE_CHECKS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "lt": ("<", operator.lt),
    "le": ("≤", operator.le),
    "gt": (">", operator.gt),
    "ge": ("≥", operator.ge),
    "ne": ("≠", operator.ne),  # two people who must differ (two officers, 第四十二条)
}


@dataclass(frozen=True)
class FormRule:
    """A cross-field check: ``field`` ``check`` ``other`` (dates compare as dates), applied
    when both are given and valid; refused with ``message`` on ``field``."""

    id: str
    field: str
    check: str  # a key of RULE_CHECKS
    other: str
    message: str

    def holds(self, data: Mapping[str, Any]) -> bool:
        return RULE_CHECKS[self.check][1](data[self.field], data[self.other])

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fields": [self.field, self.other],
            "check": self.check,
            "message": self.message,
        }


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = field(default_factory=tuple)
    rules: tuple[FormRule, ...] = ()

    def field_named(self, name: str) -> FormField | None:
        return self._by_name.get(name)

    def narrowed(self, case_data: Mapping[str, Any]) -> Form:
        """The form as one case shows and checks it (``FormField.narrowed``)."""
        if not any(f.choices_from for f in self.fields):
            return self
        return replace(self, fields=tuple(f.narrowed(case_data) for f in self.fields))

    def to_json_schema(self) -> dict[str, Any]:
        """The form as a JSON Schema (draft 2020-12): what the server validates with."""
        schema: dict[str, Any] = {
            "$schema": DIALECT,
            "type": "object",
            "additionalProperties": False,
            "properties": {f.name: f.to_json_schema(self) for f in self.fields},
            "required": [f.name for f in self.fields if f.required],
        }
        conditional = [_if_then(f) for f in self.fields if not f.required and f.required_when]
        if conditional:
            schema["allOf"] = conditional
        schema["x-daiban-rules"] = [rule.to_json() for rule in self.rules]
        return schema

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.to_json_schema(), format_checker=formats.FORMAT_CHECKER)

    @cached_property
    def _accepts(self) -> Callable[[Any], object]:
        """The same document compiled to Python by fastjsonschema: ~15× faster than
        ``jsonschema`` on a valid body (the common case), but it stops at the first error,
        so a refused body is validated again by ``_validator`` to name every field.
        The document uses only keywords both read alike (no 2020-12-only ones), and
        tests/integration/test_form_property.py checks they agree on generated bodies."""
        document = {k: v for k, v in self.to_json_schema().items() if k != "$schema"}
        return fastjsonschema.compile(document, formats=formats.STRING_FORMATS)

    def schema_accepts(self, data: Any) -> bool:
        """Whether ``data`` is valid per the published schema alone (no rules)."""
        try:
            self._accepts(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    @cached_property
    def _by_name(self) -> dict[str, FormField]:
        return {f.name: f for f in self.fields}

    def validate(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Return (clean data, errors by field); errors empty means valid.

        Every error at once: schema errors first (one reason per field), then the rules
        whose two fields are both valid; the clean data holds the converted valid fields."""
        if not isinstance(data, Mapping):
            return {}, {ROOT: "应为 JSON 对象"}
        known = self._by_name
        errors: dict[str, str] = {}
        for name, value in data.items():  # NaN and ±inf: JSON has none, Python callers may
            spec = known.get(name)
            if spec is not None and spec.type in NUMERIC and _not_finite(value):
                errors[name] = NOT_FINITE
        if errors or not self.schema_accepts(data):
            for error in self._validator.iter_errors(data):
                for name, reason in self._reasons(error, data):
                    if reason == REQUIRED or name not in errors:
                        errors[name] = reason
        clean = {
            spec.name: _convert(spec, data[spec.name])
            for spec in self.fields
            if spec.name in data and spec.name not in errors and data[spec.name] != ""
        }
        for rule in self.rules:
            if rule.field in clean and rule.other in clean and not rule.holds(clean):
                errors.setdefault(rule.field, rule.message)
                clean.pop(rule.field)
        return clean, errors

    def _reasons(
        self, error: ValidationError, data: Mapping[str, Any]
    ) -> Iterator[tuple[str, str]]:
        kind, expected = error.validator, error.validator_value
        if kind == "required":
            assert isinstance(expected, list)
            yield from ((n, REQUIRED) for n in expected if n not in data)
        elif kind == "additionalProperties":
            yield from ((str(n), UNKNOWN_FIELD) for n in data if n not in self._by_name)
        elif not error.absolute_path:  # not reached: the data is a mapping
            yield ROOT, "应为 JSON 对象"
        else:
            name = str(error.absolute_path[0])
            yield name, self._by_name[name].reason(error, data)


def _if_then(spec: FormField) -> dict[str, Any]:
    """``spec`` is required when its ``requiredWhen`` field has one of the values: the
    ``if`` holds only when that field is present (an absent one requires nothing)."""
    assert spec.required_when is not None
    other, values = spec.required_when
    then: dict[str, Any] = {"required": [spec.name]}
    if spec.type in TEXTUAL:
        then["properties"] = {spec.name: {"minLength": 1}}
    return {
        "if": {"properties": {other: {"enum": list(values)}}, "required": [other]},
        "then": then,
    }


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _convert(spec: FormField, value: Any) -> Any:
    """A valid value as the process stores it."""
    if spec.type == "date":
        return date.fromisoformat(value).isoformat()
    if spec.type in ("id_number", "uscc"):
        return value.upper()
    if spec.type == "integer" and isinstance(value, float):
        return int(value)  # JSON Schema's integers include 2.0
    return value


@dataclass(frozen=True)
class FormIssue:
    line: int | None
    message: str


FIELD_TAG = f"{{{DAIBAN_NS}}}field"
RULE_TAG = f"{{{DAIBAN_NS}}}rule"


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
    rule_nodes: list[etree._Element] = []
    for node in forms[0]:
        if not isinstance(node.tag, str):
            continue  # comments
        if node.tag == RULE_TAG:
            rule_nodes.append(node)
            continue
        if node.tag != FIELD_TAG:
            message = (
                f"表单中只能有 daiban:field 和 daiban:rule，不能有“{etree.QName(node).localname}”"
            )
            issues.append(FormIssue(line_of(node), message))
            continue
        parsed, problems = _read_field(node, seen)
        issues.extend(FormIssue(line_of(node), p) for p in problems)
        if node.get("name"):
            seen.add(node.get("name", ""))
        if parsed is not None:
            fields.append(parsed)
    by_name = {f.name: f for f in fields}
    for spec in fields:
        for problem in _dependency_problems(spec, by_name, seen):
            issues.append(FormIssue(_line(forms[0], spec.name), problem))
    rules: list[FormRule] = []
    for node in rule_nodes:
        rule, problems = _read_rule(node, by_name, seen, {r.id for r in rules})
        issues.extend(FormIssue(line_of(node), p) for p in problems)
        if rule is not None:
            rules.append(rule)
    return Form(tuple(fields), tuple(rules)), issues


def _line(form: etree._Element, name: str) -> int | None:
    node = next((n for n in form.iterfind(FIELD_TAG) if n.get("name") == name), None)
    return line_of(node) if node is not None else None


def _read_field(node: etree._Element, seen: set[str]) -> tuple[FormField | None, list[str]]:
    name = node.get("name", "")
    kind = node.get("type", "string")
    problems: list[str] = []
    if not NAME.fullmatch(name):
        problems.append(f"表单字段名“{name}”无效（字母开头，仅字母、数字、下划线）")
    elif name in seen:
        problems.append(f"表单字段“{name}”重复")
    if not node.get("label", "").strip():
        problems.append(f"表单字段“{name}”缺少 label（中文标题）")
    if kind not in FIELD_TYPES:
        problems.append(
            f"表单字段“{name}”的类型“{kind}”未知，可用：{', '.join(sorted(FIELD_TYPES))}"
        )
    values = tuple(_split_values(node.get("values", "")))
    if kind == "enum" and not values:
        problems.append(f"枚举字段“{name}”缺少 values")
    if kind != "enum" and node.get("values") is not None:
        problems.append(f"表单字段“{name}”的 values 只适用于 enum 字段")
    duplicates = sorted({v for v, _ in values if [w for w, _ in values].count(v) > 1})
    if duplicates:
        problems.append(f"枚举字段“{name}”的取值重复：{'、'.join(duplicates)}")
    required = node.get("required", "false").lower()
    if required not in {"true", "false"}:
        problems.append(f"表单字段“{name}”的 required 应为 true 或 false")
    required_when = _required_when(node.get("requiredWhen", ""))
    if node.get("requiredWhen") and required_when is None:
        problems.append(f"表单字段“{name}”的 requiredWhen 应写作“字段:取值1|取值2”")
    if required == "true" and required_when is not None:
        problems.append(f"表单字段“{name}”已是必填（required），不应再写 requiredWhen")
    bounds, bound_problems = read_bounds(node, name, kind)
    problems += bound_problems
    people = node.get("people", "")
    if people and (kind != "string" or people != "township"):
        problems.append(f"表单字段“{name}”的 people 只适用于 string 字段，取值为 township")
    choices_from = node.get("choicesFrom", "")
    if choices_from and (kind != "enum" or not DATA_PATH.fullmatch(choices_from)):
        problems.append(
            f"表单字段“{name}”的 choicesFrom 只适用于 enum 字段，应为办件数据中的路径（如 item.remedies）"
        )
    if problems:
        return None, problems
    return FormField(
        name,
        kind,
        node.get("label", ""),
        required == "true",
        values,
        required_when,
        bounds,
        node.get("description", "").strip(),
        choices_from,
        people,
    ), []


def _dependency_problems(
    spec: FormField, fields: Mapping[str, FormField], declared: set[str]
) -> Iterator[str]:
    """A ``requiredWhen`` must name another enum field of the form and its values."""
    if spec.required_when is None:
        return
    other, values = spec.required_when
    if other == spec.name:
        yield f"表单字段“{spec.name}”的 requiredWhen 不能依赖它自己"
        return
    target = fields.get(other)
    if target is None:
        if other not in declared:  # a declared but broken field has its own problem
            yield f"表单字段“{spec.name}”的 requiredWhen 引用的字段“{other}”不在表单中"
        return
    if target.type != "enum":
        yield f"表单字段“{spec.name}”的 requiredWhen 只能依赖 enum 字段（“{other}”是 {target.type}）"
        return
    allowed = {v for v, _ in target.values}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        yield (
            f"表单字段“{spec.name}”的 requiredWhen 取值“{'、'.join(unknown)}”"
            f"不是“{other}”的选项（{'、'.join(sorted(allowed))}）"
        )


def _read_rule(
    node: etree._Element, fields: Mapping[str, FormField], declared: set[str], ids: set[str]
) -> tuple[FormRule | None, list[str]]:
    ident = node.get("id", "")
    names = (node.get("field", ""), node.get("other", ""))
    check, message = node.get("check", ""), node.get("message", "").strip()
    problems: list[str] = []
    if not NAME.fullmatch(ident):
        problems.append(f"表单规则 id“{ident}”无效（字母开头，仅字母、数字、下划线）")
    elif ident in ids:
        problems.append(f"表单规则“{ident}”重复")
    if check not in RULE_CHECKS:
        problems.append(f"表单规则“{ident}”的 check“{check}”未知，可用：{', '.join(RULE_CHECKS)}")
    if not message:
        problems.append(f"表单规则“{ident}”缺少 message（不满足时向用户显示的中文说明）")
    for attribute, name in zip(("field", "other"), names, strict=True):
        if name not in fields and name not in declared:
            problems.append(f"表单规则“{ident}”的 {attribute}“{name}”不在表单中")
    if names[0] == names[1]:
        problems.append(f"表单规则“{ident}”的 field 与 other 不能是同一个字段")
    kinds = {fields[n].type for n in names if n in fields}
    if check == "ne" and kinds == {"string"}:
        pass  # two people (user names) who must differ
    elif not (kinds <= NUMERIC or kinds == {"date"}):
        shown = "、".join(sorted(kinds))
        problems.append(
            f"表单规则“{ident}”只能比较两个数值字段（integer、number）或两个日期字段"
            f"（date），不能比较 {shown}（ne 另可比较两个 string 字段）"
        )
    if problems or not all(n in fields for n in names):
        return None, problems
    return FormRule(ident, names[0], check, names[1], message), []


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
