"""Yearly payout lists (年度发放清册, ``engine.batch``): open one, read it with its totals,
read its lines (masked), add, strike and correct lines, record the 一卡通 results.

A list is a case: a list outside the caller's scope is 404 like any case, and a case that
is not a list is 404 here. Its steps are tasks (``GET /tasks``); an objection during the
notice is the message ``batch_objection`` (``POST /cases/{id}/messages/batch_objection``).
Who may change lines in which step is the policy's (``engine.policy.batch``).
"""

from __future__ import annotations

from typing import Any

from engine import policy
from engine.batch import (
    LINE_STEPS,
    BatchInputs,
    BatchView,
    Line,
    Totals,
    correction,
    new_lines,
    payment_results,
)
from engine.labels import BATCH_LINE_STATUSES, BATCH_STEPS, unit_name
from engine.records import CaseRecord
from processes.patterns import mask_account, mask_id
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import visible_case
from webapi.openapi import problem_response
from webapi.problems import refused
from webapi.schemas.batches import (
    BatchOpenSchema,
    BatchSchema,
    CorrectionSchema,
    LinePageSchema,
    LinesQuerySchema,
    NewLinesSchema,
    PaymentResultsSchema,
    StrikeSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint(
    "batches", __name__, url_prefix="/api/v1/batches", description="年度发放清册（一卡通发放）"
)
_STATE = problem_response("清册当前阶段不能做这项操作", "invalid_state")
_CONFLICT = problem_response("本村本年度该事项的清册已经建立", "conflict")


@blp.route("", methods=["POST"])
@require_auth
@blp.arguments(BatchOpenSchema)
@blp.response(201, BatchSchema, description="已建立清册（一个办件），等待村级编制")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(409, **_CONFLICT)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def open_batch(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """建立本村本年度的发放清册：本村代办员，或所属乡镇的窗口、后台人员"""
    principal = current_principal()
    engine = services().engine
    refusal = policy.batch_open_refusal(engine.org, principal, body["village"])
    if refusal is not None:
        raise refused(refusal, "没有这个村")
    inputs = BatchInputs(body["item_code"], body["village"], body["year"], body["rate"])
    view = engine.batches.open(inputs, policy.opening_actor(principal))
    return _shown(engine.cases.record(view.id)), 201


@blp.route("/<int:case_id>", methods=["GET"])
@require_auth
@blp.response(200, BatchSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_batch(case_id: int) -> dict[str, Any]:
    """清册概况：所处阶段、户数、面积、金额合计（由系统计算）、发放结果合计"""
    return _shown(visible_case(current_principal(), case_id))


@blp.route("/<int:case_id>/lines", methods=["GET"])
@require_auth
@blp.arguments(LinesQuerySchema, location="query")
@blp.response(200, LinePageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_lines(query: dict[str, Any], case_id: int) -> dict[str, Any]:
    """清册名单（分页）：“一卡通”账号只显示末 4 位；无权办理的调用者身份证号也只见掩码"""
    principal = current_principal()
    record = visible_case(principal, case_id)
    view = services().engine.batches.view(record)
    lines = [
        line for line in view.list.lines.values() if query.get("status") in (None, line.status)
    ]
    masked = policy.masks_personal_data(principal, record)
    start, limit = query["offset"], query["limit"]
    return {
        "items": [_line(line, masked) for line in lines[start : start + limit]],
        "total": len(lines),
        "offset": start,
        "limit": limit,
    }


@blp.route("/<int:case_id>/lines", methods=["POST"])
@require_auth
@blp.arguments(NewLinesSchema)
@blp.response(200, BatchSchema, description="已添加，记入办件历史（batch_lines_added）")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **_STATE)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def add_lines(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """添加名单（村级编制、乡镇审核阶段）：重复的身份证号、超过 5000 行均不予添加"""
    record, actor = _changing(case_id)
    services().engine.batches.add_lines(record.id, new_lines(body["lines"]), actor)
    return _shown(services().engine.cases.record(case_id))


@blp.route("/<int:case_id>/lines/<int:line>/strike", methods=["POST"])
@require_auth
@blp.arguments(StrikeSchema)
@blp.response(200, BatchSchema, description="已核减，记入办件历史（batch_line_struck）")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **_STATE)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def strike_line(body: dict[str, Any], case_id: int, line: int) -> dict[str, Any]:
    """核减一行（村级编制、乡镇审核阶段），须写明理由；核减的行留在清册中，不计入合计"""
    record, actor = _changing(case_id)
    services().engine.batches.strike(record.id, line, body["reason"], actor)
    return _shown(services().engine.cases.record(case_id))


@blp.route("/<int:case_id>/lines/<int:line>/correct", methods=["POST"])
@require_auth
@blp.arguments(CorrectionSchema)
@blp.response(200, BatchSchema, description="已更正，记入办件历史（batch_line_corrected）")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **_STATE)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def correct_line(body: dict[str, Any], case_id: int, line: int) -> dict[str, Any]:
    """更正一行（村级编制、乡镇审核阶段），须写明理由；同时了结该行的公示异议"""
    record, actor = _changing(case_id)
    services().engine.batches.correct(record.id, line, correction(body), actor)
    return _shown(services().engine.cases.record(case_id))


@blp.route("/<int:case_id>/payments", methods=["POST"])
@require_auth
@blp.arguments(PaymentResultsSchema)
@blp.response(200, BatchSchema, description="已登记，记入办件历史（batch_payments_recorded）")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **_STATE)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def record_payments(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """登记“一卡通”发放结果（批量，发放阶段，乡镇后台）：失败的写明原因，可再次登记"""
    record, actor = _changing(case_id, "payment")
    results = payment_results(body["results"])
    services().engine.batches.record_payments(record.id, results, actor)
    return _shown(services().engine.cases.record(case_id))


def _changing(case_id: int, step: str | None = None) -> tuple[CaseRecord, Any]:
    """The list if the caller may change it: its lines in the step the list is in
    (``step`` None: compiling or reviewing, else as in review), its payments in the
    payment step (``step``); the engine then refuses (409) a list in another step."""
    principal = current_principal()
    record = visible_case(principal, case_id)
    if step is None:
        current = services().engine.batches.view(record).step
        step = current if current in LINE_STEPS else "review"
    refusal = policy.batch_line_refusal(principal, record, step)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    return record, policy.line_actor(principal, record, step)


def _shown(record: CaseRecord) -> dict[str, Any]:
    principal = current_principal()
    engine = services().engine
    view: BatchView = engine.batches.view(record)
    may_lines = view.step in LINE_STEPS and policy.may_change_lines(principal, record, view.step)
    may_pay = view.step == "payment" and policy.may_change_lines(principal, record, "payment")
    return {
        "id": record.id,
        "case_number": record.case_number,
        "item_code": view.item.code,
        "item_name": view.item.name,
        "village": record.village,
        "village_name": unit_name(engine.org, record.village),
        "year": view.list.year,
        "rate": str(view.list.rate),
        "area_label": view.list.area_label,
        "status": record.status,
        "version": record.version,
        "step": view.step,
        "step_name": BATCH_STEPS[view.step],
        "may_change_lines": may_lines,
        "may_record_payments": may_pay,
        "totals": _totals(view.list.totals()),
        "created_at": record.created_at,
    }


def _totals(totals: Totals) -> dict[str, Any]:
    return {
        "lines": totals.lines,
        "struck": totals.struck,
        "area": str(totals.area),
        "amount": str(totals.amount),
        "objected": totals.objected,
        "paid": totals.paid,
        "paid_amount": str(totals.paid_amount),
        "failed": totals.failed,
        "failed_amount": str(totals.failed_amount),
        "unrecorded": totals.unrecorded,
    }


def _line(line: Line, masked: bool) -> dict[str, Any]:
    return {
        "no": line.no,
        "name": line.name,
        "id_number": mask_id(line.id_number) if masked else line.id_number,
        "account": mask_account(line.account),
        "area": str(line.area),
        "amount": str(line.amount),
        "status": line.status,
        "status_name": BATCH_LINE_STATUSES[line.status],
        "note": line.note,
    }
