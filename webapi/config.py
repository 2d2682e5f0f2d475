"""The app's settings: ``DAIBAN_*`` environment variables, overridden by a dict.

| variable | key | meaning |
| --- | --- | --- |
| ``DAIBAN_DATABASE_URL`` | ``DATABASE_URL`` | SQLAlchemy URL (default: the engine's default) |
| ``DAIBAN_SECRET_KEY`` | ``SECRET_KEY`` | Flask secret key (random per process if unset) |
| ``DAIBAN_TOKEN_HOURS`` | ``TOKEN_HOURS`` | lifetime of a login token (default: the engine's) |
| ``DAIBAN_MAX_CONTENT_LENGTH`` | ``MAX_CONTENT_LENGTH`` | largest request body in bytes (1 MiB) |
| ``DAIBAN_CATALOGUE_DIR`` | ``CATALOGUE_DIR`` | item catalogue folder (read by ``processes``) |
| ``DAIBAN_ENGINE_MAX_STEPS`` | ``ENGINE_MAX_STEPS`` | engine steps one state change may take (500) |
| ``DAIBAN_LOOP_MAXIMUM`` | ``LOOP_MAXIMUM`` | largest ``loopMaximum`` / literal multi-instance count deploy accepts (100) |
| ``DAIBAN_TRUSTED_PROXY_HEADER`` | ``TRUSTED_PROXY_HEADER`` | header with the client address, set by trusted proxies (unset: the TCP peer; see ``webapi.client_address``) |
| ``DAIBAN_TRUSTED_PROXY_COUNT`` | ``TRUSTED_PROXY_COUNT`` | how many trusted proxies append to that header (1) |

Tests and embedders may also pass ``ENGINE`` (an ``engine.Engine`` the app uses and does
not own) and ``IDENTITY`` (an object with ``login``, ``authenticate`` and ``revoke``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from engine import EngineBounds
from webapi.json_body import MAX_DEPTH, MAX_NUMBER_CHARS

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


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
MAX_TRUSTED_PROXIES = 10


def _proxy_header(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value or not set(value) <= _TOKEN_CHARS:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为请求头名称，如 X-Forwarded-For 或 X-Real-IP")
    if value.lower() == "forwarded":  # RFC 7239 syntax (for=...) is not a list of addresses
        raise ConfigError(f"{ENV_PREFIX}{name} 不支持 Forwarded，请用 X-Forwarded-For 或 X-Real-IP")
    return value


def _proxy_count(name: str, value: Any) -> Any:
    valid = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if valid else ""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_TRUSTED_PROXIES):
        raise ConfigError(
            f"{ENV_PREFIX}{name} 应为 1 到 {MAX_TRUSTED_PROXIES} 的整数，现为 {value!r}"
        )
    return int(text)


def _positive_int(name: str, value: Any) -> Any:
    valid = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if valid else ""
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise ConfigError(f"{ENV_PREFIX}{name} 应为正整数，现为 {value!r}")
    return int(text)


# The engine bounds among the settings: setting name -> EngineBounds field.
_BOUNDS = {"ENGINE_MAX_STEPS": "max_steps", "LOOP_MAXIMUM": "loop_maximum"}


# The settings read from the environment, each with its check.
_SETTINGS: dict[str, Callable[[str, Any], Any]] = {
    "DATABASE_URL": _text,
    "SECRET_KEY": _text,
    "TOKEN_HOURS": _positive(float),
    "MAX_CONTENT_LENGTH": _positive(int),
    "CATALOGUE_DIR": _text,
    "ENGINE_MAX_STEPS": _positive_int,
    "LOOP_MAXIMUM": _positive_int,
    "TRUSTED_PROXY_HEADER": _proxy_header,
    "TRUSTED_PROXY_COUNT": _proxy_count,
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
                "文本中不能含 NUL 字符（U+0000）或孤立的 UTF-16 代理项（如 \\ud800）："
                "查询参数或请求体中有则 422，路径中有则 404。"
                "每个接口只接受本文档为它列出的查询参数：多出的参数（哪怕接口没有查询参数，"
                "如 POST /api/v1/tasks/{task_id}/complete?dry_run=true）一律 422 validation_failed，"
                "errors 中 in 为 query，请求不会执行。"
                f"JSON 请求体：对象与数组最多嵌套 {MAX_DEPTH} 层（否则 400 json_too_deep），"
                f"数字最多 {MAX_NUMBER_CHARS} 个字符且须为有限值（否则 400 json_number_too_large），"
                "NaN、Infinity 不是 JSON（400 invalid_json）。"
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
    if settings.get("TRUSTED_PROXY_COUNT") is not None and not settings.get("TRUSTED_PROXY_HEADER"):
        raise ConfigError(
            f"{ENV_PREFIX}TRUSTED_PROXY_COUNT 需与 {ENV_PREFIX}TRUSTED_PROXY_HEADER 一起设置"
        )
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = secrets.token_urlsafe(32)
        log.warning("%sSECRET_KEY is not set: using a random key for this process only", ENV_PREFIX)
    return settings


def engine_bounds(settings: Mapping[str, Any]) -> EngineBounds:
    """The engine's bounds from checked settings; unset ones keep the engine's defaults.

    The app and every command build their engine with these, so a worker, ``verify``
    and the API apply the same bounds to the same cases."""
    values = {field: settings[key] for key, field in _BOUNDS.items() if settings.get(key)}
    return EngineBounds(**values)


def environment_bounds(environ: Mapping[str, str]) -> EngineBounds:
    """The engine's bounds from ``DAIBAN_*`` variables alone (the command line's engines)."""
    settings = {
        key: _SETTINGS[key](key, environ[ENV_PREFIX + key])
        for key in _BOUNDS
        if environ.get(ENV_PREFIX + key)
    }
    return engine_bounds(settings)
