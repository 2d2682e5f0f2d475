"""Public, anonymous endpoints: 办件进度查询 (the applicant's progress lookup)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.labels import CASE_STATUSES, name_of
from webapi.client_address import client_address
from webapi.schemas.progress import ProgressQuerySchema, ProgressSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="公开查询（无需登录）")


@blp.route("/progress", methods=["GET"])
@blp.arguments(ProgressQuerySchema, location="query")
@blp.response(200, ProgressSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.doc(security=[])
def get_public_progress(args: dict[str, str]) -> dict[str, Any]:
    """办件进度查询：凭办件编号和申请人身份证号码后六位查询办件进度，无需登录

    只答事项、状态、日期、已办和在办的环节（环节与单位名称）、等待的事和尚缺的材料；
    不含申请人姓名、证件号码、电话、地址，也不含经办人姓名。办件不存在与号码不符一律
    404 `not_found`，应答相同。同一地址 10 分钟内至多查询 20 次；同一办件编号
    1 小时内至多查错 5 次（不论从哪个地址），超出则 429 `too_many_requests`，
    `Retry-After` 给出秒数，期间号码正确也不查。
    """
    progress = services().engine.progress.lookup(args["number"], args["id_tail"], client_address())
    answer = asdict(progress)
    answer["status_name"] = name_of(CASE_STATUSES, progress.status)
    return answer
