"""The case diagram page (``/cases/{id}/diagram``): bpmn-js paints a case's token path.

The page and its scripts are static files served by the app itself (bpmn-js's viewer is
vendored in ``webapi/static/bpmn-js``), so it works on a county network without internet
access. It holds no data: the page's script reads the case through the API with the
caller's bearer token, so every scope rule of the API applies.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory

STATIC = Path(__file__).parent / "static"
ASSETS_URL = "/viewer/assets"
# Scripts and styles only from this server; bpmn-js sets inline styles on its SVG.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

blp = Blueprint("viewer", __name__)


@blp.get("/cases/<int:case_id>/diagram")
def case_diagram_page(case_id: int) -> Response:
    response = send_from_directory(STATIC / "viewer", "diagram.html", max_age=0)
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.get(f"{ASSETS_URL}/<path:filename>")
def asset(filename: str) -> Response:
    return send_from_directory(STATIC, filename, max_age=3600)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
