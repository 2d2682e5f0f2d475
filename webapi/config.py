"""The app's settings: ``DAIBAN_*`` environment variables, overridden by a dict.

| variable | key | meaning |
| --- | --- | --- |
| ``DAIBAN_DATABASE_URL`` | ``DATABASE_URL`` | SQLAlchemy URL (default: the engine's default) |
| ``DAIBAN_SECRET_KEY`` | ``SECRET_KEY`` | Flask secret key (random per process if unset) |
| ``DAIBAN_TOKEN_HOURS`` | ``TOKEN_HOURS`` | lifetime of a login token (default: the engine's) |
| ``DAIBAN_MAX_CONTENT_LENGTH`` | ``MAX_CONTENT_LENGTH`` | largest request body in bytes (1 MiB) |
| ``DAIBAN_CATALOGUE_DIR`` | ``CATALOGUE_DIR`` | item catalogue folder (read by ``processes``) |

Tests and embedders may also pass ``ENGINE`` (an ``engine.Engine`` the app uses and does
not own) and ``IDENTITY`` (an object with ``login``, ``authenticate`` and ``revoke``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

ENV_PREFIX = "DAIBAN_"
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
DOCS_ASSETS_URL = "/api/docs/assets/"


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the variable."""


def _positive(convert: Callable[[str], float]) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        try:
            number = convert(value) if isinstance(value, str) else value
        except ValueError:
            number = None
        if isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
            raise ConfigError(f"{ENV_PREFIX}{name} 应为正数，现为 {value!r}")
        return number

    return check


def _text(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为非空文本")
    return value


# The settings read from the environment, each with its check.
_SETTINGS: dict[str, Callable[[str, Any], Any]] = {
    "DATABASE_URL": _text,
    "SECRET_KEY": _text,
    "TOKEN_HOURS": _positive(float),
    "MAX_CONTENT_LENGTH": _positive(int),
    "CATALOGUE_DIR": _text,
}

# flask-smorest: OpenAPI 3.0 (what the bundled Swagger UI 4 renders) at
# /api/v1/openapi.json, Swagger UI at /api/docs with its assets served by this app.
_API_DEFAULTS: dict[str, Any] = {
    "API_TITLE": "daiban 代办 API",
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
        "info": {
            "description": (
                "乡镇下放事项与代办服务流程引擎的柜台接口。错误一律为 application/problem+json"
                "（RFC 9457），含稳定的 code 与中文 detail；校验错误在 errors 中逐项列出字段。"
                "文本中不能含 NUL 字符（U+0000）：查询参数或请求体中有则 422，路径中有则 404。"
                "除登录外，所有接口都要求 Authorization: Bearer <令牌>。"
            )
        }
    },
}


def load_settings(
    environ: Mapping[str, str], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The app's config: defaults, then ``DAIBAN_*`` variables, then ``overrides``."""
    settings: dict[str, Any] = dict(_API_DEFAULTS)
    settings["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_CONTENT_LENGTH
    for name in _SETTINGS:
        value = environ.get(ENV_PREFIX + name)
        if value:
            settings[name] = value
    settings.update(overrides or {})
    for name, check in _SETTINGS.items():
        if settings.get(name) is not None:
            settings[name] = check(name, settings[name])
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = secrets.token_urlsafe(32)
        log.warning("%sSECRET_KEY is not set: using a random key for this process only", ENV_PREFIX)
    return settings
