"""Catalogue ↔ BPMN consistency: the items, their processes and the roles that act on them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from engine import elements
from engine.definitions.lint import ProcessOutline
from engine.errors import Problem
from processes.catalogue import Catalogue, Item

ITEM_PREFIX = "item_"


def check_catalogue(
    catalogue: Catalogue,
    outlines: Mapping[str, ProcessOutline],
    roles: Collection[str],
    *,
    complete: bool,
) -> list[Problem]:
    """Problems between the catalogue and the BPMN processes linted with it.

    ``complete``: the outlines are the whole process library, so every item must have a
    process and every item process must belong to an item."""
    problems: list[Problem] = []
    by_process = catalogue.by_process_id()
    for outline in outlines.values():
        for lane in outline.lane_roles:
            if lane.role not in roles:
                problems.append(
                    Problem(
                        outline.path, lane.line, lane.lane_id or outline.process_id,
                        f"泳道“{lane.name}”的角色“{lane.role}”不是已知角色",
                    )
                )  # fmt: skip
        item = by_process.get(outline.process_id)
        if item is not None:
            problems.extend(_consistency(item, outline))
        elif complete and outline.process_id.startswith(ITEM_PREFIX):
            problems.append(
                Problem(
                    outline.path, outline.line, outline.process_id, "流程不属于事项目录中的任何事项"
                )
            )
    if complete:
        for item in catalogue:
            if item.process_id not in outlines:
                problems.append(
                    Problem(
                        item.source, item.line, item.code,
                        f"事项 {item.code}（{item.name}）没有流程 {item.process_id}，可用 daiban scaffold {item.code} 生成",
                    )
                )  # fmt: skip
    return problems


def deploy_checks(
    catalogue: Catalogue, roles: Collection[str]
) -> Callable[[Mapping[str, ProcessOutline]], list[Problem]]:
    """The catalogue checks a deploy runs on the processes it is given (not the whole
    library, so no item is reported missing)."""

    def checks(outlines: Mapping[str, ProcessOutline]) -> list[Problem]:
        return check_catalogue(catalogue, outlines, roles, complete=False)

    return checks


def _consistency(item: Item, outline: ProcessOutline) -> list[Problem]:
    """The process does what the catalogue says the item needs."""
    if item.batch is not None:  # a yearly list: the list's own steps, no application's
        if elements.BATCH_PAYOUT in outline.calls:
            return []
        return [_problem(outline, f"事项为年度发放清册，流程应调用 {elements.BATCH_PAYOUT}")]
    expectations = [
        (elements.COUNTY_HANDOFF, item.county_decides or "county_over_limit" in item.special_steps,
         "县级决定（T->C、C，或超出乡镇审批额度）"),
        (elements.STATION_HANDOFF, item.station_decides, "基层站所决定（T->S）"),
        (elements.PROVINCE_HANDOFF, item.province_decides, "省级决定（T->C->P）"),
        (elements.PROXY, item.proxy_allowed, "允许代办"),
        (elements.ENFORCEMENT, item.initiated_by == "staff" and item.type != "inspection",
         "依职权发起的执法事项"),
        (elements.INSPECTION, item.type == "inspection", "行政检查事项"),
        (elements.TOWNSHIP_REVIEW, item.township_reviews, "乡镇审核（T、T->C）"),
    ]  # fmt: skip
    problems = []
    for called, wanted, reason in expectations:
        present = called in outline.calls
        if wanted and not present:
            problems.append(_problem(outline, f"事项为{reason}，流程应调用 {called}"))
        elif present and not wanted:
            problems.append(_problem(outline, f"事项目录中本事项不需要 {called}（{reason}）"))
    if item.public_notice_days and elements.TOWNSHIP_REVIEW not in outline.calls:
        problems.append(
            _problem(outline, "事项需要公示，流程应调用 common_township_review（含公示）")
        )
    for step in item.special_steps:
        special = elements.SPECIAL_STEPS.get(step)
        if special is not None and special.task not in outline.task_names:
            problems.append(
                _problem(outline, f"事项的法定环节“{special.name}”（{special.task}）不在流程中")
            )
    return problems


def _problem(outline: ProcessOutline, message: str) -> Problem:
    return Problem(outline.path, outline.line, outline.process_id, message)
