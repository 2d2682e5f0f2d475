"""The public progress page (办件进度查询): a resident, with no account, looks up how far
the case is, served at ``/progress``.

Like the console it is static files (``webapi/static/progress``: one HTML page, one ES
module, one style sheet; it borrows the console's vendored Preact + htm and shared style
sheet) and a client of the public API only: the page asks
``GET /api/v1/public/progress`` with the 办件编号 and the last six characters of the
applicant's ID number, which decides what is shown (progress only, no personal data).
The address may carry the number (``/progress?number=…``, the QR code on a receipt),
never the ID tail. Served under the console's strict policy: scripts and styles from
this server only, no inline script or style, no ``eval``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory

from webapi import console

PROGRESS = Path(__file__).parent / "static" / "progress"
ASSETS_URL = "/progress/assets"
POLICY = console.POLICY

blp = Blueprint("progress", __name__)


@blp.get("/progress")
def progress_page() -> Response:
    return send_from_directory(PROGRESS, "index.html", max_age=0)


@blp.get(f"{ASSETS_URL}/<path:filename>")
def progress_asset(filename: str) -> Response:
    # Revalidated on every load (ETag, 304): a new release is seen at once.
    return send_from_directory(PROGRESS, filename, max_age=0)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
