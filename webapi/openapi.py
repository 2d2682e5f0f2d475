"""The OpenAPI document (flask-smorest + apispec) and its Swagger UI page.

``/api/v1/openapi.json`` is generated from the blueprints' marshmallow schemas;
``/api/docs`` is flask-smorest's Swagger UI page, loading its scripts and styles from
``/api/docs/assets/`` — the files of the ``swagger-ui-bundle`` package, served by this
app, so the page works without internet access (no CDN).
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


# Statuses any operation may answer before its view runs, by what it takes: a body
# (request_body: too large, not JSON), a JSON body (malformed JSON, invalid fields),
# query parameters (invalid values).
_WITH_BODY = ("post", "put", "patch")
_ANY_BODY = {413: "REQUEST_ENTITY_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE"}
_JSON_BODY = {400: "BAD_REQUEST", 422: "UNPROCESSABLE_ENTITY"}
_QUERY = {422: "UNPROCESSABLE_ENTITY"}


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
            common: dict[int, str] = {}
            if method in _WITH_BODY:
                common.update(_ANY_BODY)
                content = operation.get("requestBody", {}).get("content", {})
                if any(is_json(media_type) for media_type in content):
                    common.update(_JSON_BODY)
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                common.update(_QUERY)
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
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=24 * 3600)


def init_app(app: Flask) -> DaibanApi:
    """The app's Api, its security scheme, and the Swagger UI assets route."""
    assets = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS_URL.rstrip("/"))
    assets.add_url_rule("/<path:filename>", "asset", _asset)
    app.register_blueprint(assets)
    api = DaibanApi(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    return api
