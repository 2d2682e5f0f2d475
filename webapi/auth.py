"""Bearer-token authentication for views.

``@require_auth`` (put it right under ``@blp.route``, above ``@blp.arguments``, so a
caller without a valid token gets 401 before its input is looked at) reads
``Authorization: Bearer <token>``, asks the identity service who it is and keeps the
``Principal`` in ``flask.g``; it also documents the bearer scheme and the 401 response in
the OpenAPI document.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from flask import g, request

from engine import Principal, policy
from engine.identity import IdentityService
from engine.policy import Action
from webapi.problems import BEARER_CHALLENGE, ApiProblem, refused
from webapi.services import Services, services
from webapi.smorest import Blueprint, View

BEARER_SCHEME = "bearerAuth"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "POST /api/v1/auth/login 取得的访问令牌",
}


def bearer_token() -> str:
    """The token of the request's ``Authorization: Bearer`` header, or 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(
            401,
            "unauthenticated",
            "缺少访问令牌：请先登录，并在请求头中携带 Authorization: Bearer <令牌>",
            headers=BEARER_CHALLENGE,
        )
    return token


def require_auth(view: View) -> View:
    """Decorate a view: 401 unless the request carries a valid bearer token."""

    @functools.wraps(view)
    def authenticated(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        found = services()
        # The token and what the view reads before it writes: one read transaction.
        with found.engine.reading():
            g.principal = _holder(found, token)
            g.token = token
            return view(*args, **kwargs)

    documented = Blueprint.doc(security=[{BEARER_SCHEME: []}], responses={401: "UNAUTHORIZED"})
    return documented(cast(View, authenticated))


def _holder(found: Services, token: str) -> Principal:
    """Who holds ``token``; with the engine's identity service, the organisation of the
    request (``current_org``) is read in the same transaction."""
    if isinstance(found.identity, IdentityService):
        principal, g.current_org = found.engine.caller(token, found.identity)
        return principal
    return found.identity.authenticate(token)  # an identity service passed in (tests)


def current_principal() -> Principal:
    """Who is calling (inside a view decorated with ``require_auth``)."""
    principal: Principal = g.principal
    return principal


def current_token() -> str:
    """The bearer token of the request (inside a view decorated with ``require_auth``)."""
    token: str = g.token
    return token


def require_right(action: Action) -> None:
    """Refuse the request (403, or 404 where the policy hides what exists) unless the
    caller holds ``action``'s right."""
    refusal = policy.refusal(current_principal(), action)
    if refusal is not None:
        raise refused(refusal)
