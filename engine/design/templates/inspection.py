"""行政检查 (``common_inspection``): a township's inspections (安全生产检查, 农村自建房安全
检查), not penalties: plan → inspect with two inspectors → findings → 责令限期整改 →
re-inspection → close, or hand the unrectified hazard over to a penalty case.

Two inspectors, recorded and different (执法人员不得少于两人: 《行政处罚法》第四十二条、
第五十五条, the evidence a penalty may later rest on). An order to rectify within a time
(责令限期改正、排除隐患: 《安全生产法》第六十五条) sets
``rectify_by``; if the re-inspection finds it not done, the officers open a penalty case
(ZF008 …) through the registration API: the inspection ends ``handed_over``.

Adds ``inspection_result`` (no_hazard | rectified | handed_over), ``due_on`` (the item's
promised limit from the start), ``rectify_by``.
"""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.enforcement import officers
from engine.design.templates.lanes import BACKOFFICE, LANE_LABELS, LEADER

STAFF, LEAD = BACKOFFICE, LEADER
DUE_ON = (
    'due_on = working_days_after(today(), item["promised_limit"]) if item["limit_unit"] == "working_days" '
    'else calendar_days_after(today(), item["promised_limit"])'
)


def inspection() -> ProcessBuilder:
    """行政检查: 检查计划 → 现场检查 → 责令整改 → 复查 → 结束 (or 移交立案)."""
    b = ProcessBuilder(
        elements.INSPECTION, "行政检查",
        lanes={STAFF: "乡镇综合执法（检查）人员", LEAD: LANE_LABELS[LEAD]},
    )  # fmt: skip
    b.start("Start_inspection", "启动检查", STAFF)
    b.script("Script_inspection_started", "起算检查期限", STAFF, DUE_ON)
    b.user_task("Task_plan", "制定检查计划", STAFF, [
        Field("inspection_target", "text", "检查对象及地点", True),
        Field("planned_on", "date", "计划检查日期", True),
        Field("checklist", "text", "检查事项清单", True),
    ])  # fmt: skip
    fields, rule = officers("inspector_1", "inspector_2", "检查人员")
    b.user_task("Task_inspect", "现场检查（两名检查人员）", STAFF, [
        *fields,
        Field("inspected_on", "date", "检查日期", True),
        Field("findings", "text", "检查记录（发现的问题）", True),
        Field("hazards_found", "boolean", "发现隐患或违法问题", True),
    ], rules=[rule])  # fmt: skip
    b.xor("Gateway_hazards", "是否发现问题", STAFF)
    b.user_task("Task_order", "责令限期整改", STAFF, [
        Field("order_no", "string", "责令限期整改指令书编号", True),
        Field("rectify_days", "integer", "整改期限（日）", True, min="1", max="90"),
        Field("order_content", "text", "整改要求", True),
    ])  # fmt: skip
    b.script(
        "Script_rectify_by",
        "计算整改期限",
        STAFF,
        "rectify_by = calendar_days_after(today(), rectify_days)",
    )
    b.user_task("Task_reinspect", "整改复查", STAFF, [
        Field("reinspected_on", "date", "复查日期", True),
        Field("rectified", "enum", "复查结论", True, "rectified:已整改,not_rectified:逾期未整改（移交立案查处）"),
        Field("reinspection_record", "text", "复查记录", True),
    ])  # fmt: skip
    b.boundary_timer("Timer_reinspect_due", "整改期限届满", "Task_reinspect",
                     "end_of_day(calendar_days_after(rectify_by, 5))", interrupting=False)  # fmt: skip
    b.user_task(
        "Task_reinspect_late",
        "复查超期督办",
        LEAD,
        [Field("escalation_note", "text", "督办意见", True)],
    )
    b.end("End_reinspect_late", "督办完成", LEAD)
    b.chain("Timer_reinspect_due", "Task_reinspect_late", "End_reinspect_late")
    b.xor("Gateway_rectified", "是否整改到位", STAFF)
    b.script("Script_no_hazard", "未发现问题", STAFF, 'inspection_result = "no_hazard"')
    b.script("Script_rectified", "整改到位", STAFF, 'inspection_result = "rectified"')
    b.script("Script_handed_over", "移交立案查处", STAFF, 'inspection_result = "handed_over"')
    b.user_task(
        "Task_close_inspection",
        "检查归档",
        STAFF,
        [Field("closing_summary", "text", "检查总结", True)],
    )
    b.end("End_inspection", "检查结束", STAFF, terminate=True)
    b.chain(
        "Start_inspection",
        "Script_inspection_started",
        "Task_plan",
        "Task_inspect",
        "Gateway_hazards",
    )
    b.flow("Gateway_hazards", "Task_order", condition="hazards_found", name="发现问题")
    b.default("Gateway_hazards", b.flow("Gateway_hazards", "Script_no_hazard", name="未发现问题"))
    b.chain("Task_order", "Script_rectify_by", "Task_reinspect", "Gateway_rectified")
    b.flow(
        "Gateway_rectified", "Script_rectified", condition='rectified == "rectified"', name="已整改"
    )
    b.default(
        "Gateway_rectified", b.flow("Gateway_rectified", "Script_handed_over", name="逾期未整改")
    )
    b.flow("Script_no_hazard", "Task_close_inspection")
    b.flow("Script_rectified", "Task_close_inspection")
    b.flow("Script_handed_over", "Task_close_inspection")
    b.chain("Task_close_inspection", "End_inspection")
    return b
