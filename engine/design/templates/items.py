"""Scaffolding an item's process from its catalogue entry (``daiban scaffold ITEM_CODE``).

An item process is the shared call activities in the order the item needs (proxy
handling when the case came through an agent, intake, pledge tracking, the item's own
statutory steps, township review unless the county decides alone, county handoff for
T->C and C items, result delivery, evaluation), or the enforcement family for cases
opened by staff. The generated file is a starting point a designer may edit.
``docs/item-steps.md`` and the "Statutory steps" table of ``docs/designing-processes.md``
describe the statutory steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import AGENT, COUNTY, LANE_LABELS, LEADER
from engine.design.templates.lanes import BACKOFFICE as BO
from engine.design.templates.lanes import WINDOW as W
from engine.labels import LIMIT_UNITS
from processes.catalogue import Item


@dataclass(frozen=True)
class StepForm:
    """Who does a statutory step (its lane) and what they record; its task's id and name
    are the element contract's (``engine.elements.SPECIAL_STEPS``)."""

    lane: str
    fields: tuple[Field, ...]


STEP_FORMS: dict[str, StepForm] = {
    "household_survey": StepForm(BO, (
        Field("survey_done", "boolean", "已入户调查", True),
        Field("household_income", "number", "家庭月人均收入（元）", True, min="0"),
        Field("survey_record", "text", "调查记录", True),
    )),
    # 家庭经济状况核对: the county's checking agency (核对机构) compares the household's
    # declared income and property with the records of the 核对平台, at the township's request.
    "income_check": StepForm(COUNTY, (
        Field("check_report_no", "string", "核对报告编号", True),
        Field("check_conclusion", "enum", "核对结论", True,
              "match:与申报一致,mismatch:发现未申报的收入或财产"),
        Field("check_note", "text", "核对说明", required_when="check_conclusion:mismatch"),
    )),
    # 临时救助: the kind of help and the amount the back office proposes; over the amount the
    # county allows the township to approve, the county civil-affairs bureau decides.
    "relief_assessment": StepForm(BO, (
        Field("relief_kind", "enum", "救助类型", True, "urgent:急难型,expense:支出型"),
        Field("relief_amount", "number", "拟救助金额（元）", True, min="0"),
        Field("over_township_limit", "boolean", "超出乡镇审批额度（报县民政局审批）", True),
    )),
    "damage_assessment": StepForm(BO, (
        Field("damage_level", "enum", "受灾程度", True, "severe:严重,moderate:一般,light:轻微"),
        Field("affected_persons", "integer", "受灾人数", True, min="0"),
    )),
    "site_survey": StepForm(BO, (
        Field("site_ok", "boolean", "现场符合条件", True),
        Field("survey_record", "text", "踏勘记录", True),
    )),
    "joint_review": StepForm(BO, (
        Field("joint_ok", "boolean", "联审通过", True),
        Field("joint_opinion", "text", "联审意见", True),
    )),
    "democratic_review": StepForm(AGENT, (
        Field("review_held", "boolean", "已召开民主评议会", True),
        Field("democratic_result", "enum", "评议结果", True, "pass:通过,fail:未通过"),
        Field("attendees", "integer", "参会人数", True, min="1"),
    )),
    # 宅基地: the township issues the 乡村建设规划许可证 with the approval (one application
    # form, one decision), then sets the site out on the ground (丈量批放).
    "planning_permit": StepForm(BO, (
        Field("permit_no", "string", "乡村建设规划许可证编号", True),
        Field("permit_area", "number", "批准建筑面积（平方米）", True, min="0"),
        Field("linked_case", "string", "关联的乡村建设规划许可办件编号（另行申请的）"),
    )),
    "site_setout": StepForm(BO, (
        Field("setout_done", "boolean", "已到场丈量批放，确定建房位置", True),
        Field("setout_area", "number", "批放用地面积（平方米）", True, min="0"),
        Field("setout_record", "text", "四至及定点放线记录", True),
    )),
    # 专家评审 (the county department that decides organises it, before its decision) and
    # 检测 (the township has the discharge sampled and tested by a qualified laboratory):
    # the time they take, announced to the applicant in writing, is not counted in the
    # limit (《行政许可法》第四十五条). The first form starts the excluded period, the result
    # form (PERIOD_FORMS) ends it.
    "expert_review": StepForm(COUNTY, (
        Field("expert_panel", "string", "评审专家组（人数、专业）", True),
        Field("period_days", "integer", "评审所需时间（工作日）", True, min="1", max="60"),
        Field("period_informed", "boolean", "已将所需时间书面告知申请人", True),
    )),
    "testing": StepForm(BO, (
        Field("testing_agency", "string", "检测机构（具备资质认定）", True),
        Field("sample_no", "string", "样品编号", True),
        Field("period_days", "integer", "检测所需时间（工作日）", True, min="1", max="60"),
        Field("period_informed", "boolean", "已将所需时间书面告知申请人", True),
    )),
}  # fmt: skip
PERIOD_FORMS: dict[str, StepForm] = {
    "expert_review": StepForm(COUNTY, (
        Field("expert_conclusion", "enum", "专家评审结论", True,
              "pass:通过,revise:修改完善后通过,fail:不通过"),
        Field("expert_opinion", "text", "专家评审意见", True),
    )),
    "testing": StepForm(BO, (
        Field("testing_report_no", "string", "检测报告编号", True),
        Field("testing_conclusion", "enum", "检测结论", True, "pass:符合排放标准,fail:不符合排放标准"),
        Field("testing_note", "text", "检测说明", required_when="testing_conclusion:fail"),
    )),
}  # fmt: skip
# Steps after the township review (its approval, or its opinion for the level that
# decides), in this order.
AFTER_APPROVAL = ("expert_review", "planning_permit", "site_setout")
# The optional democratic review (``democratic_review_optional``) shares the compulsory
# one's task and form; the household survey then says whether it is needed.
STEP_FORMS["democratic_review_optional"] = STEP_FORMS["democratic_review"]
REVIEW_NEEDED = Field("review_needed", "boolean", "调查结果存疑，需组织民主评议", True)
STEP_ORDER = (
    "household_survey",
    "income_check",
    "relief_assessment",
    "damage_assessment",
    "site_survey",
    "testing",
    "joint_review",
    "democratic_review",
    "democratic_review_optional",
)
DEMOCRATIC_REVIEWS = ("democratic_review", "democratic_review_optional")


def item_process(item: Item) -> ProcessBuilder:
    if item.initiated_by == "staff":
        return _enforcement_item(item)
    if item.batch is not None:
        return _batch_item(item)
    return _applicant_item(item)


def _builder(item: Item, lanes: list[str]) -> ProcessBuilder:
    unit = LIMIT_UNITS[item.limit_unit]
    limit = "即办件" if item.on_the_spot else f"承诺时限 {item.promised_limit} 个{unit}"
    if item.batch is not None:
        limit = "年度发放清册，每村每年一份"
    documentation = (
        f"{item.code} {item.name}（{item.department}；{item.type_name}；{limit}；"
        f"办理层级 {item.decided_at}）"
    )
    return ProcessBuilder(
        item.process_id, item.name, documentation, {lane: LANE_LABELS[lane] for lane in lanes}
    )


def _enforcement_item(item: Item) -> ProcessBuilder:
    b = _builder(item, [BO])
    if item.type == "inspection":
        b.start("Start_item", "启动检查", BO)
        b.call("Call_inspection", "行政检查程序", BO, elements.INSPECTION)
        b.end("End_item", "检查结束", BO)
        b.chain("Start_item", "Call_inspection", "End_item")
        return b
    b.start("Start_item", "发现违法线索", BO)
    b.call("Call_enforcement", "综合行政执法程序", BO, elements.ENFORCEMENT)
    b.end("End_item", "结案", BO)
    b.chain("Start_item", "Call_enforcement", "End_item")
    return b


def _batch_item(item: Item) -> ProcessBuilder:
    """A yearly payout list (年度发放清册): one case per village and year (engine.batch)."""
    b = _builder(item, [AGENT])
    b.start("Start_item", "村级编制年度清册", AGENT)
    b.call("Call_batch_payout", "年度发放清册（编制、审核、公示、审批、发放、公布）", AGENT,
           elements.BATCH_PAYOUT)  # fmt: skip
    b.end("End_item", "办结", AGENT)
    b.chain("Start_item", "Call_batch_payout", "End_item")
    return b


def _applicant_item(item: Item) -> ProcessBuilder:
    steps = item.special_steps
    if all(review in steps for review in DEMOCRATIC_REVIEWS):
        raise ValueError(f"{item.code}: democratic_review is compulsory or optional, not both")
    special = [step for step in STEP_ORDER if step in steps]
    lanes = [W]
    if item.proxy_allowed:
        lanes.append(AGENT)
    after = [step for step in AFTER_APPROVAL if step in steps]
    for lane in (STEP_FORMS[s].lane for s in (*special, *after)):
        if lane not in lanes:
            lanes.append(lane)
    leads = "emergency_relief" in steps or any(s in steps for s in DEMOCRATIC_REVIEWS)
    if leads and LEADER not in lanes:
        lanes.append(LEADER)
    b = _builder(item, lanes)
    first = AGENT if item.proxy_allowed else W
    b.start("Start_item", "群众申请", first)
    current = "Start_item"
    if item.proxy_allowed:
        current = _proxy(b, current)
    if "emergency_relief" in steps:
        current = _emergency(b, current)
    current = _intake(b, current)
    if item.on_the_spot:
        on_the_spot = elements.ON_THE_SPOT.task
        b.user_task(
            on_the_spot,
            "当场办结",
            W,
            [Field("handled_on_the_spot", "boolean", "已当场办结", True)],
        )
        b.flow(current, on_the_spot)
        current = on_the_spot
    else:
        for step in special:
            if step in DEMOCRATIC_REVIEWS:
                current = _democratic_review(b, current, optional=step != "democratic_review")
                continue
            if step in elements.PERIOD_RESULTS:
                current = _period_step(b, current, step)
                continue
            fields = STEP_FORMS[step].fields
            if step == "household_survey" and "democratic_review_optional" in steps:
                fields = (*fields, REVIEW_NEEDED)
            current = _task(b, current, step, fields)
        if item.township_reviews:
            current = _review(b, current, paperwork="emergency_relief" in steps)
        for step in after:
            if step in elements.PERIOD_RESULTS:
                current = _period_step(b, current, step)
                continue
            current = _task(b, current, step, STEP_FORMS[step].fields)
        if item.county_decides or "county_over_limit" in steps:
            current = _county(b, current, item)
        else:
            current = _handoff(b, item, current)
    b.call("Call_delivery", "办结与结果送达", W, elements.RESULT_DELIVERY)
    b.call("Call_evaluation", "好差评", W, elements.EVALUATION)
    b.end("End_item", "办结", W)
    b.flow(current, "Call_delivery")
    b.chain("Call_delivery", "Call_evaluation", "End_item")
    return b


def _task(b: ProcessBuilder, current: str, step: str, fields: tuple[Field, ...]) -> str:
    """The task of a statutory step, after ``current``."""
    task = elements.SPECIAL_STEPS[step]
    b.user_task(task.task, task.name, STEP_FORMS[step].lane, fields)
    b.flow(current, task.task)
    return task.task


def _period_step(b: ProcessBuilder, current: str, step: str) -> str:
    """A step whose time is an excluded period (``engine.periods``; the step's name is the
    period's): the case is sent out with the time it needs (its planned last day caps
    the excluded days), and the period ends when the result is recorded; an item that
    excludes the period has its ``due_on`` moved then."""
    task, result = elements.SPECIAL_STEPS[step], elements.PERIOD_RESULTS[step]
    lane = STEP_FORMS[step].lane
    _task(b, current, step, STEP_FORMS[step].fields)
    start, end = f"Script_{step}_start", f"Script_{step}_end"
    b.script(
        start, "开始计时中止（所需时间不计入办理时限）", lane,
        f"{step}_until = working_days_after(today(), period_days)\n"
        f'limit_pause = pause_limit("{step}", {step}_until, None)',
    )  # fmt: skip
    b.user_task(result.task, result.name, lane, PERIOD_FORMS[step].fields)
    b.script(
        end, "恢复计时（顺延办结期限）", lane,
        "limit_period = resume_limit(limit_pause, due_on, item)\n"
        'due_on = limit_period["due_after"] if limit_period else due_on\n'
        "limit_pause = None",
    )  # fmt: skip
    b.chain(task.task, start, result.task, end)
    return end


def _county(b: ProcessBuilder, current: str, item: Item) -> str:
    """The county department's part: always for T->C and C items; for an item the township
    decides up to an amount (``county_over_limit``), only when the review found the case
    over it. A case the county's spot check sends back (``county_spot_check``) goes back
    to the household survey."""
    b.call("Call_county_handoff", "转县级部门办理", W, elements.COUNTY_HANDOFF)
    if "county_over_limit" in item.special_steps:
        b.xor("Gateway_over_limit", "是否超出乡镇审批额度", W)
        b.xor("Gateway_over_limit_done", "", W)
        b.flow(current, "Gateway_over_limit")
        b.flow(
            "Gateway_over_limit",
            "Call_county_handoff",
            condition="over_township_limit",
            name="超出额度，报县审批",
        )
        b.default(
            "Gateway_over_limit",
            b.flow("Gateway_over_limit", "Gateway_over_limit_done", name="乡镇额度内"),
        )
        b.flow("Call_county_handoff", "Gateway_over_limit_done")
        current = "Gateway_over_limit_done"
    else:
        b.flow(current, "Call_county_handoff")
        current = "Call_county_handoff"
    if "county_spot_check" in item.special_steps:
        survey = elements.SPECIAL_STEPS["household_survey"].task
        if "household_survey" not in item.special_steps:
            raise ValueError(f"{item.code}: county_spot_check needs household_survey")
        b.xor("Gateway_spot_returned", "县级抽查是否退回", W)
        b.flow(current, "Gateway_spot_returned")
        b.flow(
            "Gateway_spot_returned", survey, condition="county_returned", name="抽查退回，重新调查"
        )
        current = "Gateway_spot_returned"  # the next flow out of it becomes its default
    return current


def _democratic_review(b: ProcessBuilder, current: str, *, optional: bool) -> str:
    """村（居）民主评议, and the route of a failed vote: the township decides, with its
    reasons, to go on with the review or to refuse (a written decision that tells the
    applicant of its rights to appeal). ``optional``: held only when the household survey
    leaves doubt (``review_needed``)."""
    task, form = elements.SPECIAL_STEPS["democratic_review"], STEP_FORMS["democratic_review"]
    b.user_task(task.task, task.name, form.lane, form.fields)
    b.xor("Gateway_vote", "评议结果", form.lane)
    b.user_task("Task_vote_failed", "评议未通过：乡镇研究决定", LEADER, [
        Field("vote_decision", "enum", "乡镇决定", True, "continue:经核实符合条件，继续审核,refuse:不予通过"),
        Field("vote_reason", "text", "决定理由", True),
    ])  # fmt: skip
    b.xor("Gateway_vote_decision", "乡镇决定", LEADER)
    b.user_task("Task_vote_refusal", "出具不予通过决定书", W, [
        Field("refusal_reason", "text", "不予通过理由", True),
        Field("appeal_informed", "boolean", "已告知复议、诉讼权利", True),
    ])  # fmt: skip
    b.end("End_vote_refused", "不予通过", W, terminate=True)
    b.xor("Gateway_vote_done", "", W)
    if optional:
        b.xor("Gateway_democratic_review", "是否组织民主评议", W)
        b.flow(current, "Gateway_democratic_review")
        b.flow("Gateway_democratic_review", task.task, condition="review_needed", name="调查存疑")
        b.default(
            "Gateway_democratic_review",
            b.flow("Gateway_democratic_review", "Gateway_vote_done", name="调查清楚，不评议"),
        )
    else:
        b.flow(current, task.task)
    b.flow(task.task, "Gateway_vote")
    b.flow(
        "Gateway_vote", "Task_vote_failed", condition='democratic_result == "fail"', name="未通过"
    )
    b.default("Gateway_vote", b.flow("Gateway_vote", "Gateway_vote_done", name="通过"))
    b.flow("Task_vote_failed", "Gateway_vote_decision")
    b.flow(
        "Gateway_vote_decision",
        "Task_vote_refusal",
        condition='vote_decision == "refuse"',
        name="不予通过",
    )
    b.default(
        "Gateway_vote_decision",
        b.flow("Gateway_vote_decision", "Gateway_vote_done", name="继续审核"),
    )
    b.chain("Task_vote_refusal", "End_vote_refused")
    return "Gateway_vote_done"


# Who decides after the township: the call activity that hands the case over.
HANDOFFS = (
    ("county_decides", "Call_county_handoff", "转县级部门办理", elements.COUNTY_HANDOFF),
    ("station_decides", "Call_station_handoff", "转基层站所办理", elements.STATION_HANDOFF),
    (
        "province_decides",
        "Call_province_handoff",
        "县级初审、报省级决定",
        elements.PROVINCE_HANDOFF,
    ),
)


def _handoff(b: ProcessBuilder, item: Item, current: str) -> str:
    for decides, node, name, called in HANDOFFS:
        if getattr(item, decides):
            b.call(node, name, W, called)
            b.flow(current, node)
            return node
    return current


def _proxy(b: ProcessBuilder, current: str) -> str:
    b.xor("Gateway_via_proxy", "是否代办", AGENT)
    b.call("Call_proxy", "代办（委托、接件、移交）", AGENT, elements.PROXY)
    b.xor("Gateway_proxy_done", "", W)
    b.flow(current, "Gateway_via_proxy")
    b.flow("Gateway_via_proxy", "Call_proxy", condition="via_proxy", name="代办")
    b.default(
        "Gateway_via_proxy", b.flow("Gateway_via_proxy", "Gateway_proxy_done", name="本人到窗口")
    )
    b.flow("Call_proxy", "Gateway_proxy_done")
    return "Gateway_proxy_done"


def _emergency(b: ProcessBuilder, current: str) -> str:
    """急难情形：48 小时内先行救助，再补办手续。"""
    relief = elements.EMERGENCY_RELIEF.task
    b.xor("Gateway_emergency", "是否急难情形", W)
    b.user_task(relief, "先行救助（48小时内）", W, [
        Field("relief_given", "boolean", "已发放先行救助", True),
        Field("relief_amount", "number", "救助金额（元）", True, min="0"),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_emergency_late",
        "48小时未救助",
        relief,
        '"PT48H"',
        interrupting=False,
        kind="timeDuration",
    )
    b.user_task(
        "Task_emergency_late",
        "先行救助超时督办",
        LEADER,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.end("End_emergency_late", "督办完成", LEADER)
    b.script(
        "Script_paperwork_due", "登记补办手续期限（5个工作日）", W,
        "relief_given_on = today()\npaperwork_due = deadline_working_days(5)",
    )  # fmt: skip
    b.xor("Gateway_emergency_done", "", W)
    b.flow(current, "Gateway_emergency")
    b.flow("Gateway_emergency", relief, condition="emergency", name="急难情形")
    b.default(
        "Gateway_emergency", b.flow("Gateway_emergency", "Gateway_emergency_done", name="一般情形")
    )
    b.chain(relief, "Script_paperwork_due", "Gateway_emergency_done")
    b.chain("Timer_emergency_late", "Task_emergency_late", "End_emergency_late")
    return "Gateway_emergency_done"


def _intake(b: ProcessBuilder, current: str) -> str:
    b.call("Call_intake", "受理", W, elements.INTAKE)
    b.xor("Gateway_accepted", "是否受理", W)
    b.end("End_not_accepted", "未受理", W)
    b.parallel("Gateway_pledge_split", "容缺受理：同时跟踪补交材料", W)
    b.call("Call_pledge", "容缺承诺跟踪", W, elements.PLEDGE)
    b.xor("Gateway_pledge_result", "承诺是否履行", W)
    b.end("End_returned", "未按承诺补交材料，退办件", W, terminate=True)
    b.end("End_pledge_kept", "承诺已履行", W)
    b.xor("Gateway_accepted_merge", "", W)
    b.chain(current, "Call_intake", "Gateway_accepted")
    b.flow(
        "Gateway_accepted",
        "End_not_accepted",
        condition='intake_result in ["refused", "supplement_expired"]',
        name="未受理",
    )
    b.flow(
        "Gateway_accepted",
        "Gateway_pledge_split",
        condition='intake_result == "accepted_with_pledge"',
        name="容缺受理",
    )
    b.default("Gateway_accepted", b.flow("Gateway_accepted", "Gateway_accepted_merge", name="受理"))
    b.flow("Gateway_pledge_split", "Call_pledge")
    b.flow("Gateway_pledge_split", "Gateway_accepted_merge")
    b.chain("Call_pledge", "Gateway_pledge_result")
    b.flow(
        "Gateway_pledge_result",
        "End_returned",
        condition='pledge_result == "missed"',
        name="未履行",
    )
    b.default(
        "Gateway_pledge_result", b.flow("Gateway_pledge_result", "End_pledge_kept", name="已履行")
    )
    return "Gateway_accepted_merge"


def _review(b: ProcessBuilder, current: str, *, paperwork: bool = False) -> str:
    """乡镇审核审批. ``paperwork``: after 先行救助 the review completes the paperwork, due
    within 5 working days of the help (``paperwork_due``); a case still under review then
    goes to the leader as a warning (督办), the review going on."""
    b.call("Call_review", "乡镇审核审批", W, elements.TOWNSHIP_REVIEW)
    b.xor("Gateway_reviewed", "审核结果", W)
    b.end("End_rejected", "不予通过", W)
    if paperwork:
        b.call("Call_review_paperwork", "先行救助后补办审核审批手续", W, elements.TOWNSHIP_REVIEW)
        b.boundary_timer(
            "Timer_paperwork_late", "5个工作日内未补齐手续", "Call_review_paperwork",
            "paperwork_due", interrupting=False,
        )  # fmt: skip
        b.user_task(
            elements.PAPERWORK_LATE.task,
            "先行救助补办手续超期督办",
            LEADER,
            [Field("escalation_note", "text", "督办意见", True)],
        )
        b.end("End_paperwork_late", "督办完成", LEADER)
        b.xor("Gateway_paperwork", "是否已先行救助", W)
        b.flow(current, "Gateway_paperwork")
        b.flow(
            "Gateway_paperwork", "Call_review_paperwork", condition="emergency", name="已先行救助"
        )
        b.default("Gateway_paperwork", b.flow("Gateway_paperwork", "Call_review", name="一般情形"))
        b.flow("Call_review_paperwork", "Gateway_reviewed")
        b.chain("Timer_paperwork_late", elements.PAPERWORK_LATE.task, "End_paperwork_late")
        current = "Gateway_paperwork"
    else:
        b.flow(current, "Call_review")
    b.flow("Call_review", "Gateway_reviewed")
    b.flow(
        "Gateway_reviewed", "End_rejected", condition='review_result == "rejected"', name="不予通过"
    )
    return "Gateway_reviewed"  # the next flow out of it becomes its default
