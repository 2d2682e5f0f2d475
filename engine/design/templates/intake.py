"""受理 (``common_intake``): the materials check and what follows from its decision."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import WINDOW, lanes

# The longest pledge (容缺) period the window may grant, in working days.
PLEDGE_MAX_DAYS = "30"

# The statutory clock starts at acceptance; the engine shows ``due_on`` as the case's due date.
DUE_ON = (
    'due_on = working_days_after(accepted_on, item["promised_limit"]) if item["limit_unit"] == "working_days" '
    'else calendar_days_after(accepted_on, item["promised_limit"])'
)


def intake() -> ProcessBuilder:
    """受理: accept · accept with pledge (容缺) · one-time supplement notice · refuse.

    Adds ``intake_result`` (accepted | accepted_with_pledge | refused | supplement_expired),
    ``accepted_on``, ``due_on`` (the promised limit counted from acceptance) and for a
    pledge ``pledge_deadline``."""
    b = ProcessBuilder(elements.INTAKE, "受理（材料审查）", lanes=lanes(WINDOW))
    w = WINDOW
    check, recheck = elements.CHECK_MATERIALS.task, elements.RECHECK.task
    notice = elements.SUPPLEMENT_NOTICE.task
    field = elements.INTAKE_DECISION
    decision = Field(
        field, "enum", "受理意见", True,
        "accept:受理,accept_with_pledge:容缺受理,supplement:一次性告知补正,refuse:不予受理",
    )  # fmt: skip
    b.start("Start_intake", "收到申请材料", w)
    b.user_task(check, "材料审查", w, [
        decision,
        Field("missing_materials", "text", "需补正或容缺的材料", required_when=f"{field}:supplement|accept_with_pledge"),
        Field("pledge_days", "integer", "容缺材料补交期限（工作日）", required_when=f"{field}:accept_with_pledge", min="1", max=PLEDGE_MAX_DAYS),
        Field("refuse_reason", "text", "不予受理理由", required_when=f"{field}:refuse"),
    ])  # fmt: skip
    b.xor("Gateway_intake", "受理意见", w)
    b.script(
        "Script_accepted",
        "登记受理",
        w,
        f'intake_result = "accepted"\naccepted_on = today()\n{DUE_ON}',
    )
    b.script(
        "Script_pledge", "登记容缺受理", w,
        f'intake_result = "accepted_with_pledge"\naccepted_on = today()\n{DUE_ON}\n'
        "pledge_deadline = working_days_after(today(), pledge_days)",
    )  # fmt: skip
    b.user_task(notice, "出具一次性告知补正通知书", w, [
        Field("supplement_notice_no", "string", "补正通知书编号", True),
    ])  # fmt: skip
    # The supplement wait is an excluded period (engine.periods); it precedes acceptance,
    # so it never moves ``due_on`` (the promised limit starts at acceptance, 《行政许可法》
    # 第三十二条), only steps open meanwhile, for items that exclude ``supplement``.
    b.script(
        "Script_supplement_start", "补正期间开始（不计入办理时限）", w,
        'limit_pause = pause_limit("supplement", None, None)',
    )  # fmt: skip
    b.receive(
        "Receive_resubmission", "等待申请人补正材料", w, elements.MATERIALS_RESUBMITTED, "resubmission"
    )  # fmt: skip
    b.script(
        "Script_supplement_end", "补正期间结束", w,
        "limit_period = resume_limit(limit_pause, None, item)\nlimit_pause = None",
    )  # fmt: skip
    b.boundary_timer(
        "Timer_supplement_expired", "补正期限届满（30日）", "Receive_resubmission",
        "deadline_calendar_days(30)", interrupting=True,
    )  # fmt: skip
    b.user_task(recheck, "补正材料复核", w, [
        Field(field, "enum", "受理意见", True, "accept:受理,accept_with_pledge:容缺受理,refuse:不予受理"),
        Field("pledge_days", "integer", "容缺材料补交期限（工作日）", required_when=f"{field}:accept_with_pledge", min="1", max=PLEDGE_MAX_DAYS),
        Field("refuse_reason", "text", "不予受理理由", required_when=f"{field}:refuse"),
    ])  # fmt: skip
    b.xor("Gateway_recheck", "复核意见", w)
    b.script(
        "Script_expired", "补正逾期，不予受理", w,
        'intake_result = "supplement_expired"\nlimit_pause = None',
    )  # fmt: skip
    b.user_task("Task_refusal_notice", "出具不予受理通知书（载明理由及救济途径）", w, [
        Field("refusal_notice_no", "string", "不予受理通知书编号", True),
        Field("appeal_informed", "boolean", "已告知复议、诉讼权利", True),
    ])  # fmt: skip
    b.script("Script_refused", "登记不予受理", w, 'intake_result = "refused"')
    b.end("End_accepted", "已受理", w)
    b.end("End_refused", "不予受理", w)
    b.end("End_expired", "补正逾期", w)
    b.chain("Start_intake", check, "Gateway_intake")
    _accepting(b, "Gateway_intake")
    b.flow("Gateway_intake", notice, condition=f'{field} == "supplement"', name="补正")
    b.default("Gateway_intake", b.flow("Gateway_intake", "Task_refusal_notice", name="不予受理"))
    b.chain(
        notice,
        "Script_supplement_start",
        "Receive_resubmission",
        "Script_supplement_end",
        recheck,
        "Gateway_recheck",
    )
    _accepting(b, "Gateway_recheck")
    b.default("Gateway_recheck", b.flow("Gateway_recheck", "Task_refusal_notice", name="不予受理"))
    b.chain("Timer_supplement_expired", "Script_expired", "End_expired")
    b.chain("Task_refusal_notice", "Script_refused", "End_refused")
    b.flow("Script_accepted", "End_accepted")
    b.flow("Script_pledge", "End_accepted")
    return b


def _accepting(b: ProcessBuilder, gateway: str) -> None:
    """The flows out of a decision gateway (first check or recheck) for the two accepting
    decisions."""
    field = elements.INTAKE_DECISION
    b.flow(gateway, "Script_accepted", condition=f'{field} == "accept"', name="受理")
    b.flow(gateway, "Script_pledge", condition=f'{field} == "accept_with_pledge"', name="容缺受理")
