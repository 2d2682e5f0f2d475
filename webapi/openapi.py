"""The OpenAPI document (flask-smorest + apispec) and its Swagger UI page.

``/api/v1/openapi.json`` is generated from the blueprints' marshmallow schemas;
``/api/docs`` is flask-smorest's Swagger UI page, loading its scripts and styles from
``/api/docs/assets/`` — the files of the ``swagger-ui-bundle`` package, served by this
app, so the page works without internet access (no CDN).

The page is rendered from ``webapi/templates/swagger_ui.html``, which takes the place of
flask-smorest's template of that name (Flask looks in the app's templates first): the
original starts Swagger UI with an inline script, which a strict Content-Security-Policy
(``DOCS_POLICY``, set by ``webapi.headers``) forbids. Ours passes the settings in data
attributes to a script file, ``/api/docs/assets/daiban/swagger-init.js``.
"""

from __future__ import annotations

import http
import os
from pathlib import Path
from typing import Any

from apispec import BasePlugin
from flask import Blueprint, Flask, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]
from werkzeug.exceptions import HTTPException

from webapi.auth import BEARER_SCHEME, SECURITY_SCHEME
from webapi.config import DOCS_ASSETS_URL
from webapi.problems import PROBLEM_MIMETYPE, http_problem
from webapi.request_body import is_json
from webapi.schemas.problem import ProblemSchema
from webapi.smorest import Api

SWAGGER_UI_DIR = Path(os.fspath(swagger_ui_path))
OWN_ASSETS_DIR = Path(__file__).parent / "static" / "docs"
DOCS_PAGE_ENDPOINT = "api-docs.openapi_swagger_ui"
DOCS_ASSETS_ENDPOINT = "docs_assets.asset"
# Swagger UI needs scripts, styles and images (its CSS holds data: URIs) from this server
# and requests to it ("Try it out"); no inline script, nothing from elsewhere.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


# Statuses any operation may answer before its view runs, by what it takes: a body
# (request_body: too large, not JSON), a JSON body (malformed or past the limits of
# json_body, invalid fields), and any request (arguments: an undeclared query parameter,
# or an invalid value of a declared one).
_WITH_BODY = ("post", "put", "patch")
_ANY_BODY = {413: "REQUEST_ENTITY_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE"}
_JSON_BODY = {400: "BAD_REQUEST", 422: "UNPROCESSABLE_ENTITY"}
_ANY_REQUEST = {422: "UNPROCESSABLE_ENTITY"}
# Every operation but the health check uses the database: when it cannot (disk full,
# unreachable: service_unavailable) or a commit's answer was lost (outcome_unknown), 503.
_DATABASE = {503: "SERVICE_UNAVAILABLE"}


class ErrorResponsesPlugin(BasePlugin):
    """Documents on each operation the error statuses that the request checks and the
    argument parsing answer for every view alike (views document their own: 404, 409 …).

    Without a catch-all ``default`` response, every status an operation answers is listed.
    """

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            common: dict[int, str] = dict(_ANY_REQUEST)
            if not (path or "").endswith("/health"):
                common.update(_DATABASE)
            if method in _WITH_BODY:
                common.update(_ANY_BODY)
                content = operation.get("requestBody", {}).get("content", {})
                if any(is_json(media_type) for media_type in content):
                    common.update(_JSON_BODY)
            for status, name in common.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = name


class DaibanApi(Api):
    """flask-smorest's Api with problem+json errors, documented as such."""

    ERROR_SCHEMA = ProblemSchema
    # No catch-all ``default`` response: each operation lists the statuses it answers.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException) -> Response:
        return http_problem(error)

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses as application/json; ours are
        # application/problem+json. Same lazily registered components, other media type.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)


def _asset(filename: str) -> Response:
    own = filename.removeprefix("daiban/")
    if own != filename:
        return send_from_directory(OWN_ASSETS_DIR, own, max_age=3600)
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=24 * 3600)


def init_app(app: Flask) -> DaibanApi:
    """The app's Api, its security scheme, and the Swagger UI assets route."""
    assets = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS_URL.rstrip("/"))
    assets.add_url_rule("/<path:filename>", "asset", _asset)
    app.register_blueprint(assets)
    api = DaibanApi(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    return api
