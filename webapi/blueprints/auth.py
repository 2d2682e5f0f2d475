"""Login, logout and who am I."""

from __future__ import annotations

from typing import Any

from flask import Response

from webapi.auth import current_principal, current_token, require_auth
from webapi.client_address import client_address
from webapi.schemas.auth import LoginSchema, TokenSchema, UserSchema
from webapi.schemas.people import PasswordChangedSchema, PasswordChangeSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与令牌")

# Tokens must not end up in shared caches (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store"}


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(credentials: dict[str, str]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """登录：以用户名和密码换取访问令牌

    令牌只在此返回一次；之后每个请求都带上 `Authorization: Bearer <令牌>`。
    同一地址对同一账号连续 5 次密码错误，该地址登录此账号锁定 15 分钟；同一地址
    15 分钟内失败 20 次（不论账号），该地址锁定 15 分钟；一个账号 1 小时内累计失败
    50 次（不计它 30 天内成功登录过的地址），则除这些地址外该账号锁定 30 分钟。
    锁定时一律 429 `login_locked`，`Retry-After` 给出秒数，不再校验密码。管理员重置
    密码即解除该账号的锁定。不存在的用户名与存在的用户名应答相同。
    """
    identity = services().identity
    issued = identity.login(credentials["user"], credentials["password"], client_address())
    principal = identity.authenticate(issued.token)
    return (
        {"token": issued.token, "expires_at": issued.expires_at, "user": principal},
        200,
        NO_STORE,
    )


@blp.route("/logout", methods=["POST"])
@require_auth
@blp.response(204)
def logout() -> Response:
    """注销：本次请求所带的令牌随即失效"""
    services().identity.revoke(current_token())
    return Response(status=204)


@blp.route("/me", methods=["GET"])
@require_auth
@blp.response(200, UserSchema)
def me() -> Any:
    """当前用户：姓名、角色、所属单位"""
    return current_principal()


@blp.route("/password", methods=["POST"])
@require_auth
@blp.arguments(PasswordChangeSchema)
@blp.response(200, PasswordChangedSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def change_password(body: dict[str, str]) -> dict[str, Any]:
    """修改本人密码：须提供原密码；成功后本人的其他令牌全部注销，本次请求的令牌仍有效

    新密码至少 8 个字符，不能与用户名、原密码相同，不能用演示密码 daiban-demo；原密码
    不正确为 422（字段 `old_password`），每处错误一次列出。原密码按登录同样计入密码错误
    次数：错误过多时 429 `login_locked`（见 `Retry-After`）。
    """
    principal = current_principal()
    revoked = services().identity.change_password(
        principal.user_id,
        body["old_password"],
        body["new_password"],
        client=client_address(),
        keep_token=current_token(),
    )
    return {"revoked_tokens": revoked}
