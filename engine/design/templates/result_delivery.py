"""结果送达 (``common_result_delivery``): the result handed or sent to the applicant."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import AGENT, MOBILE, WINDOW, lanes

DELIVERY = "window:窗口领取,home:送件上门,scheduled:定期送达,post:邮寄送达"


def result_delivery() -> ProcessBuilder:
    """结果送达: window pickup · home delivery · scheduled delivery · post; the resident
    signs the completion slip (办结单). Adds ``delivery_mode``, ``delivered_on``."""
    w, a, m = WINDOW, AGENT, MOBILE
    b = ProcessBuilder(elements.RESULT_DELIVERY, "办结与结果送达", lanes=lanes(w, a, m))
    window, home = elements.WINDOW_PICKUP.task, elements.HOME_DELIVERY.task
    scheduled, post = elements.SCHEDULED_DELIVERY.task, elements.POST.task
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
    b.user_task(window, "窗口领取", w, signed)
    b.user_task(home, "代办员送件上门", a, signed)
    b.user_task(scheduled, "流动代办岗定期送达", m, signed)
    b.user_task(post, "邮寄送达", w, [Field("tracking_no", "string", "邮件单号", True)])
    b.script("Script_delivered", "登记送达", w, "delivered_on = today()")
    b.end("End_delivered", "已送达", w)
    b.chain("Start_delivery", "Task_prepare_result", "Gateway_delivery")
    b.flow("Gateway_delivery", home, condition='delivery_mode == "home"', name="送件上门")
    b.flow("Gateway_delivery", scheduled, condition='delivery_mode == "scheduled"', name="定期送达")
    b.flow("Gateway_delivery", post, condition='delivery_mode == "post"', name="邮寄")
    b.default("Gateway_delivery", b.flow("Gateway_delivery", window, name="窗口领取"))
    for task in (window, home, scheduled, post):
        b.flow(task, "Script_delivered")
    b.chain("Script_delivered", "End_delivered")
    return b
