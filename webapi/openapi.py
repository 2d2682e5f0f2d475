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

from flask import Blueprint, Flask, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]
from werkzeug.exceptions import HTTPException

from webapi.auth import BEARER_SCHEME, SECURITY_SCHEME
from webapi.config import DOCS_ASSETS_URL
from webapi.problems import PROBLEM_MIMETYPE, http_problem
from webapi.schemas.problem import ProblemSchema
from webapi.smorest import Api

SWAGGER_UI_DIR = Path(os.fspath(swagger_ui_path))


class DaibanApi(Api):
    """flask-smorest's Api with problem+json errors, documented as such."""

    ERROR_SCHEMA = ProblemSchema

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
        self.spec.components.response(
            "DEFAULT_ERROR",
            {
                "description": "错误（problem+json）",
                "content": {PROBLEM_MIMETYPE: {"schema": self.ERROR_SCHEMA}},
            },
            lazy=True,
        )


def _asset(filename: str) -> Response:
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=24 * 3600)


def init_app(app: Flask) -> DaibanApi:
    """The app's Api, its security scheme, and the Swagger UI assets route."""
    assets = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS_URL.rstrip("/"))
    assets.add_url_rule("/<path:filename>", "asset", _asset)
    app.register_blueprint(assets)
    api = DaibanApi(app)
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    return api
