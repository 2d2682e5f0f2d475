"""Administration: the clock of a training or demo database (培训/演示库)."""

from __future__ import annotations

from typing import Any

from engine.clock import describe_offset, parse_duration
from engine.policy import Action
from engine.training import ClockStatus
from webapi.auth import current_principal, require_auth, require_right
from webapi.schemas.admin import AdvancedSchema, AdvanceSchema, ClockSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="系统管理：培训时钟")


@blp.route("/clock", methods=["GET"])
@require_auth
@blp.response(200, ClockSchema)
@blp.alt_response(403, response="FORBIDDEN")
def get_clock() -> dict[str, Any]:
    """查看时钟：数据库是否为培训或演示库、当前时间、累计前移多少（仅系统管理员）

    生产数据库答 `mode: production`、`training: false`：其时钟始终是系统时钟。
    """
    require_right(Action.MANAGE_CLOCK)
    return as_json(services().engine.training.status())


@blp.route("/clock/advance", methods=["POST"])
@require_auth
@blp.arguments(AdvanceSchema)
@blp.response(200, AdvancedSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def advance_clock(body: dict[str, Any]) -> dict[str, Any]:
    """前移培训时钟：如 `{"by": "8d"}`（h 小时、d 天、w 周；只能前移；仅系统管理员）

    只用于标记为培训或演示的数据库（`daiban serve --training`/`--demo`、
    `daiban clock init`）；其他数据库答 409 `not_training_database`，时钟不变。
    前移后随即触发到期的定时器（公示期满、时限预警，同 `daiban tick`），结果见 `tick`。
    """
    require_right(Action.MANAGE_CLOCK)
    engine = services().engine
    report = engine.advance_clock(parse_duration(body["by"]), current_principal().user_id)
    return {
        **as_json(engine.training.status()),
        "tick": {
            "fired": report.fired,
            "incidents": report.incidents,
            "conflicts": report.conflicts,
            "warnings": len(report.warnings),
        },
    }


def as_json(status: ClockStatus) -> dict[str, Any]:
    setting = status.setting
    return {
        "mode": setting.mode if setting is not None else "production",
        "mode_name": setting.mode_name if setting is not None else "生产",
        "training": setting is not None,
        "now": status.now,
        "system_time": status.wall,
        "offset_seconds": status.offset_seconds,
        "offset": describe_offset(status.offset_seconds),
        "flagged_at": setting.flagged_at if setting is not None else None,
        "flagged_by": setting.flagged_by if setting is not None else None,
        "advanced_at": setting.advanced_at if setting is not None else None,
        "advanced_by": setting.advanced_by if setting is not None else None,
    }
