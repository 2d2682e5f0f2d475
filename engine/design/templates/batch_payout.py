"""年度发放清册 (``common_batch_payout``): a yearly payout list from compiling to publishing.

The list's lines live in the case's history (``engine.batch``: added, struck, corrected,
paid or failed, each an event); this process holds the steps, and ``engine.batch`` decides
which lines may change in which step and what must hold before a step is completed. A
notice (公示) runs for the item's ``public_notice`` period; an objection to a line
(``batch_objection``) ends it and sends the list back to the township's review, after
which it is posted again for the full period.

Adds ``review_opinion``, ``notice_place``, ``objection`` (the last objection's payload),
``approval_decision`` (approve | reject), ``approval_opinion``, ``paid_on``,
``publish_place``."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import AGENT, BACKOFFICE, COUNTY, lanes

NOTICE_END = (
    'deadline_calendar_days(item["public_notice_days"]) if item["public_notice_unit"] == "calendar_days" '
    'else deadline_working_days(item["public_notice_days"])'
)


def batch_payout() -> ProcessBuilder:
    """村编制 → 乡镇审核 → 村内公示（异议则重新审核） → 县级主管部门审批 → “一卡通”发放
    → 公布结果."""
    b = ProcessBuilder(
        elements.BATCH_PAYOUT, "年度发放清册", lanes=lanes(AGENT, BACKOFFICE, COUNTY)
    )
    compile_, review = elements.BATCH_COMPILE.task, elements.BATCH_REVIEW.task
    post, notice, approval = (
        elements.BATCH_POST.task,
        elements.BATCH_NOTICE.task,
        elements.BATCH_APPROVAL.task,
    )
    payment, publish = elements.BATCH_PAYMENT.task, elements.BATCH_PUBLISH.task
    b.start("Start_batch", "开始编制清册", AGENT)
    b.user_task(compile_, "村级编制清册并提交", AGENT, [
        Field("list_checked", "boolean", "已逐户核对面积和“一卡通”账户", True),
    ])  # fmt: skip
    b.user_task(review, "乡镇审核清册", BACKOFFICE, [
        Field("review_opinion", "text", "审核意见", True),
    ])  # fmt: skip
    b.user_task(post, "村内张贴公示", AGENT, [
        Field("notice_place", "string", "公示地点", True),
    ])  # fmt: skip
    b.receive(notice, "公示期间（受理异议）", AGENT, elements.BATCH_OBJECTION, "objection")
    b.boundary_timer("Timer_batch_notice_end", "公示期满", notice, NOTICE_END, interrupting=True)
    b.user_task(approval, "县级主管部门审批清册", COUNTY, [
        Field("approval_decision", "enum", "审批结论", True, "approve:同意发放,reject:退回乡镇"),
        Field("approval_opinion", "text", "审批意见", required_when="approval_decision:reject"),
    ])  # fmt: skip
    b.xor("Gateway_batch_approved", "审批结论", COUNTY)
    b.user_task(payment, "“一卡通”发放结果登记", BACKOFFICE, [
        Field("paid_on", "date", "资金发放日期", True),
    ])  # fmt: skip
    b.user_task(publish, "公布发放结果", AGENT, [
        Field("publish_place", "string", "公布地点", True),
    ])  # fmt: skip
    b.end("End_batch", "清册办结", AGENT)
    b.chain("Start_batch", compile_, review, post, notice)
    b.flow(notice, review)  # an objection: back to the review
    b.chain("Timer_batch_notice_end", approval, "Gateway_batch_approved")
    b.flow(
        "Gateway_batch_approved",
        review,
        condition='approval_decision == "reject"',
        name="退回乡镇",
    )
    b.default(
        "Gateway_batch_approved",
        b.flow("Gateway_batch_approved", payment, name="同意发放"),
    )
    b.chain(payment, publish, "End_batch")
    return b
