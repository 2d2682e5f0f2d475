"""Yearly payout lists (年度发放清册): LY004, LY005 and NL007 as one case per village and
year holding the list of beneficiaries (``service``), its lines read from the case's
history (``lines``), what they accept (``checks``). docs/batch-items.md."""

from __future__ import annotations

from engine.batch.checks import (
    BatchInputs,
    NewLine,
    PaymentResult,
    correction,
    new_lines,
    payment_results,
)
from engine.batch.lines import BatchList, Line, Totals
from engine.batch.service import LINE_STEPS, STEPS, BatchService, BatchView

__all__ = [
    "LINE_STEPS",
    "STEPS",
    "BatchInputs",
    "BatchList",
    "BatchService",
    "BatchView",
    "Line",
    "NewLine",
    "PaymentResult",
    "Totals",
    "correction",
    "new_lines",
    "payment_results",
]
