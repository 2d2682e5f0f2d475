"""One flask-smorest blueprint per resource, all under ``/api/v1``."""

from __future__ import annotations

from webapi.blueprints import auth, definitions, health, items
from webapi.smorest import Blueprint

BLUEPRINTS: tuple[Blueprint, ...] = (health.blp, auth.blp, items.blp, definitions.blp)
