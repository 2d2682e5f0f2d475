"""转县级部门 (``common_county_handoff``): a county department decides, by task or by callback
— one route per case, never both."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import COUNTY, WINDOW, lanes
from engine.design.templates.limits import step_limit

# The route the item's department chose (catalogue ``county_decision``, in the case data
# as ``item["county_decision"]``); anything but "callback" is the decision task.
BY_CALLBACK = 'item.get("county_decision", "task") == "callback"'


def county_handoff() -> ProcessBuilder:
    """转县级部门: handover record, then the county decides on the route of the item's
    department: its officer works the decision task in daiban (``task``, the default), or
    its own system posts the message ``county_decision`` with ``{"approved": bool,
    "opinion": str, "document_no": str}`` (``callback``); a case waits for one of them
    only. On either route the window chases the county when the step limit passes.

    Adds ``county_sent_on``, ``county_approved``, ``county_decision``, ``county_opinion``,
    ``county_decided_on``."""
    w, c = WINDOW, COUNTY
    decision = elements.COUNTY_DECISION_TASK.task
    callback = elements.COUNTY_CALLBACK.task
    route = elements.COUNTY_ROUTE.task
    chase = elements.COUNTY_CHASE.task
    limit = f"deadline_working_days({step_limit('county_decision', 10)})"
    b = ProcessBuilder(elements.COUNTY_HANDOFF, "转县级部门办理", lanes=lanes(w, c))
    b.start("Start_handoff", "转县级部门", w)
    b.user_task(elements.COUNTY_HANDOVER.task, "填写县级转办交接单", w, [
        Field("handover_items", "integer", "移交材料件数", True),
        Field("first_review_opinion", "text", "乡镇初审意见", True),
    ])  # fmt: skip
    b.script("Script_sent", "登记转办", w, "county_sent_on = today()")
    b.xor(route, "县级决定方式", c)
    b.user_task(decision, "县级部门审批决定", c, [
        Field("county_decision", "enum", "审批决定", True, "approve:准予,reject:不予"),
        Field("county_opinion", "text", "审批意见", required_when="county_decision:reject"),
        Field("document_no", "string", "决定文书编号"),
    ])  # fmt: skip
    b.receive(callback, "等待县级系统回传结果", c, elements.COUNTY_DECISION, "county_callback")
    b.boundary_timer("Timer_county_late", "县级办理超期", decision, limit, interrupting=False)
    b.boundary_timer(
        "Timer_county_callback_late", "县级回传超期", callback, limit, interrupting=False
    )
    b.user_task(chase, "县级办理超期催办", w, [Field("chase_note", "text", "催办记录", True)])
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
    b.chain("Start_handoff", elements.COUNTY_HANDOVER.task, "Script_sent", route)
    b.flow(route, callback, condition=BY_CALLBACK, name="县级系统回传")
    b.flow(route, decision, name="县级部门在 daiban 办理")  # the default
    b.chain(decision, "Script_from_task", "End_decided")
    b.chain(callback, "Script_from_callback", "End_decided")
    b.chain("Timer_county_late", chase)
    b.chain("Timer_county_callback_late", chase)
    b.flow(chase, "End_chased")
    return b
