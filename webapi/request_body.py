"""Checks on request bodies before any view runs: size (413) and media type (415).

Bodies are JSON, except for views marked with ``accepts_uploads``. Also: a path parameter
with a NUL character names nothing (404), as no id, code or name has one.

Every way a JSON body is read goes through ``webapi.json_body.read_json`` (depth, number
and text limits): webargs's ``json`` location (``webapi.arguments.Parser``) and Flask's
``request.get_json()`` / ``request.json`` (the app's request class, below), so a view
added later cannot read a body past the limits by accident. Query parameters are checked
against what each operation declares (``webapi.arguments.check_query``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge, UnsupportedMediaType

from webapi import arguments
from webapi.json_body import read_json
from webapi.problems import ApiProblem
from webapi.smorest import View

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
UPLOADS_ATTRIBUTE = "daiban_accepts"
LIMIT_ATTRIBUTE = "daiban_body_limit"
# Room for a multipart body's boundaries, part headers and small fields around its file.
MULTIPART_ALLOWANCE = 64 * 1024


def is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def check_body() -> None:
    """Refuse too-large bodies before reading them, and bodies that are not JSON."""
    if request.routing_exception is not None:
        return  # no such route or method: the router's 404 or 405 comes first
    length = request.content_length
    view = current_app.view_functions.get(request.endpoint or "")
    limit_key = getattr(view, LIMIT_ATTRIBUTE, None)
    if limit_key is not None:
        # werkzeug stops reading a (chunked) body past the limit: 413 as well
        request.max_content_length = current_app.config[limit_key] + MULTIPART_ALLOWANCE
    limit = request.max_content_length
    if length is not None and limit is not None and length > limit:
        raise RequestEntityTooLarge()
    has_body = bool(length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.method in _WITH_BODY and has_body and not is_json(request.mimetype):
        accepted = getattr(view, UPLOADS_ATTRIBUTE, ())
        if request.mimetype in accepted:
            return
        if accepted:
            raise ApiProblem(
                415,
                "unsupported_media_type",
                "请求体应为 multipart/form-data（上传文件）",
            )
        raise UnsupportedMediaType()


def check_path() -> None:
    """404 for a path parameter with U+0000 (PostgreSQL could not even look it up)."""
    if any(isinstance(v, str) and "\x00" in v for v in (request.view_args or {}).values()):
        raise NotFound()


def accepts_uploads(view: View) -> View:
    """Mark a view as taking ``multipart/form-data`` (file uploads) besides JSON."""
    setattr(view, UPLOADS_ATTRIBUTE, frozenset({"multipart/form-data"}))
    return view


def upload_limit(config_key: str) -> Callable[[View], View]:
    """Give a view taking uploads its own body limit: the config value ``config_key``
    (bytes of the file) instead of ``MAX_CONTENT_LENGTH``."""

    def mark(view: View) -> View:
        setattr(view, LIMIT_ATTRIBUTE, config_key)
        return view

    return mark


class _StrictJson:
    """What ``Request.get_json`` calls ``loads`` on: the limits of ``read_json``."""

    @staticmethod
    def loads(data: str | bytes, **kwargs: Any) -> Any:
        return read_json(data)


class StrictRequest(Request):
    """Flask's request, whose ``get_json()`` reads bodies with ``read_json``, and which
    closes every file an upload was spooled to, also one cut off by the size limit
    (werkzeug's ``close`` reaches only the files of a form it finished parsing)."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        stream = super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )
        self.__dict__.setdefault("_daiban_spooled", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.get("_daiban_spooled", ()):
            stream.close()

    @property
    def json_module(self) -> Any:
        return _StrictJson

    @json_module.setter
    def json_module(self, value: Any) -> None:
        """Flask sets the app's JSON provider on every request: ``read_json`` stays."""


def init_app(app: Flask) -> None:
    app.request_class = StrictRequest
    app.before_request(check_body)
    app.before_request(check_path)
    arguments.init_app(app)
