"""The app's Flask config: the OpenAPI set-up, then the settings (``webapi.settings``).

``create_app(config)`` takes the ``DAIBAN_*`` variables, overridden by ``config``: keys
named like the variables without their prefix (``DATABASE_URL``, ``TOKEN_HOURS`` …) are
checked like them; any other key goes to the Flask config as it is. Tests and embedders
may pass ``ENGINE`` (an ``engine.Engine`` the app uses and does not own) and ``IDENTITY``
(an object with ``login``, ``authenticate`` and ``revoke``). The checked settings are
in the config both as ``SETTINGS`` (a ``webapi.settings.Settings``) and key by key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapi.json_body import MAX_DEPTH, MAX_NUMBER_CHARS
from webapi.settings import ConfigError, Settings

__all__ = ["DOCS_ASSETS_URL", "ConfigError", "load_settings"]

DOCS_ASSETS_URL = "/api/docs/assets/"


# flask-smorest: OpenAPI 3.0 (what the bundled Swagger UI 4 renders) at
# /api/v1/openapi.json, Swagger UI at /api/docs with its assets served by this app.
_API_DEFAULTS: dict[str, Any] = {
    # ASCII: generated clients derive their package name from it (Chinese in the description).
    "API_TITLE": "daiban API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": DOCS_ASSETS_URL,
    # validatorUrl: None keeps Swagger UI from sending the spec to validator.swagger.io.
    "OPENAPI_SWAGGER_UI_CONFIG": {
        "validatorUrl": None,
        "persistAuthorization": True,
        "deepLinking": True,
    },
    "API_SPEC_OPTIONS": {
        # Paths are absolute (/api/v1/...): the server is the host the document came from.
        "servers": [{"url": "/", "description": "本服务"}],
        "info": {
            "license": {
                "name": "Apache-2.0",
                "url": "https://www.apache.org/licenses/LICENSE-2.0",
            },
            "description": (
                "daiban 代办：乡镇下放事项与代办服务流程引擎的柜台接口。错误一律为 application/problem+json"
                "（RFC 9457），含稳定的 code 与中文 detail；校验错误在 errors 中逐项列出字段。"
                "文本中不能含 NUL 字符（U+0000）或孤立的 UTF-16 代理项（如 \\ud800）："
                "查询参数或请求体中有则 422，路径中有则 404。"
                "每个接口只接受本文档为它列出的查询参数：多出的参数（哪怕接口没有查询参数，"
                "如 POST /api/v1/tasks/{task_id}/complete?dry_run=true）一律 422 validation_failed，"
                "errors 中 in 为 query，请求不会执行。"
                f"JSON 请求体：对象与数组最多嵌套 {MAX_DEPTH} 层（否则 400 json_too_deep），"
                f"数字最多 {MAX_NUMBER_CHARS} 个字符且须为有限值（否则 400 json_number_too_large），"
                "NaN、Infinity 不是 JSON（400 invalid_json）。"
                "除登录外，所有接口都要求 Authorization: Bearer <令牌>。"
                "读取办件或任务时响应头 ETag 为办件版本号；办理、认领、指派时以 If-Match 带回，"
                "办件已变化则 412 precondition_failed，什么也不改（409 只表示任务或办件的状态冲突）。"
            ),
        },
    },
}


def load_settings(
    environ: Mapping[str, str], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The app's config: the OpenAPI set-up, the settings from ``DAIBAN_*`` variables
    overridden by ``overrides``, then every other key of ``overrides``."""
    settings = Settings.from_environ(environ, overrides)
    config: dict[str, Any] = dict(_API_DEFAULTS)
    config.update(overrides or {})
    config.update(settings.as_config())
    config["SETTINGS"] = settings
    return config
