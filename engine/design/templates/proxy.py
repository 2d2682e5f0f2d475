"""代办 (``common_proxy``): a village agent takes the case in and hands it over to the township."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder, Rule
from engine.design.templates.lanes import AGENT, LEADER, lanes
from engine.design.templates.limits import step_limit

PICKUP = "fixed_point:定点接件,home:到户接件,scheduled:定期取件,appointment:预约取件,scheduled_delivery:定期送件"


def proxy() -> ProcessBuilder:
    """代办: entrustment and receipt, pickup mode, handover to the township within the
    step limit (3 working days; urgent items the same day) with a handover record.

    Adds ``pickup_mode``, ``proxy_received_on``, ``handover_on``, ``village_holding_days``,
    ``handover_late``."""
    a, leader = AGENT, LEADER
    b = ProcessBuilder(elements.PROXY, "代办（委托、接件、移交）", lanes=lanes(a, leader))
    entrust, handover = elements.ENTRUST.task, elements.HANDOVER.task
    limit = f'0 if item["urgent"] else {step_limit("proxy_handover", 3)}'
    b.start("Start_proxy", "群众委托代办", a)
    b.user_task(entrust, "签订委托书、接件并出具回执", a, [
        Field("pickup_mode", "enum", "接件方式", True, PICKUP),
        Field("entrustment_signed", "boolean", "已签订代办委托书", True),
        Field("receipt_no", "string", "代办回执编号", True),
        Field("materials_received", "integer", "接收材料件数", True, min="1"),
    ])  # fmt: skip
    b.script("Script_received", "登记接件", a, "proxy_received_on = today()")
    b.user_task(handover, "移交乡镇便民服务中心（填写交接单）", a, [
        Field("handover_items", "integer", "移交材料件数", True, min="1"),
        Field("handover_originals", "integer", "其中原件件数", True, min="0"),
        Field("received_by", "string", "乡镇接收人", True),
    ], rules=[
        Rule("originals_within_items", "handover_originals", "le", "handover_items",
             "其中原件件数不能多于移交材料件数"),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_handover_late",
        "移交超期",
        handover,
        f"deadline_working_days({limit})",
        interrupting=False,
    )
    b.user_task(
        "Task_escalate_handover",
        "代办移交超期督办",
        leader,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.script(
        "Script_handed_over", "记录村级停留时间", a,
        "handover_on = today()\nvillage_holding_days = working_days_between(proxy_received_on, handover_on)\n"
        f"handover_due = working_days_after(proxy_received_on, {limit})\n"
        "handover_late = handover_on > handover_due",
    )  # fmt: skip
    b.end("End_handed_over", "已移交乡镇", a, terminate=True)
    b.end("End_escalated", "督办完成", leader)
    b.chain(
        "Start_proxy",
        entrust,
        "Script_received",
        handover,
        "Script_handed_over",
        "End_handed_over",
    )
    b.chain("Timer_handover_late", "Task_escalate_handover", "End_escalated")
    return b
