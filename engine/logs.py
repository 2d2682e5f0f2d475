"""Structured logs: one logger per module, each line an event name and ``key=value`` pairs.

    log = get_logger(__name__)
    log.info("case_registered", case=case.id, item="RS001", unit="lq.shuangquan")

renders ``case_registered case=… item=RS001 unit=lq.shuangquan``; with the JSON format
(``configure(json=True)``, ``DAIBAN_LOG_FORMAT=json``) the same record is one JSON object
``{"time": …, "level": …, "logger": …, "event": …, "case": …}``. Event names and keys are
English snake_case and stable: operators grep and alert on them.

Nothing personal is logged in clear: every string value goes through
``processes.patterns.mask_text``, so a citizen ID number or a phone number that reaches a
log call anyway is masked (``110105********002X``, ``138****1234``). Log identifiers
(case ids, user ids, item codes, org units), never names, addresses or form data.

Every line written while a request (or a command) is handled carries its id: the entry
point binds it (``bind_request_id``; the engine never reads a request itself), each record
takes it when made, and the formatters add ``request_id=…`` (JSON: ``"request_id"``). The
store writes the same id into the events it appends (``engine.store.events``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from processes.patterns import mask_text

_PLAIN = re.compile(r"^[^\s\"=]+$")

# The id of the request or command being handled (None: none, e.g. the worker's loop).
_REQUEST_ID: ContextVar[str | None] = ContextVar("daiban_request_id", default=None)


def current_request_id() -> str | None:
    """The id bound to what is being handled now, or None."""
    return _REQUEST_ID.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Bind ``request_id`` until ``reset_request_id`` is given the token (for hooks that
    open and close around a request rather than a block)."""
    return _REQUEST_ID.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _REQUEST_ID.reset(token)


@contextmanager
def bind_request_id(request_id: str | None) -> Iterator[str | None]:
    """Bind ``request_id`` for the duration of the block (a command run, a job)."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield request_id
    finally:
        _REQUEST_ID.reset(token)


def _encodable(text: str) -> str:
    """``text`` with any lone UTF-16 surrogate (a login name or an address a client made
    up) written as its escape ``\\ud800``: a log line is always valid UTF-8, so no
    collector, terminal or test runner chokes on it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _safe(value: Any) -> Any:
    """``value`` as logged: None, booleans and numbers kept as they are (a number that
    reads as an ID number or a phone becomes its masked text), anything else masked text
    (lone surrogates escaped)."""
    if value is None or isinstance(value, bool):
        return value
    text = _encodable(mask_text(value if isinstance(value, str) else str(value)))
    return value if isinstance(value, int | float) and text == str(value) else text


def _rendered(value: Any) -> str:
    """``value`` as the right-hand side of ``key=value``: quoted if it needs it."""
    safe = _safe(value)
    if safe is None:
        return "-"
    if isinstance(safe, bool):
        return "true" if safe else "false"
    text = str(safe)
    return text if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


class _Line:
    """The message of a record: formatted only if a handler emits it."""

    __slots__ = ("event", "fields")

    def __init__(self, event: str, fields: Mapping[str, Any]) -> None:
        self.event, self.fields = event, fields

    def __str__(self) -> str:
        pairs = " ".join(f"{key}={_rendered(value)}" for key, value in self.fields.items())
        return f"{self.event} {pairs}" if pairs else self.event


class Logger:
    """A module's logger: ``debug/info/warning/error(event, **fields)``."""

    __slots__ = ("_logger",)

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    @property
    def name(self) -> str:
        return self._logger.name

    def debug(self, event: str, **fields: Any) -> None:
        self._emit(logging.DEBUG, event, fields, False)

    def info(self, event: str, **fields: Any) -> None:
        self._emit(logging.INFO, event, fields, False)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit(logging.WARNING, event, fields, False)

    def error(self, event: str, *, exc_info: bool = False, **fields: Any) -> None:
        self._emit(logging.ERROR, event, fields, exc_info)

    def _emit(self, level: int, event: str, fields: dict[str, Any], exc_info: bool) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(
                level,
                _Line(event, fields),
                exc_info=exc_info,
                extra={"event": event, "fields": fields, "request_id": _REQUEST_ID.get()},
                stacklevel=3,
            )


def get_logger(name: str) -> Logger:
    """The logger of module ``name`` (pass ``__name__``)."""
    return Logger(name)


def _request_id(record: logging.LogRecord) -> str | None:
    """The request id a record was made under: daiban's records carry it; a library's
    record is formatted in the thread that made it, so the id bound now is its own."""
    if hasattr(record, "fields"):
        found: str | None = getattr(record, "request_id", None)
        return found
    return _REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, event, the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            line["event"] = getattr(record, "event", "")
            line.update({key: _safe(value) for key, value in fields.items()})
        else:  # a library's record: its message, masked all the same
            line["message"] = _encodable(mask_text(record.getMessage()))
        request_id = _request_id(record)
        if request_id is not None:
            line["request_id"] = _safe(request_id)
        if record.exc_info:
            line["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """``2026-12-03T10:00:00.123Z info engine.cases case_registered case=…``."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        text = f"{when[:-3]}Z {record.levelname.lower()} {record.name} "
        message = record.getMessage()
        # daiban's own records are masked field by field already (``_Line``)
        text += message if isinstance(record.msg, _Line) else _encodable(mask_text(message))
        request_id = _request_id(record)
        if request_id is not None:
            text += f" request_id={_rendered(request_id)}"
        if record.exc_info:
            text += "\n" + mask_text(self.formatException(record.exc_info))
        return text


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is when a record comes, not as it was when the
    handler was made (as ``logging.lastResort`` does): a process that replaces its
    standard error (a test runner capturing output, a daemon redirecting it) never gets
    a line written to a stream closed since."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(level: str | int = "INFO", *, json_lines: bool = False) -> None:
    """Send the logs to standard error, one line per record (the server and the CLI call
    this once at start)."""
    handler = _StandardError()
    handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "daiban", False)]:
        root.removeHandler(old)
    handler.daiban = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    # SpiffWorkflow logs every task state change at INFO ("State changed to READY"): a
    # dozen lines per step that say nothing an operator needs. Kept for DEBUG only.
    spiff = logging.getLogger("spiff")
    spiff.setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
