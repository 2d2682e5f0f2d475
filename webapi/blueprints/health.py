"""Liveness: answers without a token or a database round trip."""

from __future__ import annotations

from marshmallow import Schema, fields

from webapi.smorest import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="运行状态")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


@blp.route("", methods=["GET"])
@blp.response(200, HealthSchema)
def health() -> dict[str, str]:
    """服务是否在运行"""
    return {"status": "ok"}
