"""Messages to a case (办件消息): one operation per message the process library defines,
each with its payload's JSON Schema (``engine.messages``) as the request body.

The body is read as any JSON object and checked by the engine against that same schema:
a body that does not match is 422 ``validation_failed`` with every field named; nothing
is delivered. Who may send which message is the policy's (``engine.policy``): the county
decision only an officer of the department the case was handed to. There are no other
messages (``daiban lint`` refuses a process that waits for one): another name is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import elements, messages, policy
from engine.policy import Action
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import allowed_case, case_detail
from webapi.blueprints.tasks import expected_version
from webapi.openapi import STALE_VERSION
from webapi.schemas.cases import CaseDetailSchema
from webapi.schemas.messages import MessagePayloadSchema, component_name, openapi_schema
from webapi.schemas.tasks import IfMatchSchema
from webapi.services import services
from webapi.smorest import Blueprint, View, stacked

_ERRORS = ((403, "FORBIDDEN"), (404, "NOT_FOUND"), (409, "CONFLICT"))


class MessagesBlueprint(Blueprint):
    """Also registers each message's payload schema as a component of the document."""

    def register_views_in_doc(self, api: Any, app: Any, spec: Any, **kwargs: Any) -> None:
        version = str(spec.openapi_version)
        for name, schema in messages.SCHEMAS.items():
            spec.components.schema(component_name(name), openapi_schema(schema, version))
        super().register_views_in_doc(api, app, spec, **kwargs)  # type: ignore[misc]


blp = MessagesBlueprint("messages", __name__, url_prefix="/api/v1/cases", description="办件消息")


def _message(name: str) -> Callable[[View], View]:
    """The route, body and answers of the operation that delivers message ``name``."""
    body = {"$ref": f"#/components/schemas/{component_name(name)}"}
    return stacked(
        blp.route(f"/<int:case_id>/messages/{name}", methods=["POST"]),
        require_auth,
        blp.arguments(MessagePayloadSchema),
        blp.arguments(IfMatchSchema, location="headers"),
        blp.doc(requestBody={"content": {"application/json": {"schema": body}}}),
        blp.response(200, CaseDetailSchema),
        *(blp.alt_response(status, response=response) for status, response in _ERRORS),
        blp.alt_response(412, **STALE_VERSION),
    )


def _deliver(
    case_id: int, name: str, payload: dict[str, Any], headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    principal = current_principal()
    record = allowed_case(principal, case_id, Action.DELIVER_MESSAGE, name)
    actor = policy.case_actor(principal, record, name)
    expected = expected_version({}, headers or {})
    changed = services().engine.cases.deliver_message(
        case_id, name, payload, actor, expected, seen=record
    )
    return case_detail(case_id, changed)


@_message(elements.COUNTY_DECISION)
def post_county_decision_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """县级部门回传审批决定（县级系统回调）

    仅承办该办件的县级部门经办人可以发送（否则 403 `forbidden`）；办件须正在等待县级决定
    （否则 409 `invalid_state`）。不予准予（`approved` 为 false）时 `opinion` 必填。
    """
    return _deliver(case_id, elements.COUNTY_DECISION, payload, headers)


@_message(elements.MATERIALS_RESUBMITTED)
def post_materials_resubmitted_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """申请人已补正材料

    办件须正在等待补正（一次性告知后）；随后由窗口复核补正材料。
    """
    return _deliver(case_id, elements.MATERIALS_RESUBMITTED, payload, headers)


@_message(elements.PLEDGE_FULFILLED)
def post_pledge_fulfilled_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """申请人已补交容缺材料

    办件须正在等待补交容缺材料；随后由窗口核收。
    """
    return _deliver(case_id, elements.PLEDGE_FULFILLED, payload, headers)


@_message(elements.PUBLIC_NOTICE_OBJECTION)
def post_public_notice_objection_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """公示期间收到异议

    办件须正在公示；随后由后台核查异议（成立则重新审核）。
    """
    return _deliver(case_id, elements.PUBLIC_NOTICE_OBJECTION, payload, headers)


@_message(elements.HEARING_REQUESTED)
def post_hearing_requested_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """当事人申请陈述申辩或听证

    执法案件须在告知后等待申请（5 个工作日内）；随后由执法人员听取陈述申辩或组织听证。
    """
    return _deliver(case_id, elements.HEARING_REQUESTED, payload, headers)


@_message(elements.BATCH_OBJECTION)
def post_batch_objection_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """年度发放清册公示期间，对清册某一行提出异议

    清册须正在公示；公示结束，该行标为“公示有异议”，清册退回乡镇审核（核减或更正该行后
    重新公示）。
    """
    return _deliver(case_id, elements.BATCH_OBJECTION, payload, headers)


@_message(elements.RATING)
def post_rating_message(
    payload: dict[str, Any], headers: dict[str, Any], case_id: int
) -> dict[str, Any]:
    """申请人评价办件（好差评）

    办件须在办结后等待评价；不满意、非常不满意转回访整改，评价计入统计。
    """
    return _deliver(case_id, elements.RATING, payload, headers)


@blp.route("/<int:case_id>/messages/<name>", methods=["POST"])
@require_auth
@blp.arguments(MessagePayloadSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def post_undefined_message(payload: dict[str, Any], case_id: int, name: str) -> dict[str, Any]:
    """其他消息名称：流程库未定义，一律 404

    消息只有上面各接口列出的几种（`daiban lint` 拒绝等待其他消息的流程）；其他名称答复
    404 `not_found`，说明可用的消息名称（不论办件是否存在、调用者能否看到）。
    """
    # Known names have their own routes; this one answers for the rest, before the case is
    # looked at (the names are public, and the answer says nothing about the case).
    messages.validate_payload(name, payload)
    return _deliver(case_id, name, payload)
