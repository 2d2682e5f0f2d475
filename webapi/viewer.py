"""The case diagram page (``/cases/{id}/diagram``): bpmn-js paints a case's token path;
and the definition diagram page (``/definitions/{process_id}/{version}/diagram``): one
deployed process version, framed by the console's 流程定义 page.

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
# Framed by the console's case and 流程定义 pages (same origin only: X-Frame-Options
# SAMEORIGIN, set in webapi/headers.py); ``?embed=1`` shows the case diagram without the
# page's own header.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'"
)

blp = Blueprint("viewer", __name__)


@blp.get("/cases/<int:case_id>/diagram")
def case_diagram_page(case_id: int) -> Response:
    response = send_from_directory(STATIC / "viewer", "diagram.html", max_age=0)
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.get("/definitions/<process_id>/<int:version>/diagram")
def definition_diagram_page(process_id: str, version: int) -> Response:
    # One deployed version's diagram, read through the API (GET /definitions/{id}/{version}).
    response = send_from_directory(STATIC / "viewer", "definition.html", max_age=0)
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.get(f"{ASSETS_URL}/<path:filename>")
def asset(filename: str) -> Response:
    return send_from_directory(STATIC, filename, max_age=3600)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
