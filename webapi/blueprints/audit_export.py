"""Process-mining exports (流程挖掘导出): the case histories as IEEE 1849 XES or OCEL 2.0
JSON, streamed.

Scoped like every other read: the supervisor exports the county, township staff their
township (and what their window registered elsewhere), village agents their village,
county officers what was handed to their department. Designers and administrators see
no cases: 403, as for the supervision figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, stream_with_context

from engine import policy
from engine.clock import SHANGHAI
from engine.exports.common import ExportSource
from engine.exports.ocel import MEDIA_TYPE as OCEL_MEDIA_TYPE
from engine.exports.ocel import ocel_chunks
from engine.exports.xes import MEDIA_TYPE as XES_MEDIA_TYPE
from engine.exports.xes import xes_chunks
from engine.policy import Action
from engine.records import CaseFilter
from webapi.auth import current_principal, require_auth
from webapi.problems import refused
from webapi.schemas.exports import OCEL_SCHEMA, XES_SCHEMA, ExportQuerySchema
from webapi.services import services
from webapi.smorest import Blueprint, View, stacked

blp = Blueprint(
    "audit_export", __name__, url_prefix="/api/v1/audit", description="审计：流程挖掘导出"
)


def _export(
    rule: str, schema: dict[str, Any], media_type: str, description: str
) -> Callable[[View], View]:
    """An export: GET with the filters of ``ExportQuerySchema``, a streamed attachment."""
    return stacked(
        blp.route(rule, methods=["GET"]),
        require_auth,
        blp.arguments(ExportQuerySchema, location="query"),
        blp.response(
            200,
            schema,
            content_type=media_type,
            description=description,
            headers={
                "Content-Disposition": {"description": "附件文件名", "schema": {"type": "string"}}
            },
        ),
        blp.alt_response(403, response="FORBIDDEN"),
    )


@_export("/export.xes", XES_SCHEMA, XES_MEDIA_TYPE, "IEEE 1849-2016 XES 事件日志（分块传输）")
def export_xes(args: dict[str, Any]) -> Response:
    """导出 XES 事件日志：每个办件一条轨迹（以办件编号命名），事件含活动名称、时间、
    生命周期（schedule 待办、assign 认领/指派、complete 办结、withdraw/ate_abort 未办结即撤回）、
    经办人（org:resource）、岗位（org:role）、所属单位（org:group）与代办对象（已遮蔽）。

    可按登记日期（from、to）、事项、乡镇、村筛选；范围与办件列表相同。PM4Py、ProM 等
    流程挖掘工具可直接读取。
    """
    source, about, now = _source(args)
    engine = services().engine
    chunks = xes_chunks(source, org=engine.org, about=about, exported_at=now)
    return _streamed(chunks, XES_MEDIA_TYPE, f"daiban-{_day(now):%Y%m%d}.xes")


@_export(
    "/export.ocel.json", OCEL_SCHEMA, OCEL_MEDIA_TYPE, "OCEL 2.0 JSON 对象中心事件日志（分块传输）"
)
def export_ocel(args: dict[str, Any]) -> Response:
    """导出 OCEL 2.0 JSON：与 XES 相同的事件，关联到办件、任务、经办人、单位与事项对象

    筛选与范围同 XES 导出。
    """
    source, _, now = _source(args)
    chunks = ocel_chunks(source, org=services().engine.org)
    return _streamed(chunks, OCEL_MEDIA_TYPE, f"daiban-{_day(now):%Y%m%d}.ocel.json")


def export_filter(args: dict[str, Any]) -> CaseFilter:
    """The filter of a query (``from``/``to``: Beijing days, both inclusive)."""
    first: date | None = args.get("from_")
    last: date | None = args.get("to")
    return CaseFilter(
        registered_from=_start_of(first) if first is not None else None,
        registered_to=_start_of(last + timedelta(days=1)) if last is not None else None,
        item_code=args.get("item"),
        township=args.get("township"),
        village=args.get("village"),
    )


def _source(args: dict[str, Any]) -> tuple[ExportSource, dict[str, str], datetime]:
    principal = current_principal()
    refusal = policy.refusal(principal, Action.EXPORT_CASES)
    if refusal is not None:
        raise refused(refusal)
    engine = services().engine
    about = {
        "filter_" + key.rstrip("_"): str(value) for key, value in sorted(args.items()) if value
    }
    scope = policy.case_scope(principal)
    return engine.export_source(scope, export_filter(args)), about, engine.clock.now()


def _streamed(chunks: Iterator[bytes], media_type: str, filename: str) -> Response:
    first = _started(chunks)
    response = current_app.response_class(stream_with_context(first()), mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _started(chunks: Iterator[bytes]) -> Callable[[], Iterator[bytes]]:
    """The chunks, with the first one produced now: a failure before any byte is sent
    (the database unreachable, say) is still an ordinary error response."""
    head = next(chunks, b"")

    def stream() -> Iterator[bytes]:
        yield head
        yield from chunks

    return stream


def _day(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
