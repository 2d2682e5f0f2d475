"""The web console (办事工作台): the pages counter staff, leaders, supervisors,
administrators and designers work in, served at ``/``.

The console is static files (``webapi/static/console``: HTML, ES modules, CSS and the
vendored libraries, no build step) and a client of the public HTTP API only: every page
reads and writes through ``/api/v1`` with the signed-in person's bearer token, so the
API's one authorization path decides what each person sees and may do. Every asset is
served by the app (a county intranet has no internet access), under a strict policy:
scripts and styles from this server only, no inline script or style, no ``eval``.
See docs/console.md.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory

CONSOLE = Path(__file__).parent / "static" / "console"
ASSETS_URL = "/console"
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

blp = Blueprint("console", __name__)


@blp.get("/")
def console_page() -> Response:
    # The one page; the router picks the view from the address's fragment (#/tasks).
    return send_from_directory(CONSOLE, "index.html", max_age=0)


@blp.get(f"{ASSETS_URL}/<path:filename>")
def console_asset(filename: str) -> Response:
    # Revalidated on every load (ETag, 304): a new release is seen at once.
    return send_from_directory(CONSOLE, filename, max_age=0)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
