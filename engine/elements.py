"""The BPMN element contract: the ids and names in the shared activities that code relies on.

The shared call activities (``processes/bpmn/common``) are files a designer may edit, but the
supervision figures, the per-step limits, the exports, the scope rules and the templates
that generate them all depend on some of their element ids, message names and form
values. They are named here, once; ``tests`` check that every one of them exists in the
library, so renaming an element in a BPMN file without changing this module fails the
suite instead of silently zeroing a figure.
"""

from __future__ import annotations

from typing import NamedTuple


class TaskRef(NamedTuple):
    """A task of a process: (process id, BPMN element id); process ``"*"``: any process."""

    process: str
    task: str


ANY_PROCESS = "*"

# Shared activities (process ids)
INTAKE = "common_intake"
PLEDGE = "common_pledge"
PROXY = "common_proxy"
TOWNSHIP_REVIEW = "common_township_review"
COUNTY_HANDOFF = "common_county_handoff"
RESULT_DELIVERY = "common_result_delivery"
EVALUATION = "common_evaluation"
ENFORCEMENT = "common_enforcement"
BATCH_PAYOUT = "common_batch_payout"  # yearly payout lists (年度发放清册, engine/batch)
STATION_HANDOFF = "common_station_handoff"  # 转基层站所 (T->S items)
PROVINCE_HANDOFF = "common_province_handoff"  # 县级初审、报省级决定 (T->C->P items)
INSPECTION = "common_inspection"
SHARED_ACTIVITIES = (
    INTAKE,
    PLEDGE,
    PROXY,
    TOWNSHIP_REVIEW,
    COUNTY_HANDOFF,
    RESULT_DELIVERY,
    EVALUATION,
    ENFORCEMENT,
    BATCH_PAYOUT,
    STATION_HANDOFF,
    PROVINCE_HANDOFF,
    INSPECTION,
)

# Tasks whose reaching or closing is a fact of a figure, a step limit or a warning
CHECK_MATERIALS = TaskRef(INTAKE, "Task_check_materials")
RECHECK = TaskRef(INTAKE, "Task_recheck")
SUPPLEMENT_NOTICE = TaskRef(INTAKE, "Task_supplement_notice")
REFUSAL_NOTICE = TaskRef(INTAKE, "Task_refusal_notice")
RETURN_NOTICE = TaskRef(PLEDGE, "Task_return_notice")
ON_THE_SPOT = TaskRef(ANY_PROCESS, "Task_on_the_spot")  # an item's own on-the-spot decision
EMERGENCY_RELIEF = TaskRef(ANY_PROCESS, "Task_emergency_relief")  # an item's 先行救助
# 先行救助 paperwork not completed within 5 working days of the help (the leader's warning)
PAPERWORK_LATE = TaskRef(ANY_PROCESS, "Task_paperwork_late")
ENTRUST = TaskRef(PROXY, "Task_entrust")
HANDOVER = TaskRef(PROXY, "Task_handover")
RECTIFY = TaskRef(EVALUATION, "Task_rectify")
RATING_INVITED = TaskRef(EVALUATION, "Receive_rating_invited")  # 自动发送评价邀请 done
INVESTIGATE = TaskRef(ENFORCEMENT, "Task_investigate")
# 送达 within 7 working days of the decision (《行政处罚法》第六十一条): a step limit of its
# own, which still runs once the case's 90 days are met by the decision
SERVE = TaskRef(ENFORCEMENT, "Task_serve")
POST = TaskRef(RESULT_DELIVERY, "Task_post")
HOME_DELIVERY = TaskRef(RESULT_DELIVERY, "Task_home_delivery")
SCHEDULED_DELIVERY = TaskRef(RESULT_DELIVERY, "Task_scheduled_delivery")
WINDOW_PICKUP = TaskRef(RESULT_DELIVERY, "Task_window_pickup")
DELIVERY_TASKS = (POST, HOME_DELIVERY, SCHEDULED_DELIVERY, WINDOW_PICKUP)
# The county's decision: one route per case, chosen by the item's department in the
# catalogue and carried in the case data as ``item["county_decision"]``
# (``processes.catalogue.COUNTY_BY_TASK`` / ``COUNTY_BY_CALLBACK``).
COUNTY_HANDOVER = TaskRef(COUNTY_HANDOFF, "Task_county_handover")
COUNTY_ROUTE = TaskRef(COUNTY_HANDOFF, "Gateway_county_route")  # the branch on the route
COUNTY_DECISION_TASK = TaskRef(COUNTY_HANDOFF, "Task_county_decision")  # route "task"
COUNTY_CALLBACK = TaskRef(COUNTY_HANDOFF, "Receive_county_decision")  # route "callback"
COUNTY_CHASE = TaskRef(COUNTY_HANDOFF, "Task_chase_county")  # either route, when late
# The county's review and spot check (入户抽查) of items with ``county_spot_check``
COUNTY_SPOT_CHECK = TaskRef(COUNTY_HANDOFF, "Task_county_spot_check")
# 残疾人证 (``disability_assessment``): once the case is handed over, 县残联 issues the
# assessment form (残疾评定表) and the designated hospital's assessment is recorded
# before the 残联 reviews it and makes the card
ASSESSMENT_FORM = TaskRef(COUNTY_HANDOFF, "Task_assessment_form")
DISABILITY_ASSESSMENT = TaskRef(COUNTY_HANDOFF, "Task_disability_assessment")
ASSESSMENT_STEP = "disability_assessment"  # the catalogue's special step of these items
# The grassroots station's decision (T->S) and the province's (T->C->P), recorded in daiban.
STATION_HANDOVER = TaskRef(STATION_HANDOFF, "Task_station_handover")
STATION_DECISION_TASK = TaskRef(STATION_HANDOFF, "Task_station_decision")
STATION_CHASE = TaskRef(STATION_HANDOFF, "Task_chase_station")
PROVINCE_HANDOVER = TaskRef(PROVINCE_HANDOFF, "Task_province_handover")
PROVINCE_FIRST_REVIEW = TaskRef(PROVINCE_HANDOFF, "Task_county_first_review")
PROVINCE_DECISION_TASK = TaskRef(PROVINCE_HANDOFF, "Task_province_decision")
# The intake decision (form field of the materials check) and its accepting values
INTAKE_DECISION = "intake_decision"
ACCEPTING_DECISIONS = ("accept", "accept_with_pledge")

# Messages the shared activities wait for (BPMN message names)
COUNTY_DECISION = "county_decision"
MATERIALS_RESUBMITTED = "materials_resubmitted"
PLEDGE_FULFILLED = "pledge_fulfilled"
PUBLIC_NOTICE_OBJECTION = "public_notice_objection"
HEARING_REQUESTED = "hearing_requested"
RATING = "rating"
BATCH_OBJECTION = "batch_objection"  # an objection to one line of a payout list
MESSAGES = (
    COUNTY_DECISION,
    MATERIALS_RESUBMITTED,
    PLEDGE_FULFILLED,
    PUBLIC_NOTICE_OBJECTION,
    HEARING_REQUESTED,
    RATING,
    BATCH_OBJECTION,
)
# Which shared activity waits for each message
MESSAGE_PROCESS = {
    COUNTY_DECISION: COUNTY_HANDOFF,
    MATERIALS_RESUBMITTED: INTAKE,
    PLEDGE_FULFILLED: PLEDGE,
    PUBLIC_NOTICE_OBJECTION: TOWNSHIP_REVIEW,
    HEARING_REQUESTED: ENFORCEMENT,
    RATING: EVALUATION,
    BATCH_OBJECTION: BATCH_PAYOUT,
}


class SpecialStep(NamedTuple):
    """The task an item's process has for a statutory step of its catalogue entry, and the
    task's name (as the process and ``daiban lint``'s messages show it)."""

    task: str
    name: str


# The catalogue's statutory steps (an item's ``special_steps``) that are one task of the
# item's own process; ``emergency_relief`` is a branch of its own (EMERGENCY_RELIEF).
SPECIAL_STEPS = {
    "household_survey": SpecialStep("Task_household_survey", "入户调查（家庭经济状况核实）"),
    "income_check": SpecialStep("Task_income_check", "家庭经济状况核对（核对平台）"),
    "relief_assessment": SpecialStep("Task_relief_assessment", "救助类型与金额核定"),
    "damage_assessment": SpecialStep("Task_damage_assessment", "灾情核查评估"),
    "site_survey": SpecialStep("Task_site_survey", "实地踏勘"),
    "joint_review": SpecialStep("Task_joint_review", "联合审查（自然资源、农业农村、住建等）"),
    "democratic_review": SpecialStep("Task_democratic_review", "村（居）民主评议"),
    "democratic_review_optional": SpecialStep("Task_democratic_review", "村（居）民主评议"),
    "planning_permit": SpecialStep("Task_planning_permit", "一并核发乡村建设规划许可证"),
    "site_setout": SpecialStep("Task_site_setout", "丈量批放（定点放线）"),
    # An excluded period (engine.periods) of the item's own process: the task that sends
    # the case out starts it, the task that records the result (PERIOD_RESULTS) ends it.
    "expert_review": SpecialStep("Task_expert_review", "组织专家评审（书面告知所需时间）"),
    "testing": SpecialStep("Task_testing", "委托检测（书面告知所需时间）"),
}
# The task that records the result of a period step and ends its excluded period; the
# step's name is its excluded period's (``engine.periods.REASONS``).
PERIOD_RESULTS = {
    "expert_review": SpecialStep("Task_expert_review_result", "录入专家评审意见"),
    "testing": SpecialStep("Task_testing_result", "录入检测结果"),
}

# A payout list's steps (``common_batch_payout``): which lines may change in which step
# (``engine.batch``) and what must hold before each step is completed.
BATCH_COMPILE = TaskRef(BATCH_PAYOUT, "Task_batch_compile")  # the village compiles the list
BATCH_REVIEW = TaskRef(BATCH_PAYOUT, "Task_batch_review")  # the township checks the lines
BATCH_POST = TaskRef(BATCH_PAYOUT, "Task_batch_post_notice")  # the notice is posted
BATCH_NOTICE = TaskRef(BATCH_PAYOUT, "Receive_batch_objection")  # 公示: objections, 7 days
BATCH_APPROVAL = TaskRef(BATCH_PAYOUT, "Task_batch_approval")  # the county department
BATCH_PAYMENT = TaskRef(BATCH_PAYOUT, "Task_batch_payment")  # 一卡通 results per line
BATCH_PUBLISH = TaskRef(BATCH_PAYOUT, "Task_batch_publish")  # results published
# Statutory steps of the catalogue that are no task of the item's own process but a
# branch of a shared activity or of the item's flow: ``emergency_relief`` (EMERGENCY_RELIEF),
# ``leader_sign_off`` (the leader's approval in TOWNSHIP_REVIEW), ``county_spot_check``
# (COUNTY_SPOT_CHECK), ``county_over_limit`` (the county handoff only over the township's
# amount), ``disability_assessment`` (ASSESSMENT_FORM, DISABILITY_ASSESSMENT).
BRANCH_STEPS = (
    "emergency_relief",
    "leader_sign_off",
    "county_spot_check",
    "county_over_limit",
    "disability_assessment",
)


class SeparatedSteps(NamedTuple):
    """Two steps of one case that one person may not both complete (不相容岗位分离): whoever
    completed either may not claim, be assigned or complete the other (``reason``: why, in
    Chinese, shown with the refusal; ``engine.cases.duties`` applies it)."""

    first: TaskRef
    second: TaskRef
    reason: str


REVIEW_A = TaskRef(TOWNSHIP_REVIEW, "Task_first_review")
REVIEW_B = TaskRef(TOWNSHIP_REVIEW, "Task_backoffice_review")
HEARING = TaskRef(ENFORCEMENT, "Task_hearing")  # 组织听证 (not a statement, Task_statement)
LEGAL_REVIEW = TaskRef(ENFORCEMENT, "Task_legal_review")
# The rules of separation of duties. A process designer adds a pair here (both tasks
# must exist in the library; ``tests`` check): nothing else is needed to enforce it.
SEPARATED_STEPS = (
    SeparatedSteps(
        REVIEW_A,
        REVIEW_B,
        "窗口初审（A岗）与后台审核（B岗）须由不同人员办理，以实现审核的相互制约",
    ),
    SeparatedSteps(
        INVESTIGATE,
        HEARING,
        "听证由行政机关指定的非本案调查人员主持（《中华人民共和国行政处罚法》第六十四条第四项）",
    ),
    SeparatedSteps(
        INVESTIGATE,
        LEGAL_REVIEW,
        "法制审核应由本案调查人员以外的法制审核人员进行（《中华人民共和国行政处罚法》第五十八条；"
        "国办发〔2018〕118号：法制审核与执法承办相分离）",
    ),
)
# Who did a step besides whoever completed it: the form fields that name the people who
# took part (the two investigating officers, the legal reviewer). Separation of duties
# counts them as having done the step (``engine.cases.duties``); each must be a field of
# the step's form (``tests`` check).
DOER_FIELDS: dict[TaskRef, tuple[str, ...]] = {
    INVESTIGATE: ("investigator_1", "investigator_2"),
    LEGAL_REVIEW: ("legal_reviewer",),
}
