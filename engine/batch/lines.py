"""The lines of a payout list (清册名单) and their totals, read from the case's history.

The history is the only record of the lines, as it is of attachments: each change is one
event whose payload carries what changed, so ``verify`` covers every line and replay
needs nothing else. A line's number is given once and never reused; a struck line stays
on the list, struck. The amount of a line is computed here from its area and the list's
rate (元/亩, fixed when the list is opened), never typed: ``amount = area × rate``
rounded to the fen, half up; totals are sums of those.

Events (payloads):

- ``case_started``: ``data.batch`` — ``year``, ``rate``, ``area_label``;
- ``batch_lines_added``: ``lines`` — ``no``, ``name``, ``id_number``, ``account``, ``area``;
- ``batch_line_struck``: ``line``, ``reason``;
- ``batch_line_corrected``: ``line``, ``reason`` and the fields changed;
- ``message_received`` ``batch_objection``: ``payload.line``, ``payload.content``;
- ``batch_payments_recorded``: ``results`` — ``line``, ``paid``, ``reason`` (why it failed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine import elements
from engine.errors import NotFound
from engine.records import EventRecord

ADDED, STRUCK = "batch_lines_added", "batch_line_struck"
CORRECTED, PAID = "batch_line_corrected", "batch_payments_recorded"
LINE_FIELDS = ("name", "id_number", "account", "area")
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One beneficiary of the list (``status``: ``labels.BATCH_LINE_STATUSES``)."""

    no: int
    name: str
    id_number: str
    account: str  # the 一卡通 account, shown masked
    area: Decimal
    amount: Decimal
    status: str = "listed"
    note: str | None = None  # why struck, corrected, objected to or failed

    @property
    def on_list(self) -> bool:
        """Still on the list (not struck)."""
        return self.status != "struck"


@dataclass(frozen=True)
class Totals:
    """What the list adds up to, lines struck left out."""

    lines: int = 0
    struck: int = 0
    area: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")
    objected: int = 0
    paid: int = 0
    paid_amount: Decimal = Decimal("0.00")
    failed: int = 0
    failed_amount: Decimal = Decimal("0.00")
    unrecorded: int = 0  # on the list, no payment result yet


@dataclass(frozen=True)
class BatchList:
    """The list as its history leaves it."""

    year: int
    rate: Decimal
    area_label: str
    lines: dict[int, Line]

    @property
    def next_no(self) -> int:
        return max(self.lines, default=0) + 1

    def on_list(self) -> list[Line]:
        return [line for line in self.lines.values() if line.on_list]

    def totals(self) -> Totals:
        kept = self.on_list()
        paid = [line for line in kept if line.status == "paid"]
        failed = [line for line in kept if line.status == "failed"]
        return Totals(
            lines=len(kept),
            struck=len(self.lines) - len(kept),
            area=_sum(line.area for line in kept),
            amount=_sum(line.amount for line in kept),
            objected=sum(1 for line in kept if line.status == "objected"),
            paid=len(paid),
            paid_amount=_sum(line.amount for line in paid),
            failed=len(failed),
            failed_amount=_sum(line.amount for line in failed),
            unrecorded=sum(1 for line in kept if line.status in ("listed", "objected")),
        )


def amount_of(area: Decimal, rate: Decimal) -> Decimal:
    return (area * rate).quantize(FEN, rounding=ROUND_HALF_UP)


def read_list(events: Iterable[EventRecord]) -> BatchList:
    """Fold the case's events into its list."""
    batch: BatchList | None = None
    for event in events:
        if event.type == "case_started":
            data = event.payload["data"]["batch"]
            batch = BatchList(int(data["year"]), Decimal(data["rate"]), data["area_label"], {})
        elif batch is not None:
            _apply(batch, event.type, event.payload)
    if batch is None:
        raise NotFound("该办件不是年度发放清册")
    return batch


def _apply(batch: BatchList, kind: str, payload: dict[str, Any]) -> None:
    lines = batch.lines
    if kind == ADDED:
        for raw in payload["lines"]:
            area = Decimal(raw["area"])
            lines[int(raw["no"])] = Line(
                int(raw["no"]), raw["name"], raw["id_number"], raw["account"],
                area, amount_of(area, batch.rate),
            )  # fmt: skip
    elif kind == STRUCK:
        no = int(payload["line"])
        lines[no] = replace(lines[no], status="struck", note=payload["reason"])
    elif kind == CORRECTED:
        no = int(payload["line"])
        changed = {f: payload[f] for f in LINE_FIELDS if f in payload}
        if "area" in changed:
            changed["area"] = Decimal(changed["area"])
            changed["amount"] = amount_of(changed["area"], batch.rate)
        lines[no] = replace(lines[no], **changed, status="listed", note=payload["reason"])
    elif kind == "message_received" and payload.get("name") == elements.BATCH_OBJECTION:
        body = payload["payload"]
        no = int(body["line"])
        if no in lines and lines[no].on_list:
            lines[no] = replace(lines[no], status="objected", note=body["content"])
    elif kind == PAID:
        for result in payload["results"]:
            no = int(result["line"])
            status = "paid" if result["paid"] else "failed"
            lines[no] = replace(lines[no], status=status, note=result.get("reason"))


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal("0.00")).quantize(FEN)
