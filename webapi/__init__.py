"""daiban's HTTP API (Flask). The full API is not built yet: see README, "What does not work yet"."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory (a stub until the counter-staff API lands)."""
    app = Flask(__name__)
    app.config.update(config or {})

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
