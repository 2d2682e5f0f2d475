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
from webapi.problems import CODES, PROBLEM_MIMETYPE, http_problem
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
# Every operation but the liveness checks uses the database: when it cannot (disk full,
# unreachable: service_unavailable) or a commit's answer was lost (outcome_unknown), 503.
_DATABASE = {503: "SERVICE_UNAVAILABLE"}
_NO_DATABASE = ("/health", "/health/live")
# Every write may meet a concurrent one the database refuses (a unique key taken, a
# serialization failure: engine.store.failures): 409 conflict, nothing changed.
_WRITE = {409: "CONFLICT"}
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


def operation_id(endpoint: str) -> str:
    """The operationId of a view: its function name in camelCase (``tasks.list_tasks``:
    ``listTasks``), what generated clients name their methods after."""
    first, *rest = endpoint.rpartition(".")[2].split("_")
    return first + "".join(word.capitalize() for word in rest)


# The case version a read answers with (``ETag: "7"``) and a command takes back as
# ``If-Match``: a command on a case that has moved on since answers 412, changing nothing.
ETAG_HEADER = {
    "ETag": {
        "description": '办件版本号（如 "7"）：办理、认领等命令以 If-Match 带回，'
        "办件已变化则 412 precondition_failed",
        "required": True,
        "schema": {"type": "string", "example": '"7"'},
    }
}


def etag(version: int) -> dict[str, str]:
    """The ``ETag`` header of a case at ``version`` (a strong tag: ``"7"``)."""
    return {"ETag": f'"{version}"'}


def problem_response(description: str, *codes: str) -> dict[str, Any]:
    """Keyword arguments of ``alt_response`` for an error response that names its codes
    (each one in ``webapi.problems.CODES``)."""
    named = "；".join(f"{code}：{CODES[code][1]}" for code in codes)
    return {
        "schema": ProblemSchema,
        "content_type": PROBLEM_MIMETYPE,
        "description": f"{description}（code {named}）",
    }


# The answer of a command whose If-Match or expected_version names an older version.
STALE_VERSION = problem_response(
    "办件已变化，什么也没改；请重新读取办件后再决定", "precondition_failed"
)


class ErrorResponsesPlugin(BasePlugin):
    """Names each operation (``operationId``) and documents on it the error statuses that
    the request checks and the argument parsing answer for every view alike (views
    document their own: 404, 409, 412 …).

    Without a catch-all ``default`` response, every status an operation answers is listed.
    """

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            if rule is not None:
                operation.setdefault("operationId", operation_id(rule.endpoint))
            # Open operations (health, login) say so: no security requirement at all.
            operation.setdefault("security", [])
            responses = operation.setdefault("responses", {})
            common: dict[int, str] = dict(_ANY_REQUEST)
            if not (path or "").endswith(_NO_DATABASE):
                common.update(_DATABASE)
            if method in _WITH_BODY:
                common.update(_ANY_BODY)
                common.update(_WRITE)
                content = operation.get("requestBody", {}).get("content", {})
                if any(is_json(media_type) for media_type in content):
                    common.update(_JSON_BODY)
            for status, name in common.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = name


class ClientNamesPlugin(BasePlugin):
    """Keeps generated clients' names ASCII. openapi-python-client names a class after an
    object's or an enum's ``title`` (``收件登记`` became ``models/收件登记.py``, and every
    choice of a ``oneOf`` a class of its own). So in the published components, an object or
    enum schema carries its Chinese name in ``x-title`` (the component's name, English,
    names the class), and a choice list ``oneOf: [{const, title} …]`` is published as
    ``enum`` with the Chinese names in ``x-enum-descriptions``, as ``channel`` is. Scalar
    fields keep their Chinese ``title``. The task forms (``TaskDetail.form``) are data,
    not components, and keep JSON Schema 2020-12 as the server validates them."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        _ascii_class_names(definition)
        return None


def _ascii_class_names(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _ascii_class_names(item)
        return
    if not isinstance(node, dict):
        return
    choices = node.get("oneOf")
    if isinstance(choices, list) and choices and all(_is_choice(c) for c in choices):
        del node["oneOf"]
        node["enum"] = [_choice_value(c) for c in choices]
        node["x-enum-descriptions"] = [c["title"] for c in choices]
    title = node.get("title")
    shaped = node.get("type") == "object" or "properties" in node or "enum" in node
    if isinstance(title, str) and not title.isascii() and shaped:
        node["x-title"] = node.pop("title")
    for value in node.values():
        _ascii_class_names(value)


def _is_choice(node: Any) -> bool:
    if not isinstance(node, dict) or "title" not in node:
        return False
    single_enum = isinstance(node.get("enum"), list) and len(node["enum"]) == 1
    return ("const" in node or single_enum) and set(node) <= {"const", "enum", "title"}


def _choice_value(node: dict[str, Any]) -> Any:
    return node["const"] if "const" in node else node["enum"][0]


class DaibanApi(Api):
    """flask-smorest's Api with problem+json errors, documented as such."""

    ERROR_SCHEMA = ProblemSchema
    # No catch-all ``default`` response: each operation lists the statuses it answers.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException) -> Response:
        return http_problem(error)

    def _register_pagination_header(self) -> None:
        # Lists answer {items, page, page_size, total} (webapi.schemas.common), never
        # flask-smorest's X-Pagination header: no unused component in the document.
        return

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
    api = DaibanApi(
        app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(), ClientNamesPlugin()]}
    )
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    return api
