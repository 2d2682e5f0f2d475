"""好差评 (``common_evaluation``): the applicant's rating, and the rectification a bad one starts."""

from __future__ import annotations

from engine import elements
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import LEADER, SUPERVISOR, WINDOW, lanes


def evaluation() -> ProcessBuilder:
    """好差评: the resident rates (message ``rating`` with ``{"level": ..., "comment": ...}``,
    levels very_satisfied · satisfied · basic · dissatisfied · very_dissatisfied); an
    unrated case gets an invitation after 3 days; a bad rating is called back and
    rectified within 15 working days. Adds ``rating``, ``rating_invited``, ``rectified``."""
    w, leader, s = WINDOW, LEADER, SUPERVISOR
    b = ProcessBuilder(elements.EVALUATION, "好差评", lanes=lanes(w, leader, s))
    rectify = elements.RECTIFY.task
    b.start("Start_evaluation", "邀请评价", w)
    b.script(
        "Script_init_rating",
        "等待评价",
        w,
        'rating = "none"\nrating_invited = False\nrectified = False',
    )
    b.receive("Receive_rating", "等待评价", w, elements.RATING, "rating_input")
    b.boundary_timer(
        "Timer_invite",
        "3日未评价",
        "Receive_rating",
        '"P3D"',
        interrupting=True,
        kind="timeDuration",
    )
    b.script("Script_invite", "自动发送评价邀请", w, "rating_invited = True")
    b.receive("Receive_rating_invited", "等待评价（已邀请）", w, elements.RATING, "rating_input")
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
        # the payload was checked against the rating's schema (engine.messages): a level
        'rating = rating_input["level"]\nrating_comment = rating_input.get("comment", "")',
    )  # fmt: skip
    b.xor("Gateway_bad", "是否差评", w)
    b.user_task(rectify, "差评回访与整改", leader, [
        Field("callback_done", "boolean", "已回访申请人", True),
        Field("rectification", "text", "整改情况", True),
        Field("rating_disputed", "boolean", "申请复核（误评）"),
    ])  # fmt: skip
    b.boundary_timer(
        "Timer_rectify_late",
        "15个工作日未整改",
        rectify,
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
        rectify,
        condition='rating in ["dissatisfied", "very_dissatisfied"]',
        name="差评",
    )
    b.default("Gateway_bad", b.flow("Gateway_bad", "End_rated", name="好评"))
    b.chain(rectify, "Script_rectified", "End_rectified")
    b.chain("Timer_rectify_late", "Task_rectify_late", "End_rectify_late")
    return b
