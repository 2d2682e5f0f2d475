"""转县级部门 (``common_county_handoff``): a county department decides, by task or by callback
— one route per case, never both."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import COUNTY, HOSPITAL, WINDOW, lanes
from engine.design.templates.limits import step_limit

# The route the item's department chose (catalogue ``county_decision``, in the case data
# as ``item["county_decision"]``); anything but "callback" is the decision task.
BY_CALLBACK = 'item.get("county_decision", "task") == "callback"'


# The county reviews the township's materials and visits a sample of households before it
# decides (``county_spot_check``: 低保, 民发〔2021〕57号); it may send the case back.
SPOT_CHECK = '"county_spot_check" in item["special_steps"]'


# 残疾人证: 县残联 issues the assessment form, the designated hospital serving the case's
# township assesses (its doctor fills the assessment in daiban), then the 残联 reviews it
# and makes the card (the decision).
ASSESSMENT = f'"{elements.ASSESSMENT_STEP}" in item["special_steps"]'
ASSESSMENT_RESULTS = "disabled:符合残疾标准,not_disabled:不符合残疾标准"


def county_handoff() -> ProcessBuilder:
    """转县级部门: handover record, then the county decides on the route of the item's
    department: its officer works the decision task in daiban (``task``, the default), or
    its own system posts the message ``county_decision`` with ``{"approved": bool,
    "opinion": str, "document_no": str}`` (``callback``); a case waits for one of them
    only. On either route the window chases the county when the step limit passes.

    An item with ``county_spot_check`` is first reviewed by the county, which records
    whether the household was in its sample for a visit (入户抽查) and may send the case
    back to the township (``county_returned``; the item's process returns to the
    household survey). An item with ``disability_assessment`` (残疾人证) then has the
    assessment form issued by the county and the assessment done by a doctor of the
    designated hospital serving the case's township (lane ``assessment_doctor``) before
    the decision (审核制证).

    Adds ``county_sent_on``, ``county_returned``, ``county_approved``, ``county_decision``,
    ``county_opinion``, ``county_decided_on``."""
    w, c, h = WINDOW, COUNTY, HOSPITAL
    decision = elements.COUNTY_DECISION_TASK.task
    callback = elements.COUNTY_CALLBACK.task
    route = elements.COUNTY_ROUTE.task
    chase = elements.COUNTY_CHASE.task
    limit = f"deadline_working_days({step_limit('county_decision', 10)})"
    b = ProcessBuilder(elements.COUNTY_HANDOFF, "转县级部门办理", lanes=lanes(w, c, h))
    b.start("Start_handoff", "转县级部门", w)
    b.user_task(elements.COUNTY_HANDOVER.task, "填写县级转办交接单", w, [
        Field("handover_items", "integer", "移交材料件数", True),
        Field("first_review_opinion", "text", "乡镇初审意见", True),
    ])  # fmt: skip
    b.script("Script_sent", "登记转办", w, "county_sent_on = today()\ncounty_returned = False")
    spot = elements.COUNTY_SPOT_CHECK.task
    b.xor("Gateway_spot_check", "是否县级审查抽查", c)
    b.user_task(spot, "县级审查与入户抽查", c, [
        Field("spot_sampled", "boolean", "列入入户抽查样本", True),
        Field("spot_check_result", "enum", "审查抽查结论", True,
              "confirmed:审查无误,returned:退回乡镇重新调查核实"),
        Field("spot_check_note", "text", "退回理由", required_when="spot_check_result:returned"),
    ])  # fmt: skip
    b.xor("Gateway_spot_result", "审查抽查结论", c)
    b.xor("Gateway_assessment", "是否需残疾评定", c)
    b.user_task(elements.ASSESSMENT_FORM.task, "发放《残疾评定表》", c, [
        Field("assessment_form_no", "string", "《残疾评定表》编号", True),
        Field("applicant_told", "boolean", "已告知申请人持表到定点医院评定", True),
    ])  # fmt: skip
    # the designated hospital serving the case's township (routing ``assessment``) assesses
    disabled = "assessment_result:disabled"
    b.user_task(elements.DISABILITY_ASSESSMENT.task, "残疾评定（定点医院）", h, [
        Field("assessment_result", "enum", "评定结论", True, ASSESSMENT_RESULTS),
        Field("disability_category", "enum", "残疾类别", required_when=disabled,
              values="vision:视力,hearing:听力,speech:言语,physical:肢体,intellectual:智力,mental:精神,multiple:多重"),
        Field("disability_level", "enum", "残疾等级", required_when=disabled,
              values="1:一级,2:二级,3:三级,4:四级"),
        Field("assessed_on", "date", "评定日期", True),
        Field("assessing_doctor", "string", "评定医生", True),
        Field("assessment_opinion", "text", "评定意见", True),
    ])  # fmt: skip
    b.script("Script_returned", "登记退回", c, "county_returned = True")
    b.end("End_returned", "退回乡镇", c, terminate=True)
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
    b.chain("Start_handoff", elements.COUNTY_HANDOVER.task, "Script_sent", "Gateway_spot_check")
    b.flow("Gateway_spot_check", spot, condition=SPOT_CHECK, name="审查抽查")
    b.flow("Gateway_spot_check", "Gateway_assessment")  # the default
    b.chain(spot, "Gateway_spot_result")
    b.flow(
        "Gateway_spot_result",
        "Script_returned",
        condition='spot_check_result == "returned"',
        name="退回",
    )
    b.flow("Gateway_spot_result", "Gateway_assessment", name="审查无误")  # the default
    b.chain("Script_returned", "End_returned")
    form, assessment = elements.ASSESSMENT_FORM.task, elements.DISABILITY_ASSESSMENT.task
    b.flow("Gateway_assessment", form, condition=ASSESSMENT, name="残疾评定")
    b.flow("Gateway_assessment", route)  # the default
    b.chain(form, assessment, route)
    b.flow(route, callback, condition=BY_CALLBACK, name="县级系统回传")
    b.flow(route, decision, name="县级部门在 daiban 办理")  # the default
    b.chain(decision, "Script_from_task", "End_decided")
    b.chain(callback, "Script_from_callback", "End_decided")
    b.chain("Timer_county_late", chase)
    b.chain("Timer_county_callback_late", chase)
    b.flow(chase, "End_chased")
    return b
