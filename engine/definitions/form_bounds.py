"""Bounds of form fields: the range of integer and number fields, the length of texts.

A field may declare them (``min``/``max`` on ``integer`` and ``number`` fields,
``maxLength`` on ``string`` and ``text`` fields); absent ones take a default, so every
such field is bounded. The same ``Bounds`` both check submitted data (``Form.validate``)
and are published in the task's JSON Schema (``minimum``, ``maximum``, ``maxLength``):
what a client is told is exactly what the server enforces.

Defaults: integers and numbers within ±(2**53 − 1), the integers a JSON client in any
language (JavaScript's doubles included) reads exactly; an unbounded integer field once
stored 2**70. Strings at most 500 characters, texts at most 10,000; a field may lower or
raise these up to 10,000. Lengths count Unicode characters, as JSON Schema does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lxml import etree

SAFE_INTEGER = 2**53 - 1
MAX_TEXT = 10_000
DEFAULT_MAX_LENGTH = {"string": 500, "text": MAX_TEXT}
NUMERIC = frozenset({"integer", "number"})
TEXTUAL = frozenset(DEFAULT_MAX_LENGTH)

Number = int | float

_INTEGER = re.compile(r"[+-]?\d{1,20}")
_DECIMAL = re.compile(r"[+-]?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})([eE][+-]?\d{1,3})?")


@dataclass(frozen=True)
class Bounds:
    """The effective bounds of one field (``None``: not applicable to its type)."""

    minimum: Number | None = None
    maximum: Number | None = None
    max_length: int | None = None

    def check(self, value: Number | str) -> str | None:
        """Why ``value`` (already of the field's type) is out of bounds, or None."""
        if isinstance(value, str):
            if self.max_length is not None and len(value) > self.max_length:
                return f"过长（最多 {self.max_length} 字）"
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return "应为有限的数值"
        if self.minimum is not None and value < self.minimum:
            return f"不能小于 {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"不能大于 {self.maximum}"
        return None

    def to_json_schema(self) -> dict[str, Number]:
        schema: dict[str, Number] = {}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


def default_bounds(kind: str) -> Bounds:
    """The bounds of a field of type ``kind`` that declares none."""
    if kind in NUMERIC:
        return Bounds(-SAFE_INTEGER, SAFE_INTEGER)
    if kind in TEXTUAL:
        return Bounds(max_length=DEFAULT_MAX_LENGTH[kind])
    return Bounds()


def read_bounds(node: etree._Element, name: str, kind: str) -> tuple[Bounds, list[str]]:
    """The bounds a ``daiban:field`` declares (defaults for the rest), with every
    problem in them: malformed numbers, bounds outside the default range, ``min`` above
    ``max``, attributes its type does not take."""
    defaults = default_bounds(kind)
    problems: list[str] = []
    low_raw, high_raw, length_raw = node.get("min"), node.get("max"), node.get("maxLength")
    if kind not in NUMERIC:
        problems += [
            f"表单字段“{name}”的 {a} 只适用于 integer、number 字段"
            for a, raw in (("min", low_raw), ("max", high_raw))
            if raw is not None
        ]
        low_raw = high_raw = None
    if kind not in TEXTUAL and length_raw is not None:
        problems.append(f"表单字段“{name}”的 maxLength 只适用于 string、text 字段")
        length_raw = None
    low = _number(low_raw, kind, name, "min", problems)
    high = _number(high_raw, kind, name, "max", problems)
    if low is not None and high is not None and low > high:
        problems.append(f"表单字段“{name}”的 min（{low}）大于 max（{high}）")
    length = _length(length_raw, name, problems)
    return Bounds(
        defaults.minimum if low is None else low,
        defaults.maximum if high is None else high,
        defaults.max_length if length is None else length,
    ), problems


def _number(
    raw: str | None, kind: str, name: str, attribute: str, problems: list[str]
) -> Number | None:
    if raw is None:
        return None
    text = raw.strip()
    value: Number
    if kind == "integer":
        if not _INTEGER.fullmatch(text):
            problems.append(f"表单字段“{name}”的 {attribute}（“{raw}”）应为整数")
            return None
        value = int(text)
    else:
        if not _DECIMAL.fullmatch(text):
            problems.append(f"表单字段“{name}”的 {attribute}（“{raw}”）应为数值")
            return None
        value = float(text)
        if value.is_integer():
            value = int(value)
    if not -SAFE_INTEGER <= value <= SAFE_INTEGER:
        problems.append(
            f"表单字段“{name}”的 {attribute}（{raw}）超出允许范围 ±{SAFE_INTEGER}（2^53−1）"
        )
        return None
    return value


def _length(raw: str | None, name: str, problems: list[str]) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and 1 <= int(text) <= MAX_TEXT):
        problems.append(f"表单字段“{name}”的 maxLength（“{raw}”）应为 1–{MAX_TEXT} 的整数")
        return None
    return int(text)
