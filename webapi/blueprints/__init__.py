"""One flask-smorest blueprint per resource, all under ``/api/v1``."""

from __future__ import annotations

from webapi.blueprints import (
    absences,
    admin,
    attachments,
    audit_export,
    auth,
    batches,
    definitions,
    documents,
    health,
    items,
    ledger,
    notices,
    people,
    public,
    ratings,
    reports,
    runs,
    stats,
    units,
)
from webapi.smorest import Blueprint

BLUEPRINTS: tuple[Blueprint, ...] = (
    health.blp,
    auth.blp,
    items.blp,
    definitions.blp,
    ledger.blp,
    stats.blp,
    reports.blp,
    audit_export.blp,
    admin.blp,
    people.blp,
    absences.blp,
    units.blp,
    public.blp,
    ratings.blp,
    notices.blp,
    documents.blp,
    attachments.blp,
    batches.blp,
    runs.blp,
)
