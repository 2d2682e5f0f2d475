"""Security headers on every response, and no server banner.

Every response the app makes — JSON, problems (404s and 500s included), the docs page
and the diagram page, their static files — carries:

- ``X-Content-Type-Options: nosniff``: a browser takes a JSON or problem body for what it
  is, never for a script or a page;
- ``Referrer-Policy: no-referrer``: page addresses (case ids, tokens in a fragment) do not
  leak to other sites;
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page can be framed
  (clickjacking), except the console's framed pages (``FRAMED_BY_CONSOLE``: the
  definition diagram and the case diagram), framed by pages of this origin only
  (``SAMEORIGIN``, ``'self'``);
- ``Content-Security-Policy``: ``default-src 'none'; frame-ancestors 'none'`` for
  everything that is not a page (a JSON body opened in a browser runs and loads nothing);
  the docs page and the diagram page have their own strict policies (scripts and styles
  from this server only, no inline script);
- ``Cache-Control: no-store`` on every response except the static files of the two pages
  (Swagger UI and bpmn-js code: public, cached): API answers carry personal data, a
  problem may echo it, and ``no-store`` on all of them leaves no case to get wrong.

Server banners: Werkzeug's development server (``daiban serve``) and gunicorn announce
``Server: Werkzeug/3.x Python/3.x`` and ``Server: gunicorn``. ``QuietRequestHandler``
is the Werkzeug request handler ``daiban serve`` runs with, sending no ``Server`` header;
under gunicorn, which has no setting for it, :func:`quiet_gunicorn` makes its responses
leave the header out (applied by ``create_app`` whenever gunicorn runs the app).
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler

from webapi import console, openapi, progress_page, rating_page, viewer

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# The pages, by endpoint, and their policies (the diagram page also sets its own).
PAGE_POLICIES = {
    openapi.DOCS_PAGE_ENDPOINT: openapi.DOCS_POLICY,
    "viewer.case_diagram_page": viewer.POLICY,
    "viewer.definition_diagram_page": viewer.POLICY,
    "console.console_page": console.POLICY,
    "progress.progress_page": progress_page.POLICY,
    "rating.rating_page": rating_page.POLICY,
}
# Pages the console frames: X-Frame-Options SAMEORIGIN (their CSP: frame-ancestors 'self').
FRAMED_BY_CONSOLE = frozenset({"viewer.definition_diagram_page", "viewer.case_diagram_page"})
# Static files of the pages: public code, cacheable. Everything else: no-store.
CACHEABLE_ENDPOINTS = frozenset(
    {
        openapi.DOCS_ASSETS_ENDPOINT,
        "viewer.asset",
        "static",
        "console.console_asset",
        "progress.progress_asset",
        "rating.rating_asset",
    }
)


def secure(response: Response) -> Response:
    """Add the security headers to a response (an ``after_request`` function)."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    endpoint = request.endpoint or ""
    if endpoint in FRAMED_BY_CONSOLE:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if "Content-Security-Policy" not in response.headers:
        page = response.mimetype == "text/html" and endpoint in PAGE_POLICIES
        response.headers["Content-Security-Policy"] = (
            PAGE_POLICIES[endpoint] if page else API_POLICY
        )
    if not (endpoint in CACHEABLE_ENDPOINTS and response.status_code in (200, 304)):
        response.headers["Cache-Control"] = "no-store"
    return response


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the ``Server: Werkzeug/… Python/…`` header
    (``http.server`` adds it in ``send_response``, on every response, errors included)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


def quiet_gunicorn() -> None:
    """When gunicorn runs the app: its responses without ``Server: gunicorn``.

    gunicorn writes that header in ``Response.default_headers`` whatever the app says and
    offers no setting to drop it; ``gunicorn.http.wsgi.create`` looks the ``Response``
    class up for every request, so a subclass put in its place takes effect at once (in
    the worker, or in the master and every worker forked from it with ``--preload``).
    Does nothing outside gunicorn, and nothing twice.
    """
    if "gunicorn" not in sys.modules:
        return
    from gunicorn.http import wsgi  # type: ignore[import-untyped]

    base: Any = wsgi.Response
    if getattr(base, "daiban_quiet", False):
        return

    class QuietResponse(base):  # type: ignore[misc]
        daiban_quiet = True

        def default_headers(self) -> list[str]:
            headers: list[str] = super().default_headers()
            return [line for line in headers if not line.lower().startswith("server:")]

    wsgi.Response = QuietResponse


def init_app(app: Flask) -> None:
    app.after_request(secure)
    quiet_gunicorn()
