"""容缺承诺跟踪 (``common_pledge``): the materials an accepted-with-pledge case still owes."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import WINDOW, lanes


def pledge() -> ProcessBuilder:
    """容缺承诺跟踪: the missing materials arrive by ``pledge_deadline`` or the case is returned.

    Adds ``pledge_result`` (fulfilled | missed)."""
    w = WINDOW
    b = ProcessBuilder(elements.PLEDGE, "容缺受理承诺跟踪", lanes=lanes(w))
    returned = elements.RETURN_NOTICE.task
    b.start("Start_pledge", "容缺受理", w)
    b.receive("Receive_pledge", "等待补交容缺材料", w, elements.PLEDGE_FULFILLED, "pledge_delivery")
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
        returned,
        "出具退件通知书",
        w,
        [Field("return_notice_no", "string", "退件通知书编号", True)],
    )
    b.end("End_fulfilled", "承诺已履行", w)
    b.end("End_returned", "退办件", w)
    b.chain("Start_pledge", "Receive_pledge", "Task_confirm_pledge", "Gateway_pledge_ok")
    b.flow("Gateway_pledge_ok", "Script_fulfilled", condition="pledge_materials_ok", name="有效")
    b.default("Gateway_pledge_ok", b.flow("Gateway_pledge_ok", "Script_missed", name="无效"))
    b.chain("Timer_pledge_deadline", "Script_missed", returned, "End_returned")
    b.chain("Script_fulfilled", "End_fulfilled")
    return b
