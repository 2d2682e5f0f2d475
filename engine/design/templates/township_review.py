"""乡镇审核 (``common_township_review``): the township's review, approval and public notice."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import BACKOFFICE, LEADER, WINDOW, lanes

# The leader in charge approves a licence, and signs the township's opinion where the item
# says so (``leader_sign_off``: 低保's 乡镇审核意见, cash of 临时救助) — never a clerk alone.
LEADER_SIGNS = '(item["licence"] or "leader_sign_off" in item.get("special_steps", []))'


# 先行救助 given in an emergency: no public notice, the help was paid already (``emergency``
# is in the data of every case of an item with the ``emergency_relief`` step).
AFTER_RELIEF = '("emergency_relief" in item.get("special_steps", []) and emergency)'


def township_review() -> ProcessBuilder:
    """乡镇审核: A-post first review, B-post review (never by the same person:
    ``engine.elements.SEPARATED_STEPS``), leader approval for licences and for the items
    whose opinion the leader signs (``leader_sign_off``), optional
    public notice (objections send the case back to review); refusals get a written
    decision within 3 working days.

    The notice is an excluded period (``engine.periods``): it starts when the notice is
    published (``notice_until`` its planned last day) and ends when it runs out or an
    upheld objection withdraws it; an item that excludes ``public_notice`` has its
    ``due_on`` moved then.

    Adds ``review_result`` (approved | rejected), ``review_opinion``, ``notice_done``,
    ``notice_until``, ``limit_pause`` / ``limit_period``."""
    w, bo, leader = WINDOW, BACKOFFICE, LEADER
    b = ProcessBuilder(elements.TOWNSHIP_REVIEW, "乡镇审核审批", lanes=lanes(w, bo, leader))
    decision = "approve:同意,reject:不同意"
    notice_until = (
        'notice_until = calendar_days_after(today(), item["public_notice_days"]) '
        'if item["public_notice_unit"] == "calendar_days" '
        'else working_days_after(today(), item["public_notice_days"])'
    )
    resume = (
        "limit_period = resume_limit(limit_pause, due_on, item)\n"
        'due_on = limit_period["due_after"] if limit_period else due_on\n'
        "limit_pause = None"
    )
    b.start("Start_review", "开始审核", w)
    b.script("Script_init_review", "准备审核", w, "notice_done = False\nlimit_pause = None")
    b.user_task(
        "Task_first_review",
        "窗口初审（A岗）",
        w,
        [Field("first_opinion", "text", "初审意见", True)],
    )
    b.user_task("Task_backoffice_review", "后台审核（B岗）", bo, [
        Field("review_decision", "enum", "审核结论", True, decision),
        Field("review_opinion", "text", "审核意见", required_when="review_decision:reject"),
    ])  # fmt: skip
    b.xor("Gateway_licence", "是否须分管领导签批", bo)
    b.user_task("Task_leader_approval", "分管领导审批", leader, [
        Field("leader_decision", "enum", "审批结论", True, decision),
        Field("leader_opinion", "text", "审批意见", required_when="leader_decision:reject"),
    ])  # fmt: skip
    b.script("Script_leader", "采纳领导审批意见", leader, "review_decision = leader_decision")
    b.xor("Gateway_decision", "审核结果", bo)
    b.user_task(
        "Task_publish_notice", "发布公示", w, [Field("notice_place", "string", "公示地点", True)]
    )
    b.receive(
        "Receive_objection",
        "公示期间（受理异议）",
        w,
        elements.PUBLIC_NOTICE_OBJECTION,
        "objection",
    )
    b.script(
        "Script_notice_start", "公示开始（公示期间不计入办理时限）", w,
        f'{notice_until}\nlimit_pause = pause_limit("public_notice", notice_until, limit_pause)',
    )  # fmt: skip
    b.boundary_timer(
        "Timer_notice_end", "公示期满无异议", "Receive_objection", "end_of_day(notice_until)",
        interrupting=True,
    )  # fmt: skip
    b.user_task("Task_objection", "核查公示异议", bo, [
        Field("objection_upheld", "boolean", "异议成立", True),
        Field("objection_finding", "text", "核查结论", True),
    ])  # fmt: skip
    b.xor("Gateway_objection", "异议是否成立", bo)
    b.script("Script_notice_done", "公示完成", w, f"notice_done = True\n{resume}")
    b.script("Script_notice_withdrawn", "公示中止，重新审核", bo, resume)
    b.script("Script_approved", "审核通过", bo, 'review_result = "approved"')
    b.user_task("Task_refusal_decision", "出具不予许可（不予通过）决定书", w, [
        Field("refusal_reason", "text", "不予通过理由", True),
        Field("appeal_informed", "boolean", "已告知复议、诉讼权利", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_refusal_late", "3个工作日内未出具决定书", "Task_refusal_decision",
        "deadline_working_days(3)", interrupting=False,
    )  # fmt: skip
    b.user_task(
        "Task_refusal_late",
        "不予决定书超期督办",
        leader,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.script("Script_rejected", "审核不通过", w, 'review_result = "rejected"')
    b.end("End_approved", "审核通过", bo)
    b.end("End_rejected", "不予通过", w, terminate=True)
    b.end("End_refusal_late", "督办完成", leader)
    b.chain(
        "Start_review",
        "Script_init_review",
        "Task_first_review",
        "Task_backoffice_review",
        "Gateway_licence",
    )
    b.flow(
        "Gateway_licence",
        "Task_leader_approval",
        condition=LEADER_SIGNS + ' and review_decision == "approve"',
        name="许可事项或须领导签批",
    )
    b.default("Gateway_licence", b.flow("Gateway_licence", "Gateway_decision"))
    b.chain("Task_leader_approval", "Script_leader", "Gateway_decision")
    b.flow(
        "Gateway_decision", "Task_publish_notice", name="需公示",
        condition='review_decision == "approve" and item["public_notice_days"] > 0 and not notice_done'
        f" and not {AFTER_RELIEF}",
    )  # fmt: skip
    b.flow(
        "Gateway_decision", "Script_approved", condition='review_decision == "approve"', name="通过"
    )
    b.default(
        "Gateway_decision", b.flow("Gateway_decision", "Task_refusal_decision", name="不通过")
    )
    b.chain(
        "Task_publish_notice",
        "Script_notice_start",
        "Receive_objection",
        "Task_objection",
        "Gateway_objection",
    )
    b.chain("Timer_notice_end", "Script_notice_done", "Gateway_decision")
    b.flow(
        "Gateway_objection",
        "Script_notice_withdrawn",
        condition="objection_upheld",
        name="异议成立，重新审核",
    )
    b.flow("Script_notice_withdrawn", "Task_backoffice_review")
    b.default(
        "Gateway_objection",
        b.flow("Gateway_objection", "Script_notice_start", name="异议不成立，重新公示"),
    )
    b.chain("Script_approved", "End_approved")
    b.chain("Task_refusal_decision", "Script_rejected", "End_rejected")
    b.chain("Timer_refusal_late", "Task_refusal_late", "End_refusal_late")
    return b
