"""综合行政执法 (``common_enforcement``): the administrative enforcement procedure staff open."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import BACKOFFICE, LANE_LABELS, LEADER
from engine.design.templates.limits import step_limit


def enforcement() -> ProcessBuilder:
    """综合行政执法: 立案 → 调查 → 告知 (right to be heard) → 决定 → 送达 → 执行 → 结案.

    Hearing requests arrive as message ``hearing_requested``. Adds ``enforcement_result``."""
    o, leader = BACKOFFICE, LEADER
    b = ProcessBuilder(
        elements.ENFORCEMENT, "综合行政执法",
        lanes={o: "乡镇综合执法人员", leader: LANE_LABELS[leader]},
    )  # fmt: skip
    investigate = elements.INVESTIGATE.task
    b.start("Start_enforcement", "发现违法线索", o)
    b.user_task("Task_file", "立案审批", leader, [
        Field("filing", "enum", "立案意见", True, "file:立案,dismiss:不予立案"),
        Field("filing_reason", "text", "理由", True),
    ])  # fmt: skip
    b.xor("Gateway_file", "是否立案", leader)
    b.user_task(investigate, "调查取证", o, [
        Field("facts", "text", "违法事实", True),
        Field("evidence_count", "integer", "证据件数", True, min="0"),
        Field("violation_found", "boolean", "违法事实成立", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_investigation_late", "调查超期", investigate,
        f"deadline_working_days({step_limit('investigation', 30)})", interrupting=False,
    )  # fmt: skip
    b.user_task(
        "Task_investigation_late",
        "调查超期督办",
        leader,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.xor("Gateway_violation", "违法事实是否成立", o)
    b.user_task("Task_notify", "告知拟处理决定及陈述、申辩、听证权利", o, [
        Field("proposed_decision", "text", "拟处理决定", True),
        Field("notice_served_on", "date", "告知书送达日期", True),
    ])  # fmt: skip
    b.receive(
        "Receive_hearing",
        "等待陈述申辩或听证申请",
        o,
        elements.HEARING_REQUESTED,
        "hearing_request",
    )
    b.boundary_timer(
        "Timer_no_hearing",
        "5个工作日内未申请",
        "Receive_hearing",
        "deadline_working_days(5)",
        interrupting=True,
    )
    b.user_task(
        "Task_hearing",
        "听取陈述申辩或组织听证",
        o,
        [Field("hearing_record", "text", "听证（申辩）记录", True)],
    )
    b.user_task("Task_decide", "作出处理决定", leader, [
        Field("decision", "enum", "处理决定", True, "penalty:给予处罚,no_penalty:不予处罚"),
        Field("decision_no", "string", "决定书编号", required_when="decision:penalty"),
        Field("penalty_amount", "number", "罚款金额（元）", min="0"),
    ])  # fmt: skip
    b.user_task("Task_serve", "送达决定书", o, [
        Field("served_on", "date", "送达日期", True),
        Field("service_method", "enum", "送达方式", True, "direct:直接送达,post:邮寄送达,notice:公告送达"),
    ])  # fmt: skip
    b.xor("Gateway_penalty", "是否需要执行", o)
    b.user_task("Task_execute", "执行", o, [
        Field("executed", "boolean", "已履行", True),
        Field("execution_note", "text", "执行情况", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_execution_late",
        "15日内未履行",
        "Task_execute",
        "deadline_calendar_days(15)",
        interrupting=False,
    )
    b.user_task(
        "Task_execution_late",
        "逾期未履行处置（申请强制执行）",
        leader,
        [Field("enforcement_step", "text", "处置措施", True)],
    )
    b.user_task("Task_close", "结案归档", o, [Field("closing_summary", "text", "结案报告", True)])
    b.script("Script_dismissed", "不予立案", leader, 'enforcement_result = "dismissed"')
    b.script("Script_closed", "结案", o, 'enforcement_result = "closed"')
    b.end("End_dismissed", "不予立案", leader)
    b.end("End_closed", "结案", o, terminate=True)
    b.end("End_investigation_late", "督办完成", leader)
    b.end("End_execution_late", "已处置", leader)
    b.chain("Start_enforcement", "Task_file", "Gateway_file")
    b.flow("Gateway_file", investigate, condition='filing == "file"', name="立案")
    b.default("Gateway_file", b.flow("Gateway_file", "Script_dismissed", name="不予立案"))
    b.chain("Script_dismissed", "End_dismissed")
    b.chain(investigate, "Gateway_violation")
    b.flow("Gateway_violation", "Task_notify", condition="violation_found", name="成立")
    b.default("Gateway_violation", b.flow("Gateway_violation", "Task_close", name="不成立"))
    b.chain("Task_notify", "Receive_hearing", "Task_hearing", "Task_decide")
    b.chain("Timer_no_hearing", "Task_decide")
    b.chain("Task_decide", "Task_serve", "Gateway_penalty")
    b.flow("Gateway_penalty", "Task_execute", condition='decision == "penalty"', name="给予处罚")
    b.default("Gateway_penalty", b.flow("Gateway_penalty", "Task_close", name="不予处罚"))
    b.chain("Task_execute", "Task_close", "Script_closed", "End_closed")
    b.chain("Timer_investigation_late", "Task_investigation_late", "End_investigation_late")
    b.chain("Timer_execution_late", "Task_execution_late", "End_execution_late")
    return b
