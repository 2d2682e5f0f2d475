"""A payout list in ``daiban simulate``: sample lines when the village compiles, the
objected lines corrected when the township reviews, the 一卡通 results (one failure)
when the payment step opens. Each is one history event, shown in the trace."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine import elements
from engine.batch.checks import NewLine, PaymentResult
from engine.batch.service import STEPS, BatchService
from engine.cases import CaseView
from engine.definitions.form_formats import id_check_character
from engine.records import Actor
from engine.simulate import Scenario
from processes.catalogue import Item

SAMPLE_VILLAGE = "511725201001"  # 青丝社区, 青丝乡
SAMPLE_RATE = "105.50"  # 元/亩
SAMPLE_AREAS = ("3.20", "1.55", "4.00")
OBJECTION = {"line": 2, "content": "该户实际种植面积为 1.50 亩", "objector": "村民"}


def sample_lines() -> list[NewLine]:
    lines = []
    for n, area in enumerate(SAMPLE_AREAS, start=1):
        first = f"51172519700101{n:03d}"
        number = first + id_check_character(first)
        lines.append(NewLine(f"示例户{n}", number, f"62179955500000{n:05d}", Decimal(area)))
    return lines


def batch_scenario(batches: BatchService, item: Item, year: int, scenario: Scenario) -> None:
    """Make ``scenario`` run a payout list of ``item``: the case data ``BatchService.open``
    writes, the sample lines, an objection, the payment results."""
    assert item.batch is not None
    scenario.start["batch"] = {
        "year": year,
        "village": SAMPLE_VILLAGE,
        "rate": SAMPLE_RATE,
        "area_label": item.batch.area_label,
    }
    scenario.messages.setdefault(elements.BATCH_OBJECTION, OBJECTION)
    scenario.prepare = batch_driver(batches, Actor("simulator"))
    scenario.item_code = item.code


def batch_driver(batches: BatchService, actor: Actor) -> Callable[[CaseView, Any], str | None]:
    """What the simulation does before answering a task of a list (None: nothing)."""

    def prepare(view: CaseView, task: Any) -> str | None:
        step = STEPS.get(task.spec_id)
        record = batches.engine.cases.record(view.id)
        batch = batches.view(record).list
        if step == "compile" and not batch.lines:
            batches.add_lines(view.id, sample_lines(), actor)
            return f"清册添加名单 {len(SAMPLE_AREAS)} 户"
        objected = [line for line in batch.on_list() if line.status == "objected"]
        if step == "review" and objected:
            for line in objected:
                batches.correct(
                    view.id, line.no, {"area": "1.50", "reason": "经核实更正面积"}, actor
                )
            return f"更正有异议的第 {'、'.join(str(x.no) for x in objected)} 行"
        if step == "payment":
            kept = batch.on_list()
            results = [PaymentResult(x.no, True) for x in kept[:-1]]
            results.append(PaymentResult(kept[-1].no, False, "账户冻结"))
            batches.record_payments(view.id, results, actor)
            return f"登记一卡通发放结果：成功 {len(kept) - 1} 户，失败 1 户（账户冻结）"
        return None

    return prepare
