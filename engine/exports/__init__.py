"""Process-mining exports of case histories: IEEE 1849 XES and OCEL 2.0 JSON, streamed."""

from __future__ import annotations

from engine.exports.common import (
    Activity,
    CaseHistory,
    ExportCounts,
    ExportSource,
    activities,
    histories,
)

__all__ = [
    "Activity",
    "CaseHistory",
    "ExportCounts",
    "ExportSource",
    "activities",
    "histories",
]
