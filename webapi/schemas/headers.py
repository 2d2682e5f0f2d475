"""Request headers an operation declares in the OpenAPI document and checks."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

MAX_IDEMPOTENCY_KEY = 1024  # stored hashed: any length up to it is kept whole


class IdempotencyKeySchema(Schema):
    """The ``Idempotency-Key`` header of a registration, declared and checked here (at
    most ``MAX_IDEMPOTENCY_KEY`` characters); the view reads the header itself, so the
    arguments loaded from it are empty (``as_kwargs=True`` passes none)."""

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Length(max=MAX_IDEMPOTENCY_KEY),
        metadata={
            "description": "可选，由调用者生成（如 UUID）：同一调用者以同一键重试（包括同时发出的"
            "多个请求）得到同一办件，不会重复登记；503 outcome_unknown 后用同一键重试即可得知"
            f"是否已登记。最长 {MAX_IDEMPOTENCY_KEY} 个字符",
            "example": "3f2b8c1e-6d0a-4b7e-9a51-2c4d8e7f1a90",
        },
    )

    @post_load
    def _read_by_the_view(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {}
