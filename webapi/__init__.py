"""daiban's HTTP API (Flask + flask-smorest): ``create_app()``; see README, "HTTP API"."""

from __future__ import annotations

from webapi.app import create_app

__all__ = ["create_app"]
