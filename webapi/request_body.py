"""Checks on request bodies before any view runs: size (413) and media type (415)."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def check_body() -> None:
    """Refuse too-large bodies before reading them, and bodies that are not JSON."""
    length = request.content_length
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if length is not None and limit is not None and length > limit:
        raise RequestEntityTooLarge()
    has_body = bool(length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.method in _WITH_BODY and has_body and not is_json(request.mimetype):
        raise UnsupportedMediaType()


def init_app(app: Flask) -> None:
    app.before_request(check_body)
