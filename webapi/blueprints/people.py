"""People and posts (人员与岗位) and their accounts: the list, a password reset, revoking
a user's tokens."""

from __future__ import annotations

from typing import Any

from engine import policy
from engine.labels import ROLES, unit_name
from engine.people import PeopleQuery, Person
from engine.policy import Action
from processes.org import OFFICES, Organization, User
from webapi.auth import current_principal, require_auth, require_right
from webapi.problems import ApiProblem
from webapi.schemas.common import a_page, page_offset
from webapi.schemas.people import (
    TemporaryPasswordSchema,
    TokensRevokedSchema,
    UserPageSchema,
    UserQuerySchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/api/v1/users",
    description="人员与岗位、账号（重置密码、注销令牌）",
)


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserPageSchema)
@blp.alt_response(403, response="FORBIDDEN")
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """人员列表：系统管理员看全县，乡镇分管领导看本乡镇（含其村、社区）的人员；按单位、角色、
    用户名或姓名筛选，分页

    每人列出角色、单位、科室、AB 岗搭档或替岗人，今天是否离岗、由谁代办（指派任务时据此
    选人）；账号状态（是否设密码、锁定至何时、有效令牌数）仅系统管理员可见，其他为 null。
    """
    require_right(Action.SEE_PEOPLE)
    principal = current_principal()
    query = PeopleQuery(unit=args.get("unit"), role=args.get("role"), text=args.get("q"))
    people, total = services().engine.people.find(
        policy.people_scope(principal),
        query,
        *page_offset(args),
        with_accounts=policy.may(principal, Action.MANAGE_ACCOUNTS),
    )
    org = services().engine.org
    return a_page([_person(org, p) for p in people], args, total)


@blp.route("/<user_id>/password", methods=["POST"])
@require_auth
@blp.response(200, TemporaryPasswordSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def reset_password(user_id: str) -> dict[str, Any]:
    """重置密码：生成临时密码（只显示这一次），注销该用户的全部令牌并解除其登录锁定
    （仅系统管理员）"""
    require_right(Action.MANAGE_ACCOUNTS)
    user = _user(user_id)
    reset = services().identity.reset_password(user.id)
    return {
        "user": user.id,
        "user_name": user.name,
        "temporary_password": reset.password,
        "revoked_tokens": reset.revoked_tokens,
    }


@blp.route("/<user_id>/revoke", methods=["POST"])
@require_auth
@blp.response(200, TokensRevokedSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def revoke_tokens(user_id: str) -> dict[str, Any]:
    """注销令牌：该用户的全部令牌随即失效，已登录的会话都须重新登录（仅系统管理员）"""
    require_right(Action.MANAGE_ACCOUNTS)
    user = _user(user_id)
    return {
        "user": user.id,
        "user_name": user.name,
        "revoked_tokens": services().identity.revoke_all(user.id),
    }


def _user(user_id: str) -> User:
    user = services().engine.org.users.get(user_id)
    if user is None:
        raise ApiProblem(404, "not_found", f"没有用户 {user_id}")
    return user


def ref(org: Organization, user_id: str | None) -> dict[str, str] | None:
    """``{id, name}`` of a user (None: no user)."""
    if user_id is None:
        return None
    user = org.users.get(user_id)
    return {"id": user_id, "name": user.name if user is not None else user_id}


def _person(org: Organization, person: Person) -> dict[str, Any]:
    user, account = person.user, person.account
    return {
        "id": user.id,
        "name": user.name,
        "roles": list(user.roles),
        "role_names": [ROLES.get(role, role) for role in user.roles],
        "unit": user.unit,
        "unit_name": unit_name(org, user.unit),
        "office": user.office,
        "office_name": OFFICES.get(user.office) if user.office is not None else None,
        "ab_partner": ref(org, user.ab_partner),
        "stand_in": ref(org, user.stand_in),
        "absent_today": person.absent_today,
        "deputy_today": ref(org, person.deputy_today.id if person.deputy_today else None),
        "has_password": account.has_password if account is not None else None,
        "locked_until": account.locked_until if account is not None else None,
        "active_tokens": account.active_tokens if account is not None else None,
    }
