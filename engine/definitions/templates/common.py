"""The shared call activities every item process is composed of (``processes/bpmn/common/``).

Data contract (set when a case starts): ``item`` (the catalogue entry as plain data,
see ``processes.catalogue.Item.process_data``), ``applicant``, ``channel``, ``via_proxy``.
Each activity documents what it adds to the case data; ``docs/designing-processes.md``
lists them all.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.definitions.builder import Field, ProcessBuilder

PICKUP = "fixed_point:定点接件,home:到户接件,scheduled:定期取件,appointment:预约取件,scheduled_delivery:定期送件"
DELIVERY = "window:窗口领取,home:送件上门,scheduled:定期送达,post:邮寄送达"
# The statutory clock starts at acceptance; the engine shows ``due_on`` as the case's due date.
DUE_ON = (
    'due_on = working_days_after(accepted_on, item["promised_limit"]) if item["limit_unit"] == "working_days" '
    'else calendar_days_after(accepted_on, item["promised_limit"])'
)
RATINGS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")


def _step(step: str, default: int) -> str:
    return f'item["step_limits"].get("{step}", {default})'


def intake() -> ProcessBuilder:
    """受理: accept · accept with pledge (容缺) · one-time supplement notice · refuse.

    Adds ``intake_result`` (accepted | accepted_with_pledge | refused | supplement_expired),
    ``accepted_on``, ``due_on`` (the promised limit counted from acceptance) and for a
    pledge ``pledge_deadline``."""
    b = ProcessBuilder(
        "common_intake",
        "受理（材料审查）",
        lanes={"township_window": "乡镇便民服务中心窗口（A岗）"},
    )
    w = "township_window"
    decision = Field(
        "intake_decision", "enum", "受理意见", True,
        "accept:受理,accept_with_pledge:容缺受理,supplement:一次性告知补正,refuse:不予受理",
    )  # fmt: skip
    b.start("Start_intake", "收到申请材料", w)
    b.user_task("Task_check_materials", "材料审查", w, [
        decision,
        Field("missing_materials", "text", "需补正或容缺的材料", required_when="intake_decision:supplement|accept_with_pledge"),
        Field("pledge_days", "integer", "容缺材料补交期限（工作日）", required_when="intake_decision:accept_with_pledge"),
        Field("refuse_reason", "text", "不予受理理由", required_when="intake_decision:refuse"),
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
    b.user_task("Task_supplement_notice", "出具一次性告知补正通知书", w, [
        Field("supplement_notice_no", "string", "补正通知书编号", True),
    ])  # fmt: skip
    b.receive(
        "Receive_resubmission", "等待申请人补正材料", w, "materials_resubmitted", "resubmission"
    )
    b.boundary_timer(
        "Timer_supplement_expired", "补正期限届满（30日）", "Receive_resubmission",
        "deadline_calendar_days(30)", interrupting=True,
    )  # fmt: skip
    b.user_task("Task_recheck", "补正材料复核", w, [
        Field("intake_decision", "enum", "受理意见", True, "accept:受理,accept_with_pledge:容缺受理,refuse:不予受理"),
        Field("pledge_days", "integer", "容缺材料补交期限（工作日）", required_when="intake_decision:accept_with_pledge"),
        Field("refuse_reason", "text", "不予受理理由", required_when="intake_decision:refuse"),
    ])  # fmt: skip
    b.xor("Gateway_recheck", "复核意见", w)
    b.script("Script_expired", "补正逾期，不予受理", w, 'intake_result = "supplement_expired"')
    b.user_task("Task_refusal_notice", "出具不予受理通知书（载明理由及救济途径）", w, [
        Field("refusal_notice_no", "string", "不予受理通知书编号", True),
        Field("appeal_informed", "boolean", "已告知复议、诉讼权利", True),
    ])  # fmt: skip
    b.script("Script_refused", "登记不予受理", w, 'intake_result = "refused"')
    for end in ("End_accepted", "End_refused", "End_expired"):
        b.end(
            end,
            {"End_accepted": "已受理", "End_refused": "不予受理", "End_expired": "补正逾期"}[end],
            w,
        )
    b.chain("Start_intake", "Task_check_materials", "Gateway_intake")
    b.flow(
        "Gateway_intake", "Script_accepted", condition='intake_decision == "accept"', name="受理"
    )
    b.flow(
        "Gateway_intake",
        "Script_pledge",
        condition='intake_decision == "accept_with_pledge"',
        name="容缺受理",
    )
    b.flow(
        "Gateway_intake",
        "Task_supplement_notice",
        condition='intake_decision == "supplement"',
        name="补正",
    )
    b.default("Gateway_intake", b.flow("Gateway_intake", "Task_refusal_notice", name="不予受理"))
    b.chain("Task_supplement_notice", "Receive_resubmission", "Task_recheck", "Gateway_recheck")
    b.flow(
        "Gateway_recheck", "Script_accepted", condition='intake_decision == "accept"', name="受理"
    )
    b.flow(
        "Gateway_recheck",
        "Script_pledge",
        condition='intake_decision == "accept_with_pledge"',
        name="容缺受理",
    )
    b.default("Gateway_recheck", b.flow("Gateway_recheck", "Task_refusal_notice", name="不予受理"))
    b.chain("Timer_supplement_expired", "Script_expired", "End_expired")
    b.chain("Task_refusal_notice", "Script_refused", "End_refused")
    b.flow("Script_accepted", "End_accepted")
    b.flow("Script_pledge", "End_accepted")
    return b


def pledge() -> ProcessBuilder:
    """容缺承诺跟踪: the missing materials arrive by ``pledge_deadline`` or the case is returned.

    Adds ``pledge_result`` (fulfilled | missed)."""
    w = "township_window"
    b = ProcessBuilder(
        "common_pledge", "容缺受理承诺跟踪", lanes={w: "乡镇便民服务中心窗口（A岗）"}
    )
    b.start("Start_pledge", "容缺受理", w)
    b.receive("Receive_pledge", "等待补交容缺材料", w, "pledge_fulfilled", "pledge_delivery")
    b.boundary_timer(
        "Timer_pledge_deadline",
        "承诺期限届满",
        "Receive_pledge",
        "end_of_day(pledge_deadline)",
        interrupting=True,
    )
    b.user_task(
        "Task_confirm_pledge",
        "核收容缺材料",
        w,
        [Field("pledge_materials_ok", "boolean", "材料齐全有效", True)],
    )
    b.xor("Gateway_pledge_ok", "材料是否有效", w)
    b.script("Script_fulfilled", "承诺已履行", w, 'pledge_result = "fulfilled"')
    b.script("Script_missed", "承诺未履行", w, 'pledge_result = "missed"')
    b.user_task(
        "Task_return_notice",
        "出具退件通知书",
        w,
        [Field("return_notice_no", "string", "退件通知书编号", True)],
    )
    b.end("End_fulfilled", "承诺已履行", w)
    b.end("End_returned", "退办件", w)
    b.chain("Start_pledge", "Receive_pledge", "Task_confirm_pledge", "Gateway_pledge_ok")
    b.flow("Gateway_pledge_ok", "Script_fulfilled", condition="pledge_materials_ok", name="有效")
    b.default("Gateway_pledge_ok", b.flow("Gateway_pledge_ok", "Script_missed", name="无效"))
    b.chain("Timer_pledge_deadline", "Script_missed", "Task_return_notice", "End_returned")
    b.chain("Script_fulfilled", "End_fulfilled")
    return b


def proxy() -> ProcessBuilder:
    """代办: entrustment and receipt, pickup mode, handover to the township within the
    step limit (3 working days; urgent items the same day) with a handover record.

    Adds ``pickup_mode``, ``proxy_received_on``, ``handover_on``, ``village_holding_days``,
    ``handover_late``."""
    a, leader = "village_agent", "township_leader"
    b = ProcessBuilder(
        "common_proxy", "代办（委托、接件、移交）",
        lanes={a: "村（社区）代办员", leader: "乡镇分管领导"},
    )  # fmt: skip
    limit = f'0 if item["urgent"] else {_step("proxy_handover", 3)}'
    b.start("Start_proxy", "群众委托代办", a)
    b.user_task("Task_entrust", "签订委托书、接件并出具回执", a, [
        Field("pickup_mode", "enum", "接件方式", True, PICKUP),
        Field("entrustment_signed", "boolean", "已签订代办委托书", True),
        Field("receipt_no", "string", "代办回执编号", True),
        Field("materials_received", "integer", "接收材料件数", True),
    ])  # fmt: skip
    b.script("Script_received", "登记接件", a, "proxy_received_on = today()")
    b.user_task("Task_handover", "移交乡镇便民服务中心（填写交接单）", a, [
        Field("handover_items", "integer", "移交材料件数", True),
        Field("handover_originals", "integer", "其中原件件数", True),
        Field("received_by", "string", "乡镇接收人", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_handover_late",
        "移交超期",
        "Task_handover",
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
        "Task_entrust",
        "Script_received",
        "Task_handover",
        "Script_handed_over",
        "End_handed_over",
    )
    b.chain("Timer_handover_late", "Task_escalate_handover", "End_escalated")
    return b


def township_review() -> ProcessBuilder:
    """乡镇审核: A-post first review, B-post review, leader approval for licences, optional
    public notice (objections send the case back to review); refusals get a written
    decision within 3 working days.

    Adds ``review_result`` (approved | rejected), ``review_opinion``, ``notice_done``."""
    w, bo, leader = "township_window", "township_backoffice", "township_leader"
    b = ProcessBuilder(
        "common_township_review", "乡镇审核审批",
        lanes={w: "乡镇便民服务中心窗口（A岗）", bo: "后台审核（B岗）", leader: "乡镇分管领导"},
    )  # fmt: skip
    decision = "approve:同意,reject:不同意"
    notice_timer = (
        'deadline_calendar_days(item["public_notice_days"]) if item["public_notice_unit"] == "calendar_days" '
        'else deadline_working_days(item["public_notice_days"])'
    )
    b.start("Start_review", "开始审核", w)
    b.script("Script_init_review", "准备审核", w, "notice_done = False")
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
    b.xor("Gateway_licence", "是否许可事项", bo)
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
        "Receive_objection", "公示期间（受理异议）", w, "public_notice_objection", "objection"
    )
    b.boundary_timer(
        "Timer_notice_end", "公示期满无异议", "Receive_objection", notice_timer, interrupting=True
    )
    b.user_task("Task_objection", "核查公示异议", bo, [
        Field("objection_upheld", "boolean", "异议成立", True),
        Field("objection_finding", "text", "核查结论", True),
    ])  # fmt: skip
    b.xor("Gateway_objection", "异议是否成立", bo)
    b.script("Script_notice_done", "公示完成", w, "notice_done = True")
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
        condition='item["licence"] and review_decision == "approve"',
        name="许可事项",
    )
    b.default("Gateway_licence", b.flow("Gateway_licence", "Gateway_decision"))
    b.chain("Task_leader_approval", "Script_leader", "Gateway_decision")
    b.flow(
        "Gateway_decision", "Task_publish_notice", name="需公示",
        condition='review_decision == "approve" and item["public_notice_days"] > 0 and not notice_done',
    )  # fmt: skip
    b.flow(
        "Gateway_decision", "Script_approved", condition='review_decision == "approve"', name="通过"
    )
    b.default(
        "Gateway_decision", b.flow("Gateway_decision", "Task_refusal_decision", name="不通过")
    )
    b.chain("Task_publish_notice", "Receive_objection", "Task_objection", "Gateway_objection")
    b.chain("Timer_notice_end", "Script_notice_done", "Gateway_decision")
    b.flow(
        "Gateway_objection",
        "Task_backoffice_review",
        condition="objection_upheld",
        name="异议成立，重新审核",
    )
    b.default(
        "Gateway_objection",
        b.flow("Gateway_objection", "Receive_objection", name="异议不成立，重新公示"),
    )
    b.chain("Script_approved", "End_approved")
    b.chain("Task_refusal_decision", "Script_rejected", "End_rejected")
    b.chain("Timer_refusal_late", "Task_refusal_late", "End_refusal_late")
    return b


def county_handoff() -> ProcessBuilder:
    """转县级部门: handover record, the county decides by task or by callback message
    (``county_decision`` with ``{"approved": bool, "opinion": str, "document_no": str}``),
    a chase when the step limit passes.

    Adds ``county_sent_on``, ``county_approved``, ``county_decision``, ``county_opinion``."""
    w, c = "township_window", "county_officer"
    b = ProcessBuilder(
        "common_county_handoff", "转县级部门办理",
        lanes={w: "乡镇便民服务中心窗口（A岗）", c: "县级部门经办人"},
    )  # fmt: skip
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
        "county_decision",
        "county_callback",
    )
    b.boundary_timer(
        "Timer_county_late", "县级办理超期", "Task_county_decision",
        f"deadline_working_days({_step('county_decision', 10)})", interrupting=False,
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


def result_delivery() -> ProcessBuilder:
    """结果送达: window pickup · home delivery · scheduled delivery · post; the resident
    signs the completion slip (办结单). Adds ``delivery_mode``, ``delivered_on``."""
    w, a, m = "township_window", "village_agent", "mobile_agent"
    b = ProcessBuilder(
        "common_result_delivery", "办结与结果送达",
        lanes={w: "乡镇便民服务中心窗口（A岗）", a: "村（社区）代办员", m: "流动代办员"},
    )  # fmt: skip
    signed = [
        Field("slip_signed", "boolean", "申请人已签收办结单", True),
        Field("received_by", "string", "签收人", True),
    ]
    b.start("Start_delivery", "办结", w)
    b.user_task("Task_prepare_result", "制作结果文书并确定送达方式", w, [
        Field("delivery_mode", "enum", "送达方式", True, DELIVERY),
        Field("result_document_no", "string", "结果文书编号"),
    ])  # fmt: skip
    b.xor("Gateway_delivery", "送达方式", w)
    b.user_task("Task_window_pickup", "窗口领取", w, signed)
    b.user_task("Task_home_delivery", "代办员送件上门", a, signed)
    b.user_task("Task_scheduled_delivery", "流动代办岗定期送达", m, signed)
    b.user_task("Task_post", "邮寄送达", w, [Field("tracking_no", "string", "邮件单号", True)])
    b.script("Script_delivered", "登记送达", w, "delivered_on = today()")
    b.end("End_delivered", "已送达", w)
    b.chain("Start_delivery", "Task_prepare_result", "Gateway_delivery")
    b.flow(
        "Gateway_delivery",
        "Task_home_delivery",
        condition='delivery_mode == "home"',
        name="送件上门",
    )
    b.flow(
        "Gateway_delivery",
        "Task_scheduled_delivery",
        condition='delivery_mode == "scheduled"',
        name="定期送达",
    )
    b.flow("Gateway_delivery", "Task_post", condition='delivery_mode == "post"', name="邮寄")
    b.default("Gateway_delivery", b.flow("Gateway_delivery", "Task_window_pickup", name="窗口领取"))
    for task in (
        "Task_window_pickup",
        "Task_home_delivery",
        "Task_scheduled_delivery",
        "Task_post",
    ):
        b.flow(task, "Script_delivered")
    b.chain("Script_delivered", "End_delivered")
    return b


def evaluation() -> ProcessBuilder:
    """好差评: the resident rates (message ``rating`` with ``{"level": ..., "comment": ...}``,
    levels very_satisfied · satisfied · basic · dissatisfied · very_dissatisfied); an
    unrated case gets an invitation after 3 days; a bad rating is called back and
    rectified within 15 working days. Adds ``rating``, ``rating_invited``, ``rectified``."""
    w, leader, s = "township_window", "township_leader", "supervisor"
    b = ProcessBuilder(
        "common_evaluation", "好差评",
        lanes={w: "乡镇便民服务中心窗口（A岗）", leader: "乡镇分管领导", s: "效能监督"},
    )  # fmt: skip
    levels = ", ".join(f'"{level}"' for level in RATINGS)
    b.start("Start_evaluation", "邀请评价", w)
    b.script(
        "Script_init_rating",
        "等待评价",
        w,
        'rating = "none"\nrating_invited = False\nrectified = False',
    )
    b.receive("Receive_rating", "等待评价", w, "rating", "rating_input")
    b.boundary_timer(
        "Timer_invite",
        "3日未评价",
        "Receive_rating",
        '"P3D"',
        interrupting=True,
        kind="timeDuration",
    )
    b.script("Script_invite", "自动发送评价邀请", w, "rating_invited = True")
    b.receive("Receive_rating_invited", "等待评价（已邀请）", w, "rating", "rating_input")
    b.boundary_timer(
        "Timer_rating_closed",
        "评价期结束",
        "Receive_rating_invited",
        '"P15D"',
        interrupting=True,
        kind="timeDuration",
    )
    b.script(
        "Script_rating", "登记评价", w,
        f'level = rating_input.get("level")\nrating = level if level in [{levels}] else "invalid"\n'
        'rating_comment = rating_input.get("comment", "")',
    )  # fmt: skip
    b.xor("Gateway_bad", "是否差评", w)
    b.user_task("Task_rectify", "差评回访与整改", leader, [
        Field("callback_done", "boolean", "已回访申请人", True),
        Field("rectification", "text", "整改情况", True),
        Field("rating_disputed", "boolean", "申请复核（误评）"),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_rectify_late",
        "15个工作日未整改",
        "Task_rectify",
        "deadline_working_days(15)",
        interrupting=False,
    )
    b.user_task(
        "Task_rectify_late",
        "差评整改超期督办",
        s,
        [Field("supervision_note", "text", "督办意见", True)],
    )
    b.script("Script_rectified", "整改完成", leader, "rectified = True")
    b.end("End_rated", "评价完成", w)
    b.end("End_unrated", "未评价", w)
    b.end("End_rectified", "整改完成", leader, terminate=True)
    b.end("End_rectify_late", "督办完成", s)
    b.chain(
        "Start_evaluation", "Script_init_rating", "Receive_rating", "Script_rating", "Gateway_bad"
    )
    b.chain("Timer_invite", "Script_invite", "Receive_rating_invited", "Script_rating")
    b.chain("Timer_rating_closed", "End_unrated")
    b.flow(
        "Gateway_bad",
        "Task_rectify",
        condition='rating in ["dissatisfied", "very_dissatisfied"]',
        name="差评",
    )
    b.default("Gateway_bad", b.flow("Gateway_bad", "End_rated", name="好评"))
    b.chain("Task_rectify", "Script_rectified", "End_rectified")
    b.chain("Timer_rectify_late", "Task_rectify_late", "End_rectify_late")
    return b


def enforcement() -> ProcessBuilder:
    """综合行政执法: 立案 → 调查 → 告知 (right to be heard) → 决定 → 送达 → 执行 → 结案.

    Hearing requests arrive as message ``hearing_requested``. Adds ``enforcement_result``."""
    o, leader = "township_backoffice", "township_leader"
    b = ProcessBuilder(
        "common_enforcement", "综合行政执法",
        lanes={o: "乡镇综合执法人员", leader: "乡镇分管领导"},
    )  # fmt: skip
    b.start("Start_enforcement", "发现违法线索", o)
    b.user_task("Task_file", "立案审批", leader, [
        Field("filing", "enum", "立案意见", True, "file:立案,dismiss:不予立案"),
        Field("filing_reason", "text", "理由", True),
    ])  # fmt: skip
    b.xor("Gateway_file", "是否立案", leader)
    b.user_task("Task_investigate", "调查取证", o, [
        Field("facts", "text", "违法事实", True),
        Field("evidence_count", "integer", "证据件数", True),
        Field("violation_found", "boolean", "违法事实成立", True),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_investigation_late", "调查超期", "Task_investigate",
        f"deadline_working_days({_step('investigation', 30)})", interrupting=False,
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
        "Receive_hearing", "等待陈述申辩或听证申请", o, "hearing_requested", "hearing_request"
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
        Field("penalty_amount", "number", "罚款金额（元）"),
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
    b.flow("Gateway_file", "Task_investigate", condition='filing == "file"', name="立案")
    b.default("Gateway_file", b.flow("Gateway_file", "Script_dismissed", name="不予立案"))
    b.chain("Script_dismissed", "End_dismissed")
    b.chain("Task_investigate", "Gateway_violation")
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


COMMON: dict[str, Callable[[], ProcessBuilder]] = {
    "common_intake": intake,
    "common_pledge": pledge,
    "common_proxy": proxy,
    "common_township_review": township_review,
    "common_county_handoff": county_handoff,
    "common_result_delivery": result_delivery,
    "common_evaluation": evaluation,
    "common_enforcement": enforcement,
}
