"""daiban's settings: every ``DAIBAN_*`` variable, read in one place, checked and typed.

The two entry points, the app factory (``webapi.create_app``) and the command line, read
the environment here and build the engine from the values (``build_engine``): ``engine``
and ``processes`` never read the environment themselves. Each field ``name`` is the
variable ``DAIBAN_`` + ``name`` in upper case; README's configuration table says what each means.
An empty variable counts as unset. A bad value is a ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from engine import (
    DEFAULT_DATABASE_URL,
    DEFAULT_PUBLIC_URL,
    Clock,
    DatabasePool,
    DirectoryStore,
    Engine,
    EngineBounds,
    FileStore,
    logs,
)
from engine.identity import DEFAULT_TOKEN_HOURS
from engine.notices.service import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_SECONDS,
)
from engine.records import NOTICE_KINDS
from engine.runtime.bounds import DEFAULT_LOOP_MAXIMUM, DEFAULT_MAX_STEPS
from engine.steps import DEFAULT_WARNING_SHARE
from processes import resources
from processes.catalogue import Catalogue

log = logs.get_logger(__name__)

ENV_PREFIX = "DAIBAN_"
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_TRUSTED_PROXIES = 10
# Read by earlier versions and never used; setting it now only earns a warning.
RETIRED = ("SECRET_KEY",)


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """A setting has a value daiban cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting, with its default (see README, "Configuration")."""

    database_url: str = DEFAULT_DATABASE_URL
    bpmn_dir: Path = resources.BPMN_DIR
    catalogue_dir: Path = resources.CATALOGUE_DIR
    org_file: Path | None = None  # None: the demo organisation
    holiday_file: Path = resources.HOLIDAY_FILE
    public_url: str = DEFAULT_PUBLIC_URL  # where residents reach the public pages
    files_dir: Path | None = None  # None: the engine's default (engine.Engine, ``files``)
    documents_dir: Path | None = None  # a county's own document templates (None: shipped)
    files_url: str | None = None  # s3://bucket/prefix: an S3-compatible store instead
    s3_endpoint_url: str | None = None  # None: AWS itself (or the AWS_* variables' choice)
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES
    warning_share: float = DEFAULT_WARNING_SHARE
    engine_max_steps: int = DEFAULT_MAX_STEPS
    loop_maximum: int = DEFAULT_LOOP_MAXIMUM
    token_hours: float = DEFAULT_TOKEN_HOURS
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    trusted_proxy_header: str | None = None  # None: the TCP peer is the client
    trusted_proxy_count: int = 1
    log_level: str | None = None  # None: INFO for the server and jobs, WARNING otherwise
    log_format: str = "text"
    # The proxy's request id header, read only with trusted proxies (webapi.request_log).
    request_id_header: str = "X-Request-Id"
    access_log: bool = True  # one ``webapi.access`` line per request
    # Who may read /metrics besides loopback (webapi.metrics): addresses and networks.
    metrics_allow: tuple[IpNetwork, ...] = ()
    # 短信通知 (``engine.notices``; the worker sends): no URL, the log channel.
    sms_url: str | None = None
    sms_sign_name: str = "政务服务"
    sms_templates: Mapping[str, str] | None = None  # kind -> the gateway's template id
    sms_key: str | None = None
    sms_unsigned: bool = False  # an SMS gateway without DAIBAN_SMS_KEY, allowed on purpose
    sms_timeout: float = 10.0
    sms_max_attempts: int = DEFAULT_MAX_ATTEMPTS
    sms_retry_seconds: float = DEFAULT_RETRY_SECONDS
    sms_lease_seconds: float = DEFAULT_LEASE_SECONDS
    # each process's connections to PostgreSQL (engine.DatabasePool)
    db_pool_size: int = DatabasePool.size
    db_max_overflow: int = DatabasePool.overflow
    db_pool_timeout: float = DatabasePool.timeout

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """The ``DAIBAN_*`` variables of ``environ``, then ``overrides`` (keyed by the
        variable's name without the prefix, e.g. ``DATABASE_URL``; None leaves a value
        as it is); every value checked. Other keys of ``overrides`` are ignored."""
        raw: dict[str, Any] = {}
        for key in PARSERS:
            value = environ.get(ENV_PREFIX + key)
            if value:
                raw[key] = value
        for key, value in (overrides or {}).items():
            if key in PARSERS and value is not None:
                raw[key] = value
        values = {key.lower(): PARSERS[key](key, value) for key, value in raw.items()}
        if "TRUSTED_PROXY_COUNT" in raw and "TRUSTED_PROXY_HEADER" not in raw:
            raise ConfigError(
                f"{ENV_PREFIX}TRUSTED_PROXY_COUNT 需与 {ENV_PREFIX}TRUSTED_PROXY_HEADER 一起设置"
            )
        if "FILES_URL" in raw and "FILES_DIR" in raw:
            raise ConfigError(f"{ENV_PREFIX}FILES_DIR 与 {ENV_PREFIX}FILES_URL 只能设置一个")
        for key in RETIRED:
            if environ.get(ENV_PREFIX + key):
                log.warning("setting_ignored", variable=ENV_PREFIX + key, reason="unused")
        return cls(**values)

    @property
    def bounds(self) -> EngineBounds:
        """The engine bounds; the app and every command apply the same ones, so a worker,
        ``verify`` and the API treat the same cases alike."""
        return EngineBounds(max_steps=self.engine_max_steps, loop_maximum=self.loop_maximum)

    @property
    def demo_org(self) -> bool:
        """Whether the demo organisation is in use (``DAIBAN_ORG_FILE`` unset)."""
        return self.org_file is None

    def as_config(self) -> dict[str, Any]:
        """The settings as Flask config keys (``DATABASE_URL`` …); unset ones left out."""
        values = {f.name.upper(): getattr(self, f.name) for f in fields(self)}
        return {key: value for key, value in values.items() if value is not None}


def configure_logging(settings: Settings, default_level: str = "INFO") -> None:
    """Logs to standard error as the settings say (``DAIBAN_LOG_LEVEL``, else
    ``default_level``; ``DAIBAN_LOG_FORMAT``: text lines or JSON lines)."""
    logs.configure(settings.log_level or default_level, json_lines=settings.log_format == "json")


def build_engine(
    settings: Settings,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    catalogue: Catalogue | None = None,
) -> Engine:
    """The engine the settings describe (``catalogue``: already loaded from them)."""
    return Engine(
        settings.database_url,
        clock,
        migrate=migrate,
        bounds=settings.bounds,
        org_file=settings.org_file,
        catalogue=catalogue,
        catalogue_dir=settings.catalogue_dir,
        holiday_file=settings.holiday_file,
        warning_share=settings.warning_share,
        token_hours=settings.token_hours,
        public_url=settings.public_url,
        documents_dir=settings.documents_dir,
        files=_file_store(settings),
        pool=DatabasePool(
            settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout
        ),
    )


def _file_store(settings: Settings) -> FileStore | None:
    """The file store the settings name (None: the engine's default)."""
    if settings.files_url:
        from engine.files_s3 import S3Store

        return S3Store.from_url(settings.files_url, settings.s3_endpoint_url)
    return DirectoryStore(settings.files_dir) if settings.files_dir else None


# -- the checks: (name without prefix, raw value: text, or a value from an override) ------
Parser = Callable[[str, Any], Any]


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为非空文本")
    return value


def _public_url(name: str, value: Any) -> str:
    text = _text(name, value).rstrip("/")
    if not text.startswith(("http://", "https://")) or "?" in text or "#" in text:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为 http:// 或 https:// 开头的网址，不含查询和片段")
    return text


def _files_url(name: str, value: Any) -> str:
    text = _text(name, value)
    bucket = text.removeprefix("s3://").split("/", 1)[0]
    if not text.startswith("s3://") or not bucket or "?" in text or "#" in text:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为 s3://存储桶/前缀，如 s3://daiban-files/qu")
    return text


def _path(name: str, value: Any) -> Path:
    if isinstance(value, Path):
        return value
    return Path(_text(name, value))


def _folder(name: str, value: Any) -> Path:
    path = _path(name, value)
    if not path.is_dir():
        raise ConfigError(f"{ENV_PREFIX}{name} 应为已有的文件夹：{path}")
    return path


def _positive(convert: Callable[[str], float]) -> Parser:
    def check(name: str, value: Any) -> Any:
        try:
            number = convert(value) if isinstance(value, str) else value
        except ValueError:
            number = None
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not math.isfinite(number)
            or number <= 0
        ):
            raise ConfigError(f"{ENV_PREFIX}{name} 应为正数，现为 {value!r}")
        return number

    return check


def _positive_int(name: str, value: Any) -> int:
    valid = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if valid else ""
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise ConfigError(f"{ENV_PREFIX}{name} 应为正整数，现为 {value!r}")
    return int(text)


def _count(name: str, value: Any) -> int:
    valid = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if valid else ""
    if not (text.isascii() and text.isdigit()):
        raise ConfigError(f"{ENV_PREFIX}{name} 应为非负整数，现为 {value!r}")
    return int(text)


def _share(name: str, value: Any) -> float:
    try:
        share = float(value) if isinstance(value, str | int | float) else math.nan
    except ValueError:
        share = math.nan
    if isinstance(value, bool) or not 0 < share <= 1:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为 0 到 1 之间的小数（如 0.8），实为 {value!r}")
    return share


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _proxy_header(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value or not set(value) <= _TOKEN_CHARS:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为请求头名称，如 X-Forwarded-For 或 X-Real-IP")
    if value.lower() == "forwarded":  # RFC 7239 syntax (for=...) is not a list of addresses
        raise ConfigError(f"{ENV_PREFIX}{name} 不支持 Forwarded，请用 X-Forwarded-For 或 X-Real-IP")
    return value


def _proxy_count(name: str, value: Any) -> int:
    valid = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if valid else ""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_TRUSTED_PROXIES):
        raise ConfigError(
            f"{ENV_PREFIX}{name} 应为 1 到 {MAX_TRUSTED_PROXIES} 的整数，现为 {value!r}"
        )
    return int(text)


def _header_name(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value or not set(value) <= _TOKEN_CHARS:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为请求头名称，如 X-Request-Id")
    return value


_SWITCH = {"1": True, "true": True, "on": True, "yes": True}
_SWITCH |= {"0": False, "false": False, "off": False, "no": False}


def _switch(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in _SWITCH:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为 1 或 0（开或关），现为 {value!r}")
    return _SWITCH[text]


def _networks(name: str, value: Any) -> tuple[IpNetwork, ...]:
    """``10.0.0.5,10.1.0.0/16,::1``: addresses and networks (CIDR)."""
    parts = value if isinstance(value, list | tuple) else _text(name, value).split(",")
    found: list[IpNetwork] = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(
                f"{ENV_PREFIX}{name} 应为以逗号分隔的 IP 地址或网段（如 10.0.0.5,10.1.0.0/16），"
                f"{text!r} 不是"
            ) from None
    return tuple(found)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


def _choice(choices: tuple[str, ...], *, upper: bool) -> Parser:
    def check(name: str, value: Any) -> str:
        text = value.strip() if isinstance(value, str) else ""
        text = text.upper() if upper else text.lower()
        if text not in choices:
            raise ConfigError(f"{ENV_PREFIX}{name} 应为 {'、'.join(choices)} 之一，现为 {value!r}")
        return text

    return check


def _sms_templates(name: str, value: Any) -> Mapping[str, str]:
    """``accepted=SMS_001,supplement=SMS_002,…``: the gateway's template id of each kind."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [part.partition("=")[::2] for part in _text(name, value).split(",") if part.strip()]
    found: dict[str, str] = {}
    for kind, template in pairs:
        kind, template = str(kind).strip(), str(template).strip()
        if kind not in NOTICE_KINDS or not template:
            raise ConfigError(
                f"{ENV_PREFIX}{name} 应为“通知类型=模板编号”，以逗号分隔；"
                f"通知类型为 {'、'.join(NOTICE_KINDS)} 之一，现有 {kind!r}"
            )
        found[kind] = template
    return found


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in _TRUE + _FALSE:
        raise ConfigError(f"{ENV_PREFIX}{name} 应为 true 或 false，现为 {value!r}")
    return text in _TRUE


# Every variable (without its prefix) and its check; the keys are the fields, upper case.
PARSERS: dict[str, Parser] = {
    "DATABASE_URL": _text,
    "BPMN_DIR": _path,
    "CATALOGUE_DIR": _path,
    "ORG_FILE": _path,
    "HOLIDAY_FILE": _path,
    "FILES_DIR": _path,
    "DOCUMENTS_DIR": _folder,
    "FILES_URL": _files_url,
    "S3_ENDPOINT_URL": _public_url,
    "ATTACHMENT_MAX_BYTES": _positive_int,
    "PUBLIC_URL": _public_url,
    "WARNING_SHARE": _share,
    "ENGINE_MAX_STEPS": _positive_int,
    "LOOP_MAXIMUM": _positive_int,
    "TOKEN_HOURS": _positive(float),
    "MAX_CONTENT_LENGTH": _positive(int),
    "TRUSTED_PROXY_HEADER": _proxy_header,
    "TRUSTED_PROXY_COUNT": _proxy_count,
    "LOG_LEVEL": _choice(LOG_LEVELS, upper=True),
    "LOG_FORMAT": _choice(LOG_FORMATS, upper=False),
    "REQUEST_ID_HEADER": _header_name,
    "ACCESS_LOG": _switch,
    "METRICS_ALLOW": _networks,
    "SMS_URL": _public_url,
    "SMS_SIGN_NAME": _text,
    "SMS_TEMPLATES": _sms_templates,
    "SMS_KEY": _text,
    "SMS_UNSIGNED": _flag,
    "SMS_TIMEOUT": _positive(float),
    "SMS_MAX_ATTEMPTS": _positive_int,
    "SMS_RETRY_SECONDS": _positive(float),
    "SMS_LEASE_SECONDS": _positive(float),
    "DB_POOL_SIZE": _positive_int,
    "DB_MAX_OVERFLOW": _count,
    "DB_POOL_TIMEOUT": _positive(float),
}
