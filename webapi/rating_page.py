"""The resident's rating page (办事评价), served at ``/rating``: opened from the QR code on
the 办结通知书 or the link in the SMS, ``/rating#<token>``.

Static files like the progress page (``webapi/static/rating``: one HTML page, one ES
module, one style sheet, borrowing the console's vendored Preact + htm and shared sheet),
a client of the public API only (``/api/v1/public/ratings/{token}``). The token is in the
address's fragment, which browsers never send: neither this route nor any access log
sees it. Served under the console's strict policy: scripts and styles from this server
only, no inline script or style, no ``eval``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory

from webapi import console

RATING = Path(__file__).parent / "static" / "rating"
ASSETS_URL = "/rating/assets"
POLICY = console.POLICY

blp = Blueprint("rating", __name__)


@blp.get("/rating")
def rating_page() -> Response:
    return send_from_directory(RATING, "index.html", max_age=0)


@blp.get(f"{ASSETS_URL}/<path:filename>")
def rating_asset(filename: str) -> Response:
    return send_from_directory(RATING, filename, max_age=0)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
