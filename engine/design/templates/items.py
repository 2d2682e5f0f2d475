"""Scaffolding an item's process from its catalogue entry (``daiban scaffold ITEM_CODE``).

An item process is the shared call activities in the order the item needs (proxy
handling when the case came through an agent, intake, pledge tracking, the item's own
statutory steps, township review unless the county decides alone, county handoff for
T->C and C items, result delivery, evaluation), or the enforcement family for cases
opened by staff. The generated file is a starting point a designer may edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import AGENT, COUNTY, LANE_LABELS, LEADER
from engine.design.templates.lanes import BACKOFFICE as BO
from engine.design.templates.lanes import WINDOW as W
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
    "disability_assessment": StepForm(COUNTY, (
        Field("disability_category", "enum", "残疾类别", True,
              "vision:视力,hearing:听力,speech:言语,physical:肢体,intellectual:智力,mental:精神,multiple:多重"),
        Field("disability_level", "enum", "残疾等级", True, "1:一级,2:二级,3:三级,4:四级"),
    )),
    "democratic_review": StepForm(AGENT, (
        Field("review_held", "boolean", "已召开民主评议会", True),
        Field("democratic_result", "enum", "评议结果", True, "pass:通过,fail:未通过"),
        Field("attendees", "integer", "参会人数", True, min="1"),
    )),
}  # fmt: skip
STEP_ORDER = (
    "household_survey",
    "damage_assessment",
    "site_survey",
    "joint_review",
    "disability_assessment",
    "democratic_review",
)


def item_process(item: Item) -> ProcessBuilder:
    if item.initiated_by == "staff":
        return _enforcement_item(item)
    if item.batch is not None:
        return _batch_item(item)
    return _applicant_item(item)


def _builder(item: Item, lanes: list[str]) -> ProcessBuilder:
    limit = "即办件" if item.on_the_spot else f"承诺时限 {item.promised_limit} 个工作日"
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
    special = [step for step in STEP_ORDER if step in item.special_steps]
    lanes = [W]
    if item.proxy_allowed:
        lanes.append(AGENT)
    lanes += [STEP_FORMS[s].lane for s in special if STEP_FORMS[s].lane not in lanes]
    if "emergency_relief" in item.special_steps and LEADER not in lanes:
        lanes.append(LEADER)
    b = _builder(item, lanes)
    first = AGENT if item.proxy_allowed else W
    b.start("Start_item", "群众申请", first)
    current = "Start_item"
    if item.proxy_allowed:
        current = _proxy(b, current)
    if "emergency_relief" in item.special_steps:
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
            task, form = elements.SPECIAL_STEPS[step], STEP_FORMS[step]
            b.user_task(task.task, task.name, form.lane, form.fields)
            b.flow(current, task.task)
            current = task.task
        if item.decided_at != "C":
            current = _review(b, current)
        if item.decided_at in ("T->C", "C"):
            b.call("Call_county_handoff", "转县级部门办理", W, elements.COUNTY_HANDOFF)
            b.flow(current, "Call_county_handoff")
            current = "Call_county_handoff"
    b.call("Call_delivery", "办结与结果送达", W, elements.RESULT_DELIVERY)
    b.call("Call_evaluation", "好差评", W, elements.EVALUATION)
    b.end("End_item", "办结", W)
    b.flow(current, "Call_delivery")
    b.chain("Call_delivery", "Call_evaluation", "End_item")
    return b


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
    b.xor("Gateway_emergency_done", "", W)
    b.flow(current, "Gateway_emergency")
    b.flow("Gateway_emergency", relief, condition="emergency", name="急难情形")
    b.default(
        "Gateway_emergency", b.flow("Gateway_emergency", "Gateway_emergency_done", name="一般情形")
    )
    b.flow(relief, "Gateway_emergency_done")
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


def _review(b: ProcessBuilder, current: str) -> str:
    b.call("Call_review", "乡镇审核审批", W, elements.TOWNSHIP_REVIEW)
    b.xor("Gateway_reviewed", "审核结果", W)
    b.end("End_rejected", "不予通过", W)
    b.chain(current, "Call_review", "Gateway_reviewed")
    b.flow(
        "Gateway_reviewed", "End_rejected", condition='review_result == "rejected"', name="不予通过"
    )
    return "Gateway_reviewed"  # the next flow out of it becomes its default
