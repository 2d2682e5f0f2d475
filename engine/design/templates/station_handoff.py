"""转基层站所 (``common_station_handoff``) and 县级初审、报省级决定 (``common_province_handoff``):
the decisions the township only prepares — a grassroots station's (T->S) and the
province's after the county department's first review (T->C->P)."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import COUNTY, STATION, WINDOW, lanes
from engine.design.templates.limits import step_limit

DECISION = "approve:准予,reject:不予"


def station_handoff() -> ProcessBuilder:
    """转基层站所: the township window (or the village agent's handover) hands the accepted
    case to the station of the item's kind serving the case's township (its routing:
    ``department`` is the station's code); the station's officer decides in daiban; the
    window chases the station when the step limit ``station_decision`` passes.

    Adds ``station_sent_on``, ``station_decision``, ``station_opinion``,
    ``station_document_no``, ``station_approved``, ``station_decided_on``."""
    w, s = WINDOW, STATION
    decision = elements.STATION_DECISION_TASK.task
    chase = elements.STATION_CHASE.task
    limit = f"deadline_working_days({step_limit('station_decision', 5)})"
    b = ProcessBuilder(elements.STATION_HANDOFF, "转基层站所办理", lanes=lanes(w, s))
    b.start("Start_station", "转基层站所", w)
    b.user_task(elements.STATION_HANDOVER.task, "填写站所转办交接单", w, [
        Field("handover_items", "integer", "移交材料件数", True, min="0"),
        Field("handover_note", "text", "移交说明"),
    ])  # fmt: skip
    b.script("Script_station_sent", "登记转办", w, "station_sent_on = today()")
    b.user_task(decision, "基层站所审批决定", s, [
        Field("station_decision", "enum", "审批决定", True, DECISION),
        Field("station_opinion", "text", "审批意见", required_when="station_decision:reject"),
        Field("station_document_no", "string", "决定文书编号"),
    ])  # fmt: skip
    b.boundary_timer("Timer_station_late", "站所办理超期", decision, limit, interrupting=False)
    b.user_task(chase, "站所办理超期催办", w, [Field("chase_note", "text", "催办记录", True)])
    b.script(
        "Script_station_decided",
        "登记站所决定",
        s,
        'station_approved = station_decision == "approve"\nstation_decided_on = today()',
    )
    b.end("End_station_decided", "基层站所已决定", s, terminate=True)
    b.end("End_station_chased", "催办完成", w)
    b.chain("Start_station", elements.STATION_HANDOVER.task, "Script_station_sent", decision)
    b.chain(decision, "Script_station_decided", "End_station_decided")
    b.chain("Timer_station_late", chase, "End_station_chased")
    return b


def province_handoff() -> ProcessBuilder:
    """县级初审、报省级决定: the window hands the accepted case to the county department,
    whose officer reviews it first (初审, step limit ``county_decision``); a case it
    rejects ends there; one it forwards is decided by the province (e.g. 省退役军人事务厅),
    whose decision the county officer records from the province's reply (文书编号) within
    the step limit ``province_decision``. The province works in its own system: daiban
    records its decision, it does not wait for a message.

    Adds ``province_sent_on``, ``first_review``, ``first_review_opinion``,
    ``province_decision``, ``province_document_no``, ``province_opinion``,
    ``province_approved``, ``province_decided_on``."""
    w, c = WINDOW, COUNTY
    review = elements.PROVINCE_FIRST_REVIEW.task
    decision = elements.PROVINCE_DECISION_TASK.task
    b = ProcessBuilder(elements.PROVINCE_HANDOFF, "县级初审、报省级决定", lanes=lanes(w, c))
    b.start("Start_province", "转县级部门初审", w)
    b.user_task(elements.PROVINCE_HANDOVER.task, "填写县级转办交接单", w, [
        Field("handover_items", "integer", "移交材料件数", True, min="0"),
    ])  # fmt: skip
    b.script("Script_province_sent", "登记转办", w, "province_sent_on = today()")
    b.user_task(review, "县级部门初审", c, [
        Field("first_review", "enum", "初审结论", True, "forward:初审通过，报省级审批,reject:初审不通过"),
        Field("first_review_opinion", "text", "初审意见", True),
    ])  # fmt: skip
    b.xor("Gateway_first_review", "初审结论", c)
    b.script(
        "Script_first_rejected",
        "登记初审不通过",
        c,
        'province_approved = False\nprovince_decision = "reject"\nprovince_decided_on = today()',
    )
    b.user_task(decision, "录入省级审批结果", c, [
        Field("province_decision", "enum", "省级审批决定", True, DECISION),
        Field("province_document_no", "string", "省级批复文号", True),
        Field("province_opinion", "text", "省级审批意见", required_when="province_decision:reject"),
    ])  # fmt: skip
    b.script(
        "Script_province_decided",
        "登记省级决定",
        c,
        'province_approved = province_decision == "approve"\nprovince_decided_on = today()',
    )
    b.end("End_first_rejected", "初审不通过", c, terminate=True)
    b.end("End_province_decided", "省级已决定", c, terminate=True)
    b.chain("Start_province", elements.PROVINCE_HANDOVER.task, "Script_province_sent", review)
    b.flow(review, "Gateway_first_review")
    b.flow(
        "Gateway_first_review",
        "Script_first_rejected",
        condition='first_review == "reject"',
        name="初审不通过",
    )
    b.default(
        "Gateway_first_review",
        b.flow("Gateway_first_review", decision, name="报省级审批"),
    )
    b.chain("Script_first_rejected", "End_first_rejected")
    b.chain(decision, "Script_province_decided", "End_province_decided")
    return b
