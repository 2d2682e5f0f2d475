"""Request ids and the access log.

Every request gets an id, answered in ``X-Request-Id`` on every response (problems, 404s,
pages and their static files too), bound to every log line written while it is handled
(``engine.logs``) and written into the events it appends (``events.request_id``).

The id is the trusted proxy's (``REQUEST_ID_HEADER``, default ``X-Request-Id``) only when
the deployment says the app sits behind proxies it trusts (``TRUSTED_PROXY_HEADER``, as
for the client address) and the value is a sane token — 1 to 64 of ``A-Z a-z 0-9 . _ -``;
otherwise a new one (32 hex digits). Without trusted proxies any client could choose the
id of its request, and so the id of the events it writes: an id must say where a line
came from, not what a caller wanted it to say.

The access log (logger ``webapi.access``, event ``request``; off with
``DAIBAN_ACCESS_LOG=0``) has one line per request: method, path, route template, status,
duration in milliseconds, response bytes (None when streamed), client address and the
authenticated user.
"""

from __future__ import annotations

import re
import time
import uuid
from contextvars import Token

from flask import Flask, Response, current_app, g, request

from engine import logs
from webapi import metrics
from webapi.client_address import client_address

RESPONSE_HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "-"  # the route of a request no rule matched (404, 405 on no route)
# A route whose path carries a secret (the one-time rating link): logged as its template.
_SECRET_ARGUMENTS = frozenset({"token"})

access_log = logs.get_logger("webapi.access")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_of_request() -> str:
    """The proxy's id when trusted and sane, else a new one."""
    if current_app.config.get("TRUSTED_PROXY_HEADER"):
        given = request.headers.get(current_app.config["REQUEST_ID_HEADER"], "").strip()
        if _SANE.fullmatch(given):
            return given
    return new_request_id()


def route() -> str:
    """The route template of the request (``/api/v1/cases/<int:case_id>``), or ``-``."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_of_request()
    g.request_id_token = logs.set_request_id(g.request_id)


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a hook registered before ours failed: an id all the same
        g.request_id, g.request_started = new_request_id(), time.perf_counter()
    response.headers[RESPONSE_HEADER] = g.request_id
    seconds = time.perf_counter() - g.request_started
    template = route()
    metrics.observe_request(request.method, template, response.status_code, seconds)
    if current_app.config.get("ACCESS_LOG", True):
        arguments = set(request.view_args or ())
        principal = getattr(g, "principal", None)
        access_log.info(
            "request",
            method=request.method,
            path=template if arguments & _SECRET_ARGUMENTS else request.path,
            route=template,
            status=response.status_code,
            duration_ms=round(seconds * 1000, 1),
            bytes=response.calculate_content_length(),
            client=client_address(),
            user=getattr(principal, "user_id", None),
        )
    return response


def _unbind(_error: BaseException | None) -> None:
    token: Token[str | None] | None = g.pop("request_id_token", None)
    if token is not None:
        logs.reset_request_id(token)


def init_app(app: Flask) -> None:
    """Register first: the id is bound before any other hook runs, and the timing starts."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_unbind)
