"""Reports built on the supervision figures (``engine.stats``): the townships' ranking
(``ranking``) and the county supervision office's monthly tables (效能监督月报,
``monthly``) written as ``.xlsx`` or CSV (``workbook``).

Nothing is counted here: every value is a figure of ``StatsService.figures`` for the same
period, scope and grouping (docs/reports.md).
"""

from __future__ import annotations

from engine.reports.monthly import TABLES, Column, Table, TableSpec, monthly_tables
from engine.reports.periods import PeriodError, ReportPeriod, parse_period
from engine.reports.ranking import MEASURES, Ranked, Ranking, rank_townships
from engine.reports.workbook import XLSX_MEDIA_TYPE, ZIP_MEDIA_TYPE, csv_text, csv_zip, xlsx_bytes

__all__ = [
    "MEASURES",
    "TABLES",
    "XLSX_MEDIA_TYPE",
    "ZIP_MEDIA_TYPE",
    "Column",
    "PeriodError",
    "Ranked",
    "Ranking",
    "ReportPeriod",
    "Table",
    "TableSpec",
    "csv_text",
    "csv_zip",
    "monthly_tables",
    "parse_period",
    "rank_townships",
    "xlsx_bytes",
]
