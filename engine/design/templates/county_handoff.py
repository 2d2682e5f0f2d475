"""转县级部门 (``common_county_handoff``): a county department decides, by task or by callback."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import COUNTY, WINDOW, lanes
from engine.design.templates.limits import step_limit


def county_handoff() -> ProcessBuilder:
    """转县级部门: handover record, the county decides by task or by callback message
    (``county_decision`` with ``{"approved": bool, "opinion": str, "document_no": str}``),
    a chase when the step limit passes.

    Adds ``county_sent_on``, ``county_approved``, ``county_decision``, ``county_opinion``."""
    w, c = WINDOW, COUNTY
    b = ProcessBuilder(elements.COUNTY_HANDOFF, "转县级部门办理", lanes=lanes(w, c))
    b.start("Start_handoff", "转县级部门", w)
    b.user_task("Task_county_handover", "填写县级转办交接单", w, [
        Field("handover_items", "integer", "移交材料件数", True),
        Field("first_review_opinion", "text", "乡镇初审意见", True),
    ])  # fmt: skip
    b.script("Script_sent", "登记转办", w, "county_sent_on = today()")
    b.user_task("Task_county_decision", "县级部门审批决定", c, [
        Field("county_decision", "enum", "审批决定", True, "approve:准予,reject:不予"),
        Field("county_opinion", "text", "审批意见", required_when="county_decision:reject"),
        Field("document_no", "string", "决定文书编号"),
    ])  # fmt: skip
    b.boundary_message(
        "Catch_county_callback",
        "县级系统回传结果",
        "Task_county_decision",
        elements.COUNTY_DECISION,
        "county_callback",
    )
    b.boundary_timer(
        "Timer_county_late", "县级办理超期", "Task_county_decision",
        f"deadline_working_days({step_limit('county_decision', 10)})", interrupting=False,
    )  # fmt: skip
    b.user_task(
        "Task_chase_county", "县级办理超期催办", w, [Field("chase_note", "text", "催办记录", True)]
    )
    b.script(
        "Script_from_task",
        "登记县级决定",
        c,
        'county_approved = county_decision == "approve"\ncounty_decided_on = today()',
    )
    b.script(
        "Script_from_callback", "登记回传结果", c,
        'county_approved = county_callback.get("approved") == True\n'
        'county_decision = "approve" if county_approved else "reject"\n'
        'county_opinion = county_callback.get("opinion", "")\ncounty_decided_on = today()',
    )  # fmt: skip
    b.end("End_decided", "县级部门已决定", c, terminate=True)
    b.end("End_chased", "催办完成", w)
    b.chain(
        "Start_handoff",
        "Task_county_handover",
        "Script_sent",
        "Task_county_decision",
        "Script_from_task",
        "End_decided",
    )
    b.chain("Catch_county_callback", "Script_from_callback", "End_decided")
    b.chain("Timer_county_late", "Task_chase_county", "End_chased")
    return b
