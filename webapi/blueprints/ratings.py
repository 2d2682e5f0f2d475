"""好差评 on a case, for staff: the case's ratings and its one-time link, a rating given
on paper or on the rating pad entered as such, the township's appeal (申诉) and the
supervisor's ruling (裁定). Who may do which is the policy's (``engine.policy.ratings``);
the resident rates through ``webapi.blueprints.public``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine import policy
from engine.labels import RATING_LEVELS
from engine.policy import Action
from engine.ratings import LINK, CaseRatings
from engine.records import CaseRecord
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import allowed_case, case_detail
from webapi.problems import refused
from webapi.schemas.cases import CaseDetailSchema
from webapi.schemas.ratings import (
    AppealBodySchema,
    AppealDecisionBodySchema,
    CaseRatingsSchema,
    EnteredRatingSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("ratings", __name__, url_prefix="/api/v1/cases", description="好差评")


def _allowed(case_id: int, action: Action) -> CaseRecord:
    principal = current_principal()
    record = services().engine.cases.record(case_id)
    refusal = policy.rating_refusal(principal, record, action)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    return record


def _answer(case_id: int, record: CaseRecord) -> dict[str, Any]:
    may_hand_out = policy.may_change_case(current_principal(), record)
    ratings: CaseRatings = services().engine.ratings.of_case(case_id, may_hand_out)
    answer = asdict(ratings)
    for rating in answer["ratings"]:
        rating["level_name"] = RATING_LEVELS.get(rating["level"])
        rating["genuine"] = rating["channel"] == LINK and not (
            rating["appeal"] is not None and rating["appeal"]["upheld"] is True
        )
    return answer


@blp.route("/<int:case_id>/ratings", methods=["GET"])
@require_auth
@blp.response(200, CaseRatingsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_case_ratings(case_id: int) -> dict[str, Any]:
    """办件的评价：各条评价（渠道、录入人、申诉与裁定）；等待评价时，可办理该办件的
    工作人员还得到群众的一次性评价链接（出示二维码用）"""
    record = allowed_case(current_principal(), case_id, Action.SEE_CASE)
    return _answer(case_id, record)


@blp.route("/<int:case_id>/ratings", methods=["POST"])
@require_auth
@blp.arguments(EnteredRatingSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def enter_rating(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """录入评价：群众在纸质评价表（`paper`）或窗口评价器（`pad`）上的评价，由可办理该办件
    的工作人员录入；记录录入人和渠道，效能监督统计中另列，不计入满意率。办件须正在等待
    评价（否则 409 `invalid_state`）；评价 1、2 时 `reasons` 至少选一项"""
    record = _allowed(case_id, Action.ENTER_RATING)
    actor = policy.rating_actor(current_principal(), record, Action.ENTER_RATING)
    changed = services().engine.ratings.enter(
        case_id,
        body["level"],
        body["reasons"],
        body["comment"],
        body["channel"],
        actor,
        seen=record,
    )
    return case_detail(case_id, changed)


@blp.route("/<int:case_id>/ratings/appeal", methods=["POST"])
@require_auth
@blp.arguments(AppealBodySchema)
@blp.response(200, CaseRatingsSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def appeal_rating(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """评价申诉：办件所在乡镇便民服务中心的工作人员对不满意、非常不满意的评价提出申诉，
    须写明理由；每条评价只能申诉一次（否则 409 `invalid_state`），由效能监督裁定"""
    record = _allowed(case_id, Action.APPEAL_RATING)
    actor = policy.rating_actor(current_principal(), record, Action.APPEAL_RATING)
    services().engine.ratings.appeal(case_id, body["reason"], actor)
    return _answer(case_id, record)


@blp.route("/<int:case_id>/ratings/appeal/decision", methods=["POST"])
@require_auth
@blp.arguments(AppealDecisionBodySchema)
@blp.response(200, CaseRatingsSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def decide_rating_appeal(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """裁定评价申诉：效能监督人员裁定待裁定的申诉，须写明意见；成立（`upheld` 为 true）的
    评价不计入满意率，在统计中另列。没有待裁定的申诉为 409 `invalid_state`"""
    record = _allowed(case_id, Action.DECIDE_APPEAL)
    actor = policy.rating_actor(current_principal(), record, Action.DECIDE_APPEAL)
    services().engine.ratings.decide(case_id, body["upheld"], body["opinion"], actor)
    return _answer(case_id, record)
