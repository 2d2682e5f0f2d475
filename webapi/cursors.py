"""Keyset-paging positions of the work queue (``after``, ``next_after``): a task's sort
key (``engine.records.queue.sort_key``) as URL-safe base64 JSON, opaque to clients and
checked value by value on the way back, so a forged or stale position is a 422, never a
database error."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

# The kind of each value of a sort key per order ("?": may be missing, then its flag,
# the value before it, is true).
SHAPES: dict[str, tuple[str, ...]] = {
    "due": ("flag", "time?", "int", "str"),
    "newest": ("time", "int", "str"),
    "item": ("flag", "str?", "flag", "time?", "int", "str"),
}
INVALID = "分页位置无效：请从第一页重新查看"


def encode(order: str, key: tuple[Any, ...]) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    text = json.dumps([order, *values], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(order: str, text: str) -> tuple[Any, ...]:
    """The sort key ``text`` holds, for a queue listed in ``order`` (ValueError with the
    reason in Chinese otherwise)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        found = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValueError(INVALID) from None
    if not isinstance(found, list) or not found or found[0] not in SHAPES:
        raise ValueError(INVALID)
    if found[0] != order:
        raise ValueError("分页位置属于另一种排序：请按原排序翻页，或从第一页重新查看")
    shape, values = SHAPES[order], found[1:]
    if len(values) != len(shape):
        raise ValueError(INVALID)
    key: list[Any] = []
    for kind, value in zip(shape, values, strict=True):
        key.append(_value(kind, value, key[-1] if key else None))
    return tuple(key)


def _value(kind: str, value: Any, flag: Any) -> Any:
    if kind.endswith("?"):
        if flag is True:  # missing: its flag says so
            if value is not None:
                raise ValueError(INVALID)
            return None
        kind = kind[:-1]
    if kind == "flag" and isinstance(value, bool):
        return value
    whole = isinstance(value, int) and not isinstance(value, bool)
    if kind == "int" and whole and 0 < value < 2**63:
        return value
    if kind == "str" and isinstance(value, str) and 0 < len(value) <= 200:
        return value
    if kind == "time" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(INVALID) from None
        if moment.tzinfo is not None:
            return moment
    raise ValueError(INVALID)
