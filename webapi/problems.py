"""Every error as ``application/problem+json`` (RFC 9457).

A problem has ``type`` (``https://daiban.dev/problems/<code>``), a Chinese ``title``,
``status``, a stable ``code`` and a Chinese ``detail``; validation problems add ``errors``
(``[{"field", "in", "reason"}]``), definition problems add ``problems``. Unexpected
exceptions are logged and answered with a generic 500 that reveals nothing of the code,
the database or the file system. Only this module maps errors onto HTTP statuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import marshmallow
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from engine import (
    ConflictError,
    DataValidationError,
    DefinitionError,
    EngineError,
    Forbidden,
    InvalidState,
    LoginLocked,
    NotAuthenticated,
    NotFound,
    OutcomeUnknown,
    ScriptError,
    TooManyRequests,
    Unavailable,
    logs,
)
from engine.errors import StaleVersion
from engine.policy import Reason, Refusal
from engine.scans import UnsupportedFileType
from webapi.field_errors import field_errors

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_BASE = "https://daiban.dev/problems/"
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="daiban"'}
log = logs.get_logger(__name__)

INTERNAL_DETAIL = "服务器内部错误，已记录日志；请稍后重试，如仍出错请联系系统管理员"

# Engine errors, most specific first: status and title.
_ENGINE_ERRORS: list[tuple[type[EngineError], int, str]] = [
    (NotAuthenticated, 401, "未认证"),
    (LoginLocked, 429, "登录已锁定"),
    (TooManyRequests, 429, "请求过于频繁"),
    (NotFound, 404, "未找到"),
    (Forbidden, 403, "无权执行此操作"),
    (StaleVersion, 412, "办件已变化"),
    (ConflictError, 409, "操作冲突"),
    (InvalidState, 409, "当前状态不允许此操作"),
    (UnsupportedFileType, 415, "不支持的文件类型"),
    (DataValidationError, 422, "数据校验未通过"),
    (DefinitionError, 422, "流程定义有误"),
    (ScriptError, 422, "脚本错误"),
    (Unavailable, 503, "服务暂时不可用"),
    (OutcomeUnknown, 503, "操作结果未知"),
    (EngineError, 400, "请求无法处理"),
]

# HTTP errors raised by Flask, werkzeug or webargs: code, title, detail.
_HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求有误", "请求格式不正确"),
    401: ("unauthenticated", "未认证", "请先登录"),
    403: ("forbidden", "无权访问", "无权执行此操作"),
    404: ("not_found", "未找到", "请求的地址不存在"),
    405: ("method_not_allowed", "请求方法不允许", "此地址不支持该请求方法"),
    406: ("not_acceptable", "无法提供所需格式", "接口只返回 JSON"),
    409: ("conflict", "操作冲突", "数据已被他人修改，请刷新后重试"),
    412: ("precondition_failed", "办件已变化", "办件已变化，请刷新后重试"),
    413: ("payload_too_large", "请求体过大", "请求体超过上限"),
    415: (
        "unsupported_media_type",
        "不支持的媒体类型",
        "请求体应为 JSON（Content-Type: application/json）",
    ),
    422: ("validation_failed", "数据校验未通过", "请求数据有误，见 errors"),
    429: ("too_many_requests", "请求过于频繁", "请稍后再试"),
}


# Every problem code the API answers: its status and what it means (Chinese, for the
# OpenAPI document's Problem schema). The README's table of errors lists the same codes;
# tests/unit/test_problem_codes.py keeps both in step with the codes the code raises.
CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "请求格式不正确"),
    "invalid_json": (400, "请求体不是有效的 JSON（含 NaN、Infinity）"),
    "json_too_deep": (400, "请求体嵌套过深"),
    "json_number_too_large": (400, "请求体中的数字过长或不是有限值"),
    "engine_error": (400, "请求无法处理（其他引擎错误）"),
    "unauthenticated": (401, "未登录，或令牌无效、已注销、已过期；用户名或密码错误"),
    "forbidden": (403, "看得到该对象，但角色或单位无权执行此操作"),
    "read_only": (403, "只有查看权限（如县级督查），不能办理"),
    "not_your_task": (403, "不担任该任务的岗位（角色与单位）"),
    "not_held_here": (403, "该问题当前由其他层级或单位办理"),
    "resident_only": (403, "评价只能由群众本人通过评价链接提交，工作人员不能代为评价"),
    "not_found": (404, "不存在，或不在调用者的范围内（不区分二者）"),
    "method_not_allowed": (405, "此地址不支持该请求方法"),
    "not_acceptable": (406, "接口只返回 JSON"),
    "conflict": (409, "数据被他人同时修改（竞争），本次操作未保存；刷新后重试"),
    "claimed": (409, "任务已被他人认领"),
    "task_closed": (409, "任务已办理或已关闭"),
    "invalid_state": (
        409,
        "办件、问题或离岗当前的状态不允许此操作（如办件已结束、未在等待该消息，离岗已结束）",
    ),
    "not_training_database": (409, "只有培训或演示数据库可以调整时钟，时钟不变"),
    "database_in_use": (409, "数据库已有正式办件（或台账问题），不能标为培训或演示数据库"),
    "absence_overlap": (409, "与该人员已登记的另一离岗重叠，什么也没登记"),
    "absence_in_org_file": (409, "该离岗来自组织机构文件，只能在文件中修改"),
    "separation_of_duties": (
        409,
        "不相容岗位分离：办理过本办件相关环节的人员不能再办理此环节（如A岗初审与B岗审核）",
    ),
    "rating_closed": (409, "办件已不再等待评价（评价期已结束或已撤件），评价链接失效"),
    "precondition_failed": (412, "If-Match 或 expected_version 给出的办件版本已过时，什么也没改"),
    "payload_too_large": (413, "请求体超过上限"),
    "unsupported_media_type": (415, "请求体的媒体类型不对（应为 JSON 或上传文件）"),
    "unsupported_file_type": (415, "上传的文件按内容判断不是 PDF、JPEG 或 PNG"),
    "validation_failed": (422, "数据校验未通过，errors 逐项列出字段"),
    "unreadable_file": (422, "上传的文件已损坏，或含有不接收的内容（加密、脚本、像素过多）"),
    "invalid_definition": (422, "流程定义有误，problems 逐项列出"),
    "script_error": (422, "流程中的脚本或条件出错，办件保持不变"),
    "script_limit_exceeded": (422, "脚本超出时间、步数或内存限制，办件保持不变"),
    "engine_step_limit": (422, "一次变更所需的引擎步数超限，办件保持不变"),
    "engine_stalled": (422, "流程未到达结束事件就停止，办件保持不变"),
    "login_locked": (429, "密码错误次数过多，登录已锁定（见 Retry-After）"),
    "too_many_requests": (429, "请求过于频繁（如办件进度查询的次数限制，见 Retry-After）"),
    "internal_error": (500, "服务器内部错误（已记录日志）"),
    "service_unavailable": (503, "数据库暂时不可用，什么也没改（见 reason、Retry-After）"),
    "outcome_unknown": (503, "提交时连接中断，结果未知：先查明再重试"),
}


class ApiProblem(Exception):
    """Raised by views and guards for a problem that is not an engine error."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.members = members


# The access policy's refusals: status and problem code. Out of scope is answered like a
# missing object (404), with the caller's own "not found" detail, so it cannot be probed.
_REFUSALS: dict[Reason, tuple[int, str]] = {
    Reason.READ_ONLY: (403, "read_only"),
    Reason.WRONG_ROLE: (403, "forbidden"),
    Reason.WRONG_UNIT: (403, "forbidden"),
    Reason.NOT_YOUR_TASK: (403, "not_your_task"),
    Reason.NOT_HELD_HERE: (403, "not_held_here"),
    Reason.CLAIMED: (409, "claimed"),
    Reason.RESIDENT_ONLY: (403, "resident_only"),
}


def refused(refusal: Refusal, not_found: str = "") -> ApiProblem:
    """The problem a refusal of ``engine.policy`` is answered with."""
    if refusal.reason is Reason.OUT_OF_SCOPE:
        return ApiProblem(404, "not_found", not_found)
    status, code = _REFUSALS[refusal.reason]
    return ApiProblem(status, code, refusal.message)


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> Response:
    """A problem+json response (logged: a refusal at info, a conflict or an unavailable
    database at warning, an internal error at error — method, path, caller, code only)."""
    _log_problem(status, code)
    body = {
        "type": TYPE_BASE + code,
        "title": title or _HTTP_ERRORS.get(status, ("", "请求无法处理", ""))[1],
        "status": status,
        "code": code,
        "detail": detail,
        **members,
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.extend(headers or {})
    return response


def engine_problem(error: EngineError) -> Response:
    status, title = next((s, t) for cls, s, t in _ENGINE_ERRORS if isinstance(error, cls))
    members: dict[str, Any] = {}
    if isinstance(error, DataValidationError):
        members["errors"] = [
            {"field": name, "in": "body", "reason": reason} for name, reason in error.fields.items()
        ]
    if isinstance(error, DefinitionError):
        members["problems"] = [
            {
                "path": p.path,
                "line": p.line,
                "element_id": p.element_id,
                "message": p.message,
                "text": str(p),
            }
            for p in error.problems
        ]
    headers = dict(BEARER_CHALLENGE) if status == 401 else {}
    if isinstance(error, LoginLocked | TooManyRequests | Unavailable | OutcomeUnknown):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unavailable):
        members["reason"] = error.reason
    return problem(status, error.code, error.message, title=title, headers=headers, **members)


def http_problem(error: HTTPException) -> Response:
    """Flask's, werkzeug's and webargs's HTTP errors (webargs attaches ``data`` and ``exc``)."""
    status = error.code or 500
    if status >= 500:
        return problem(status, "internal_error", INTERNAL_DETAIL, title="服务器内部错误")
    code, title, detail = _HTTP_ERRORS.get(status) or (
        _snake(error.name),
        error.name,
        "请求无法处理",
    )
    members: dict[str, Any] = {}
    cause = getattr(error, "exc", None)
    data = getattr(error, "data", None) or {}
    if isinstance(cause, json.JSONDecodeError | UnicodeDecodeError):
        code, detail = "invalid_json", "请求体不是有效的 JSON"
    elif isinstance(cause, marshmallow.ValidationError) and "messages" in data:
        members["errors"] = field_errors(data["messages"])
        detail = f"请求数据有 {len(members['errors'])} 处错误，见 errors"
    elif status == 405:
        allowed = "、".join(m for m in sorted(getattr(error, "valid_methods", None) or ()))
        detail = f"此地址不支持 {request.method} 方法" + (f"，可用：{allowed}" if allowed else "")
    elif status == 413:
        limit = request.max_content_length
        detail = f"请求体超过上限（{limit} 字节）" if limit else detail
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if status == 401:
        headers.update(BEARER_CHALLENGE)
    return problem(status, code, detail, title=title, headers=headers, **members)


def _log_problem(status: int, code: str) -> None:
    principal = getattr(g, "principal", None)
    fields: dict[str, Any] = {
        "status": status,
        "code": code,
        "method": request.method,
        "path": request.path,
        "user": getattr(principal, "user_id", None),
    }
    if status >= 500 and status != 503:
        log.error("request_failed", **fields)
    elif status in (409, 503):
        log.warning("request_conflict" if status == 409 else "request_unavailable", **fields)
    else:
        log.info("request_refused", **fields)


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "error"


def _api_problem(error: ApiProblem) -> Response:
    return problem(error.status, error.code, error.detail, headers=error.headers, **error.members)


def _unexpected(error: Exception) -> Response:
    log.error(
        "unhandled_exception",
        exc_info=True,
        error=type(error).__name__,
        method=request.method,
        path=request.path,
    )
    return problem(500, "internal_error", INTERNAL_DETAIL, title="服务器内部错误")


def init_app(app: Flask) -> None:
    """Register the handlers (HTTP errors are handled by ``webapi.openapi.DaibanApi``)."""
    app.register_error_handler(ApiProblem, _api_problem)
    app.register_error_handler(EngineError, engine_problem)
    app.register_error_handler(Exception, _unexpected)
