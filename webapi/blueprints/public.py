"""Public, anonymous endpoints: 办件进度查询 (the applicant's progress lookup) and 好差评
(the resident's rating by its one-time link, ``engine.ratings``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.labels import CASE_STATUSES, RATING_LEVELS, name_of
from engine.ratings import BAD
from webapi.client_address import client_address
from webapi.schemas.progress import ProgressQuerySchema, ProgressSchema
from webapi.schemas.ratings import RatingBodySchema, RatingReceiptSchema, RatingSubjectSchema
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


def _receipt(level: str) -> dict[str, Any]:
    return {
        "level": level,
        "level_name": RATING_LEVELS[level],
        "message": "感谢您的评价！" + ("我们将回访并整改。" if level in BAD else ""),
    }


@blp.route("/ratings/<token>", methods=["GET"])
@blp.response(200, RatingSubjectSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.doc(security=[])
def get_public_rating(token: str) -> dict[str, Any]:
    """好差评：凭一次性评价链接查看要评价的办件，无需登录

    只答事项、承办乡镇、登记日期和办件编号后四位，不含任何个人信息。链接无效或已经
    评价过一律 404 `not_found`，应答相同；办件已不再等待评价（评价期结束或已撤件）为
    409 `rating_closed`。同一地址 10 分钟内至多 30 次请求（查看和提交合计），超出则
    429 `too_many_requests`。
    """
    return asdict(services().engine.ratings.subject(token, client_address()))


@blp.route("/ratings/<token>", methods=["POST"])
@blp.arguments(RatingBodySchema)
@blp.response(200, RatingReceiptSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.doc(security=[])
def post_public_rating(body: dict[str, Any], token: str) -> dict[str, Any]:
    """好差评：群众本人凭一次性评价链接评价办件，无需登录

    `level` 为 1 到 5（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）；评价 1、2
    时 `reasons` 至少选一项。每件办件只能评价一次：链接无效或已使用一律 404 `not_found`；
    办件已不再等待评价为 409 `rating_closed`。评价以「群众本人（评价链接）」记入办件历史，
    计入效能监督的满意率；不满意的评价转回访整改。
    """
    level = services().engine.ratings.rate(
        token, body["level"], body["reasons"], body["comment"], client_address()
    )
    return _receipt(level)
