"""Health checks, open to everyone (no token), for load balancers and process supervisors.

- ``/api/v1/health`` and ``/api/v1/health/live`` (liveness): the process answers; no
  database round trip, so a database outage does not get every app server restarted.
- ``/api/v1/health/ready`` (readiness): the database answers within ``READY_TIMEOUT``
  seconds and its schema is at this version's newest migration; else 503: take this
  server out of the rotation until it is ready again.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from engine import Unavailable
from webapi.openapi import problem_response
from webapi.problems import ApiProblem
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="运行状态")

READY_TIMEOUT = 2.0  # seconds the database has to answer a readiness check
RETRY_AFTER = {"Retry-After": "5"}


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadySchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True, metadata={"description": "数据库应答", "example": "ok"})
    schema = fields.String(
        required=True,
        metadata={"description": "数据库结构的迁移版本（已是最新）", "example": "0020"},
    )


@blp.route("", methods=["GET"])
@blp.response(200, HealthSchema)
def health() -> dict[str, str]:
    """服务是否在运行（不访问数据库；同 /api/v1/health/live）"""
    return {"status": "ok"}


@blp.route("/live", methods=["GET"])
@blp.response(200, HealthSchema)
def health_live() -> dict[str, str]:
    """存活检查：进程在运行即应答 200，不访问数据库"""
    return {"status": "ok"}


@blp.route("/ready", methods=["GET"])
@blp.response(200, ReadySchema)
@blp.alt_response(
    503,
    **problem_response(
        "未就绪：数据库无应答（reason database_unreachable），"
        "或数据库结构不是本版本的最新迁移（reason schema_behind；schema_ahead：由更新的版本迁移过）",
        "service_unavailable",
    ),
)
def health_ready() -> dict[str, str]:
    """就绪检查：数据库在 2 秒内应答，且数据库结构为本版本的最新迁移；否则 503"""
    try:
        schema = services().engine.operations.schema(READY_TIMEOUT)
    except Unavailable:
        raise ApiProblem(
            503,
            "service_unavailable",
            "暂时无法连接数据库，本服务暂不可用",
            headers=RETRY_AFTER,
            reason="database_unreachable",
        ) from None
    if not schema.at_head:
        ahead = not schema.known
        raise ApiProblem(
            503,
            "service_unavailable",
            (
                f"数据库结构版本 {schema.current} 比本程序新（本程序最新为 {schema.head}），请升级程序"
                if ahead
                else f"数据库结构版本为 {schema.current or '无'}，需升级到 {schema.head}"
            ),
            headers=RETRY_AFTER,
            reason="schema_ahead" if ahead else "schema_behind",
            schema=schema.current,
        )
    return {"status": "ok", "database": "ok", "schema": schema.current or ""}
