"""The items issue 14 sent to another deciding level, each walked through the engine from
registration to the result handed back: a 派出所 item (GA005), a 市场监管所 item (SJ006),
a county item (TY001), a province item after the county's first review (TY004), and the
two families now marked ``entrusted`` (CL002, RS008). Each task is taken from the work
queue of the person whose role and unit it is; the case's due date is checked by hand.

The 2026 calendar (``engine.calendar.WorkingCalendar.default()``): 25 Sep (中秋) and
1-7 Oct (国庆) are days off; Sun 20 Sep and Sat 10 Oct are working days (调休上班). A due
date counts working days from the day after acceptance (the day itself not counted).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.registration import Applicant, Registration
from tests.support.databases import START, Deployed
from tests.support.driving import act, queued, ready
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, CATALOGUE, SHIQIAO

RESIDENCE = CATALOGUE["GA005"]  # 居住证申领: 公安派出所, 10 working days
SHOP_CHANGE = CATALOGUE["SJ006"]  # 个体工商户变更登记: 市场监督管理所, 3 working days
VETERAN = CATALOGUE["TY001"]  # 退役报到: 县退役军人事务局, 5 working days
PENSION = CATALOGUE["TY004"]  # 伤残抚恤关系接收、转移: 县级初审, 省级审批, 40 working days
CARD = CATALOGUE["CL002"]  # 残疾人证换领: 县残联 (entrusted), 20 working days
INSURANCE = CATALOGUE["RS008"]  # 城乡居民养老保险关系转移接续: 县人社局 (entrusted), 15

QINGSI = "511725201"  # 青丝乡, whose window is 王芳 (A post) and 刘洋 (B post)


@pytest.fixture
def deployed() -> Deployed:
    items = (RESIDENCE, SHOP_CHANGE, VETERAN, PENSION, CARD, INSURANCE)
    return (BPMN / "common", *(BPMN / "items" / f"{item.process_id}.bpmn" for item in items))


def register(engine: Engine, user: str, item_code: str, channel: str) -> CaseView:
    """``user`` registers the item for 张秀兰 of 石桥村 (青丝乡) through ``channel``."""
    principal = engine.identity.principal(user)
    applicant = Applicant(**{**APPLICANT, "village": SHIQIAO})
    agent = user if channel == "village_point" else None
    return engine.registration.register(
        principal, Registration(item_code, applicant, channel, agent=agent)
    )


def accepted(engine: Engine, clock: ManualClock, user: str, item_code: str) -> CaseView:
    """``user`` takes the item in (a village agent at its village point: the entrustment
    and the handover to the township; else 青丝乡's window) and 王芳 accepts it."""
    channel = "township_window" if user == "wang.fang" else "village_point"
    view = register(engine, user, item_code, channel)
    if channel == "village_point":
        view = act(engine, view, "Task_entrust", clock, user)
        view = act(engine, view, "Task_handover", clock, user)
    return act(engine, view, "Task_check_materials", clock, "wang.fang", intake_decision="accept")


def nobody_else(engine: Engine, clock: ManualClock, view: CaseView, *users: str) -> None:
    """None of ``users`` has a task of the case in their queue."""
    for user in users:
        assert queued(engine, clock, user, view.id) == [], user


def posted(engine: Engine, view: CaseView) -> dict[str, tuple[str | None, str | None]]:
    """The open tasks of the case: spec id → (role, org unit) of who works them."""
    return {t.spec_id: (t.lane, t.org_unit) for t in engine.cases.task_index(case_id=view.id)}


def due_at(engine: Engine, view: CaseView, spec_id: str) -> str:
    """When the open task ``spec_id`` of the case is due (its step limit), ISO 8601."""
    [task] = [t for t in engine.cases.task_index(case_id=view.id) if t.spec_id == spec_id]
    assert task.due_at is not None
    return task.due_at.astimezone(SHANGHAI).isoformat()


def on_day(clock: ManualClock, day: date) -> None:
    """The clock at 09:00 of ``day`` in Qu County."""
    clock.set(START + timedelta(days=(day - START.date()).days))


def hand_back(engine: Engine, clock: ManualClock, view: CaseView) -> CaseView:
    """The decision taken, the result comes back to 青丝乡's window, which hands it over."""
    assert posted(engine, view) == {"Task_prepare_result": ("township_window", QINGSI)}
    view = act(engine, view, "Task_prepare_result", clock, "wang.fang", delivery_mode="window")
    view = act(engine, view, "Task_window_pickup", clock, "wang.fang")
    assert ready(view) == [] and view.waiting_messages == ["rating"]
    return view


def test_a_residence_permit_is_decided_by_the_police_station(
    engine: Engine, clock: ManualClock
) -> None:
    # 何东, 石桥村's agent, takes the application on Mon 28 Sep and the window accepts it
    # that day. 10 working days (catalogue ``promised: 10``), the 28th not counted: 29,
    # 30 Sep (1-7 Oct 国庆), 8, 9, 10 (Saturday, 调休上班), 12, 13, 14, 15, 16 Oct — due
    # Fri 16 Oct.
    on_day(clock, date(2026, 9, 28))
    view = accepted(engine, clock, "he.dong", RESIDENCE.code)
    assert engine.cases.record(view.id).department == "GA-01"  # 青丝派出所 serves 青丝乡
    assert view.due_date == date(2026, 10, 16)
    view = act(engine, view, "Task_station_handover", clock, "wang.fang")
    assert posted(engine, view) == {"Task_station_decision": ("station_officer", "GA-01")}
    # The station's own step limit (``station_decision: 5``) from Mon 28 Sep: 29, 30 Sep,
    # 8, 9, 10 Oct — due at the end of Sat 10 Oct.
    assert due_at(engine, view, "Task_station_decision") == "2026-10-11T00:00:00+08:00"
    # Not the township, not 渠江派出所 (GA-02), not the county police bureau.
    nobody_else(engine, clock, view, "wang.fang", "chen.jing", "shu.ping", "yang.kai")
    view = act(engine, view, "Task_station_decision", clock, "li.jing",
               station_decision="approve", station_document_no="青丝派出所〔2026〕31号")  # fmt: skip
    assert view.data["station_approved"] is True
    view = hand_back(engine, clock, view)
    assert view.due_date == date(2026, 10, 16)
    assert engine.audit.verify(view.id).ok


def test_a_sole_trader_change_is_decided_by_the_market_regulation_station(
    engine: Engine, clock: ManualClock
) -> None:
    # 王芳 registers at 青丝乡's window on Tue 29 Sep and accepts at once. 3 working days
    # (《市场主体登记管理条例》: ``promised: 3``), the 29th not counted: 30 Sep (1-7 Oct
    # 国庆), 8, 9 Oct — due Fri 9 Oct.
    on_day(clock, date(2026, 9, 29))
    view = accepted(engine, clock, "wang.fang", SHOP_CHANGE.code)
    assert view.due_date == date(2026, 10, 9)
    view = act(engine, view, "Task_station_handover", clock, "wang.fang")
    # 青丝市场监督管理所 (SJ-01) serves 青丝乡; one working day for it: due end of 30 Sep.
    assert posted(engine, view) == {"Task_station_decision": ("station_officer", "SJ-01")}
    assert due_at(engine, view, "Task_station_decision") == "2026-10-01T00:00:00+08:00"
    # Not the window, not 渠江所 (SJ-02), not the county bureau.
    nobody_else(engine, clock, view, "wang.fang", "kang.ning", "ma.li")
    on_day(clock, date(2026, 9, 30))
    view = act(engine, view, "Task_station_decision", clock, "mo.lan",
               station_decision="approve", station_document_no="92511725MA0000002X")  # fmt: skip
    assert view.data["station_approved"] is True
    view = hand_back(engine, clock, view)
    assert engine.audit.verify(view.id).ok


def test_a_veterans_report_is_decided_by_the_county(engine: Engine, clock: ManualClock) -> None:
    # Registered and accepted at 青丝乡's window on Fri 9 Oct. 5 working days: 10 Oct
    # (Saturday, 调休上班), 12, 13, 14, 15 Oct — due Thu 15 Oct.
    on_day(clock, date(2026, 10, 9))
    view = accepted(engine, clock, "wang.fang", VETERAN.code)
    assert engine.cases.record(view.id).department == "TY"
    assert view.due_date == date(2026, 10, 15)
    view = act(engine, view, "Task_county_handover", clock, "wang.fang")
    # 县退役军人事务局 decides (``decided_at: C``), not the township nor its 人武部 (TY002's);
    # its step (``county_decision: 3``) from 9 Oct: 10, 12, 13 Oct — due end of 13 Oct.
    assert posted(engine, view) == {"Task_county_decision": ("county_officer", "TY")}
    assert due_at(engine, view, "Task_county_decision") == "2026-10-14T00:00:00+08:00"
    nobody_else(engine, clock, view, "wang.fang", "chen.jing", "wu.wei", "zhong.wu")
    on_day(clock, date(2026, 10, 12))
    view = act(engine, view, "Task_county_decision", clock, "guo.jun", county_decision="approve")
    view = hand_back(engine, clock, view)
    assert view.due_date == date(2026, 10, 15)
    assert engine.audit.verify(view.id).ok


def test_a_disability_pension_transfer_goes_to_the_province_after_the_county(
    engine: Engine, clock: ManualClock
) -> None:
    # 何东 takes it at 石桥村 on Thu 24 Sep; the window accepts the same day. 40 working
    # days: 28-30 Sep (3; 25 Sep 中秋), 8, 9, 10 (Sat) Oct (6), 12-16 (11), 19-23 (16),
    # 26-30 Oct (21), 2-6 Nov (26), 9-13 (31), 16-20 (36), 23, 24, 25, 26 Nov (40) — due
    # Thu 26 Nov.
    view = accepted(engine, clock, "he.dong", PENSION.code)
    assert view.due_date == date(2026, 11, 26)
    view = act(engine, view, "Task_province_handover", clock, "wang.fang")
    # The county's first review (``county_decision: 10``) from 24 Sep: 28, 29, 30 Sep, 8,
    # 9, 10, 12, 13, 14, 15 Oct — due end of 15 Oct.
    assert posted(engine, view) == {"Task_county_first_review": ("county_officer", "TY")}
    assert due_at(engine, view, "Task_county_first_review") == "2026-10-16T00:00:00+08:00"
    on_day(clock, date(2026, 10, 15))
    view = act(engine, view, "Task_county_first_review", clock, "guo.jun",
               first_review="forward", first_review_opinion="材料齐全，报省厅审批")  # fmt: skip
    # The province decides in its own system (``province_decision: 25``), from Thu 15 Oct:
    # 16, 19-23, 26-30 Oct (11), 2-6, 9-13 Nov (21), 16, 17, 18, 19 Nov — due end of 19 Nov;
    # the county officer records its reply.
    assert posted(engine, view) == {"Task_province_decision": ("county_officer", "TY")}
    assert due_at(engine, view, "Task_province_decision") == "2026-11-20T00:00:00+08:00"
    assert queued(engine, clock, "wang.fang", view.id) == []
    on_day(clock, date(2026, 11, 18))
    view = act(engine, view, "Task_province_decision", clock, "guo.jun",
               province_decision="approve", province_document_no="川退役〔2026〕412号")  # fmt: skip
    assert view.data["province_approved"] is True
    view = hand_back(engine, clock, view)
    assert view.due_date == date(2026, 11, 26)
    assert engine.audit.verify(view.id).ok


def test_a_disability_card_renewal_is_the_county_federations(
    engine: Engine, clock: ManualClock
) -> None:
    # Entrusted (``power: entrusted``): 青丝乡 accepts and reviews, 县残联 decides after the
    # designated hospital's assessment. Taken at 石桥村 and accepted on Thu 24 Sep; 20
    # working days: 28, 29, 30 Sep, 8, 9, 10 (Sat), 12-16, 19-23, 26, 27, 28, 29 Oct —
    # due Thu 29 Oct.
    view = accepted(engine, clock, "he.dong", CARD.code)
    routing = engine.cases.record(view.id)
    assert (routing.department, routing.assessment_unit) == ("CL", "CL-01")
    assert view.due_date == date(2026, 10, 29)
    # The A post (王芳) reviews first, the B post (刘洋) behind it.
    view = act(engine, view, "Task_first_review", clock, "wang.fang")
    assert posted(engine, view) == {"Task_backoffice_review": ("township_backoffice", QINGSI)}
    view = act(engine, view, "Task_backoffice_review", clock, "liu.yang")
    view = act(engine, view, "Task_county_handover", clock, "wang.fang")
    assert posted(engine, view) == {"Task_assessment_form": ("county_officer", "CL")}
    # The county's part (``county_decision: 13``: the form, the hospital's assessment and
    # the decision) from 24 Sep: 28, 29, 30 Sep, 8, 9, 10, 12-16, 19, 20 Oct.
    assert due_at(engine, view, "Task_assessment_form") == "2026-10-21T00:00:00+08:00"
    view = act(engine, view, "Task_assessment_form", clock, "feng.qin")
    # 渠县人民医院 (CL-01), the designated hospital serving 青丝乡, assesses.
    assert posted(engine, view) == {"Task_disability_assessment": ("assessment_doctor", "CL-01")}
    assert queued(engine, clock, "xie.yun", view.id) == []  # 中医医院 (CL-02): 丰乐乡's
    assert due_at(engine, view, "Task_disability_assessment") == "2026-10-21T00:00:00+08:00"
    view = act(engine, view, "Task_disability_assessment", clock, "gao.min")
    assert posted(engine, view) == {"Task_county_decision": ("county_officer", "CL")}
    assert due_at(engine, view, "Task_county_decision") == "2026-10-21T00:00:00+08:00"
    nobody_else(engine, clock, view, "wang.fang", "liu.yang", "chen.jing", "gao.min", "deng.hui")
    view = act(engine, view, "Task_county_decision", clock, "feng.qin", county_decision="approve")
    view = hand_back(engine, clock, view)
    assert engine.audit.verify(view.id).ok


def test_a_pension_insurance_transfer_is_the_county_bureaus(
    engine: Engine, clock: ManualClock
) -> None:
    # Entrusted: 青丝乡 accepts and reviews, 县人社局 decides. Registered and accepted at
    # the window on Wed 30 Sep; 15 working days: 8, 9, 10 (Sat), 12-16, 19-23, 26, 27 Oct
    # — due Tue 27 Oct.
    on_day(clock, date(2026, 9, 30))
    view = accepted(engine, clock, "wang.fang", INSURANCE.code)
    assert view.due_date == date(2026, 10, 27)
    view = act(engine, view, "Task_first_review", clock, "wang.fang")
    view = act(engine, view, "Task_backoffice_review", clock, "liu.yang")
    view = act(engine, view, "Task_county_handover", clock, "wang.fang")
    assert posted(engine, view) == {"Task_county_decision": ("county_officer", "RS")}
    # Its step (``county_decision: 7``) from 30 Sep: 8, 9, 10, 12, 13, 14, 15 Oct.
    assert due_at(engine, view, "Task_county_decision") == "2026-10-16T00:00:00+08:00"
    nobody_else(engine, clock, view, "wang.fang", "liu.yang", "chen.jing", "deng.hui")
    on_day(clock, date(2026, 10, 12))
    view = act(engine, view, "Task_county_decision", clock, "tang.jian", county_decision="approve")
    view = hand_back(engine, clock, view)
    assert view.due_date == date(2026, 10, 27)
    assert engine.audit.verify(view.id).ok
