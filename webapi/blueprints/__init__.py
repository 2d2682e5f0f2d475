"""One flask-smorest blueprint per resource, all under ``/api/v1``."""

from __future__ import annotations

from webapi.blueprints import (
    admin,
    audit_export,
    auth,
    definitions,
    health,
    items,
    ledger,
    stats,
)
from webapi.smorest import Blueprint

BLUEPRINTS: tuple[Blueprint, ...] = (
    health.blp,
    auth.blp,
    items.blp,
    definitions.blp,
    ledger.blp,
    stats.blp,
    audit_export.blp,
    admin.blp,
)
