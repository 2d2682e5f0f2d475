"""综合行政执法 through the HTTP API: officers open cases for their township, the leaders
see and decide them; 简易程序, the general procedure with hearing, legal review and
collective discussion, service within 7 days, 催告 and the appeal periods before 强制,
the 90-day limit and its extension, ZF004's remedies, an inspection.

Dates are hand-checked in the comments: 《行政处罚法》第六十条 counts the 90 days from 立案
in calendar days, a period ending on a holiday ending on the next working day; its 五日 and
七日 are working days (第八十五条). In 2026, 25 Sep (中秋) and 1–7 Oct (国庆) are holidays,
Sat 10 Oct is a working day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Engine, ManualClock
from engine.clock import SHANGHAI
from engine.definitions.form_formats import uscc_check_character
from engine.simulate import fill_form
from engine.stats import Period
from engine.store.testing import downgrade
from processes.catalogue import Item
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, CATALOGUE, QINGSI, SHIQIAO, Counter, at, specs

BUILDING: Item = CATALOGUE[
    "ZF004"
]  # 未取得乡村建设规划许可证进行建设: 责令停止建设、限期改正、拆除
STREET: Item = CATALOGUE["ZF013"]  # 擅自占道经营、堆放物料: warning or fine
SAFETY: Item = CATALOGUE["ZF008"]  # 小微生产经营单位安全生产违法
HOUSES: Item = CATALOGUE["ZF010"]  # 农村自建房安全检查
SIGNS: Item = CATALOGUE["ZF003"]  # 规范户外招牌设施设置: a business applies at the window
OFFICERS = ("wu.qiang", "xu.hui")  # 青丝乡 社会治安办
LEADERS = ("zhao.gang", "chen.jing")
TUXI_OFFICER = "lei.ming"  # 土溪镇
COMPANY = "91511725MA6ABCDE1"  # the first 17 characters of a credit code
USCC = COMPANY + uscc_check_character(COMPANY)
ORGANISATION = {
    "kind": "organisation",
    "name": "渠县青丝石材加工厂",
    "uscc": USCC,
    "legal_representative": "李大山",
}


@pytest.fixture
def deployed() -> Deployed:
    items = (BUILDING, STREET, SAFETY, HOUSES, SIGNS)
    return (BPMN / "common", *(BPMN / "items" / f"{i.process_id}.bpmn" for i in items))


def open_case(
    counter: Counter, item: Item, party: dict[str, Any] | None = None, officer: str = "wu.qiang"
) -> dict[str, Any]:
    body = {
        "item_code": item.code,
        "applicant": {**(party or APPLICANT), "village": SHIQIAO},
        "channel": "enforcement",
        "facts": "巡查发现当事人在石桥村村道旁擅自搭建并占道堆放物料",
        "place": "石桥村三组村道旁",
    }
    response = counter.post(officer, "/api/v1/cases", body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    counter.done[case["id"]] = [("case_started", officer, "")]
    return case


def act(
    counter: Counter, clock: ManualClock, user: str, case_id: int, spec: str, **data: Any
) -> dict[str, Any]:
    """``user`` completes the task through the API; fields not given are sample values."""
    engine = counter.engine
    view = engine.cases.get(case_id)
    task = next(t for t in view.tasks if t.spec_id == spec)
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    assert form is not None
    today = clock.now().astimezone(SHANGHAI).date().isoformat()
    return counter.act(user, case_id, spec, fill_form(form.narrowed(view.data), data, today))


def complete(counter: Counter, user: str, case_id: int, spec: str, data: dict[str, Any]) -> Any:
    """The raw answer of completing ``spec`` (for refusals)."""
    [task] = [t for t in counter.queue(user, case_id) if t["spec_id"] == spec]
    return counter.post(user, f"/api/v1/tasks/{task['id']}/complete", data)


def current(engine: Engine, case_id: int) -> Any:
    """The case's variables where the process stands: the data of its ready tasks (a
    running call activity, ``common_enforcement``, returns its data when it ends)."""
    live = engine.cases.cache.load(engine.cases.record(case_id))
    found = {k: v for task in live.ready_tasks() for k, v in task.data.items()}
    return lambda name: found[name]


def tick(engine: Engine, clock: ManualClock, day: str) -> None:
    at(clock, day, 1)
    engine.cases.tick()


def file(counter: Counter, clock: ManualClock, case_id: int) -> dict[str, Any]:
    """The officers report the case for filing (普通程序); the leader files it (立案)."""
    act(counter, clock, "wu.qiang", case_id, "Task_procedure", procedure_choice="general")
    return act(counter, clock, "zhao.gang", case_id, "Task_file", filing="file")


def investigate(counter: Counter, clock: ManualClock, case_id: int, **data: Any) -> None:
    act(counter, clock, "wu.qiang", case_id, "Task_investigate",
        investigator_1="wu.qiang", investigator_2="xu.hui", violation_found=True, **data)  # fmt: skip


def decided(
    counter: Counter, clock: ManualClock, engine: Engine, item: Item, measure: str, **data: Any
) -> int:
    """A case filed, investigated (not serious) and notified on Thu 24 Sep; nobody asks to
    be heard within 5 working days (28–30 Sep, 8–9 Oct); the leader decides on 10 Oct."""
    case_id: int = open_case(counter, item)["id"]
    file(counter, clock, case_id)
    investigate(counter, clock, case_id, serious=False)
    act(counter, clock, "wu.qiang", case_id, "Task_notify")
    tick(engine, clock, "2026-10-09")
    assert counter.engine.cases.get(case_id).waiting_messages == ["hearing_requested"]
    tick(engine, clock, "2026-10-10")
    act(counter, clock, "zhao.gang", case_id, "Task_decide", decision="penalty", measure=measure,
        decision_no="青执罚〔2026〕5号", **data)  # fmt: skip
    return case_id


def test_an_officer_opens_a_case_the_township_leader_sees_it(
    counter: Counter, clock: ManualClock
) -> None:
    case = open_case(counter, STREET)
    case_id = case["id"]
    assert case["case_number"].startswith(SHIQIAO + "20260924")
    # the officers choose the procedure first; the limit runs from 立案
    assert specs(case) == ["Task_procedure"] and case["due_date"] is None
    assert case["due_rule"]["text"] == "立案之日起 90 个自然日内作出处理决定"
    assert case["receipt"]["applicant"] == "张秀兰（110105********002X）"
    detail = counter.case("zhao.gang", case_id)
    assert detail["township"] == QINGSI and detail["channel"] == "enforcement"
    assert not counter.sees("yuan.hua", case_id)  # 土溪镇's leader: another township
    act(counter, clock, "wu.qiang", case_id, "Task_procedure", procedure_choice="general")
    assert [t["spec_id"] for t in counter.queue("zhao.gang", case_id)] == ["Task_file"]
    after = act(counter, clock, "zhao.gang", case_id, "Task_file", filing="file")
    # 立案 on Thu 24 Sep 2026 + 90 days = Wed 23 Dec 2026 (6 + 31 + 30 + 23)
    assert after["due_date"] == "2026-12-23"
    assert specs(after) == ["Task_investigate"]
    assert counter.queue("wu.qiang", case_id) and counter.queue("xu.hui", case_id)


def test_who_may_open_what(counter: Counter) -> None:
    body = {
        "item_code": STREET.code,
        "applicant": {**APPLICANT, "village": SHIQIAO},
        "channel": "enforcement",
        "facts": "占道经营",
        "place": "石桥村",
    }
    refused = counter.post(TUXI_OFFICER, "/api/v1/cases", body)  # 土溪镇's officer in 青丝乡
    assert refused.status_code == 422
    reasons = {e["field"]: e["reason"] for e in refused.get_json()["errors"]}
    assert reasons["channel"] == "执法人员只能对本乡镇（街道）行政区域内的违法行为立案"
    by_window = counter.post("wang.fang", "/api/v1/cases", body)  # 窗口 (A岗), not an officer
    assert by_window.status_code == 422
    at_window = counter.post("wang.fang", "/api/v1/cases", {**body, "channel": "township_window"})
    reasons = {e["field"]: e["reason"] for e in at_window.get_json()["errors"]}
    assert "依职权立案" in reasons["item_code"]
    licence = counter.post("wu.qiang", "/api/v1/cases", {**body, "item_code": SIGNS.code})
    reasons = {e["field"]: e["reason"] for e in licence.get_json()["errors"]}
    assert reasons["item_code"] == "执法立案渠道只能用于由执法人员依职权立案的事项"
    bare = counter.post("wu.qiang", "/api/v1/cases", {**body, "facts": "", "place": None})
    reasons = {e["field"]: e["reason"] for e in bare.get_json()["errors"]}
    assert reasons["facts"] == reasons["place"] == "执法立案必填"


def test_an_organisation_as_party_and_as_applicant(counter: Counter) -> None:
    case = open_case(counter, SAFETY, ORGANISATION)
    assert case["receipt"]["applicant"] == f"渠县青丝石材加工厂（{USCC}）"
    party = counter.case("zhao.gang", case["id"])["applicant"]
    assert party["kind"] == "organisation" and party["uscc"] == USCC
    assert party["legal_representative"] == "李大山" and "id_number" not in party
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")  # the check character broken
    bad = {**ORGANISATION, "uscc": wrong, "legal_representative": ""}
    body = {"item_code": SAFETY.code, "applicant": {**bad, "village": SHIQIAO},
            "channel": "enforcement", "facts": "未按规定排查隐患", "place": "石桥村"}  # fmt: skip
    refused = counter.post("wu.qiang", "/api/v1/cases", body)
    reasons = {e["field"]: e["reason"] for e in refused.get_json()["errors"]}
    assert "GB 32100-2015" in reasons["applicant.uscc"]
    assert reasons["applicant.legal_representative"] == "必填"
    # a licensing item applied for by a business at the township window
    body = {"item_code": SIGNS.code, "applicant": {**ORGANISATION, "village": SHIQIAO},
            "channel": "township_window", "materials": []}  # fmt: skip
    licence = counter.post("wang.fang", "/api/v1/cases", body)
    assert licence.status_code == 201, licence.get_json()
    assert counter.case("wang.fang", licence.get_json()["id"])["applicant"]["uscc"] == USCC


def test_on_the_spot_within_the_bounds_and_beyond_them(
    counter: Counter, clock: ManualClock
) -> None:
    # 第五十一条: a person fined 150 yuan on the spot by the officers, no 立案审批 first;
    # the decision is served at once and the leader records it afterwards (备案, 第五十二条)
    case_id = open_case(counter, STREET)["id"]
    spot = act(counter, clock, "wu.qiang", case_id, "Task_procedure", procedure_choice="simple")
    assert specs(spot) == ["Task_on_the_spot"] and counter.queue("zhao.gang", case_id) == []
    same = complete(counter, "wu.qiang", case_id, "Task_on_the_spot",
                    {"officer_1": "wu.qiang", "officer_2": "wu.qiang", "facts": "占道经营",
                     "measure": "fine", "penalty_amount": 150, "decision_no": "青执当〔2026〕1号"})  # fmt: skip
    assert same.status_code == 422
    assert same.get_json()["errors"][0]["field"] == "officer_2"
    outsider = complete(counter, "wu.qiang", case_id, "Task_on_the_spot",
                        {"officer_1": "wu.qiang", "officer_2": TUXI_OFFICER, "facts": "占道经营",
                         "measure": "warning", "decision_no": "青执当〔2026〕1号"})  # fmt: skip
    [error] = outsider.get_json()["errors"]  # 土溪镇's officer is not one of 青丝乡's staff
    assert (error["field"], error["reason"]) == (
        "officer_2",
        "不是本乡镇（街道）的工作人员（应填其用户名）",
    )
    after = act(counter, clock, "wu.qiang", case_id, "Task_on_the_spot",
                officer_1="wu.qiang", officer_2="xu.hui", measure="fine", penalty_amount=150)  # fmt: skip
    assert specs(after) == ["Task_record_on_the_spot"]
    # decided and served Thu 24 Sep: the limit is met then (no due date: none was filed)
    assert counter.engine.cases.record(case_id).limit_met_at is not None
    at(clock, "2026-09-28")  # the leader records it on Mon 28 Sep
    after = act(counter, clock, "zhao.gang", case_id, "Task_record_on_the_spot",
                recorded_on="2026-09-28")  # fmt: skip
    assert specs(after) == ["Task_perform"]  # payment within 15 days of service
    done = act(counter, clock, "wu.qiang", case_id, "Task_perform", performed=True)
    done = act(counter, clock, "wu.qiang", case_id, "Task_close")
    assert done["status"] == "completed"
    data = counter.engine.cases.get(case_id).data  # the case is closed: all of it
    assert (data["procedure"], data["served_on"]) == ("simple", "2026-09-24")
    # 500 yuan for a person is beyond the on-the-spot bound: no decision on the spot, the
    # leader files the case (Mon 28 Sep) and it goes the general way
    other = open_case(counter, STREET)["id"]
    act(counter, clock, "wu.qiang", other, "Task_procedure", procedure_choice="simple")
    general = act(counter, clock, "wu.qiang", other, "Task_on_the_spot",
                  officer_1="wu.qiang", officer_2="xu.hui", measure="fine", penalty_amount=500)  # fmt: skip
    assert specs(general) == ["Task_file"] and general["due_date"] is None
    general = act(counter, clock, "zhao.gang", other, "Task_file", filing="file")
    # 立案 Mon 28 Sep + 90 days = Sun 27 Dec 2026 (2 + 31 + 30 + 27), a Sunday: the next
    # working day, Mon 28 Dec
    assert specs(general) == ["Task_investigate"] and general["due_date"] == "2026-12-28"
    assert counter.engine.cases.record(other).limit_met_at is None
    # … while 2500 yuan for an organisation is within its bound (3000)
    company = open_case(counter, STREET, ORGANISATION)["id"]
    act(counter, clock, "wu.qiang", company, "Task_procedure", procedure_choice="simple")
    spot = act(counter, clock, "wu.qiang", company, "Task_on_the_spot",
               officer_1="wu.qiang", officer_2="xu.hui", measure="fine", penalty_amount=2500)  # fmt: skip
    assert specs(spot) == ["Task_record_on_the_spot"]


def test_general_procedure_with_hearing_review_and_collective_discussion(
    counter: Counter, clock: ManualClock
) -> None:
    case_id = open_case(counter, SAFETY, ORGANISATION)["id"]
    file(counter, clock, case_id)
    refused = complete(counter, "wu.qiang", case_id, "Task_investigate",
                       {"investigator_1": "wu.qiang", "investigator_2": "wu.qiang", "facts": "未排查隐患",
                        "evidence_count": 3, "violation_found": True, "serious": True})  # fmt: skip
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert error["field"] == "investigator_2" and "两名不同的人员" in error["reason"]
    investigate(counter, clock, case_id, serious=True)
    act(counter, clock, "wu.qiang", case_id, "Task_notify", hearing_right=True)
    heard = counter.message("wu.qiang", case_id, "hearing_requested", {"kind": "hearing"})
    assert heard.status_code == 200, heard.get_json()
    # Filed Thu 09-24: 90 calendar days (立案之日不计) → Wed 2026-12-23.
    assert counter.engine.cases.get(case_id).due_date == date(2026, 12, 23)
    at(clock, "2026-10-09", 9)  # the hearing is held and recorded on Fri 10-09
    # 第六十四条(四): chaired by someone who did not investigate — 徐慧 is named on the
    # investigation (though 吴强 completed it): refused, with the reason
    refused = complete(counter, "xu.hui", case_id, "Task_hearing", {"hearing_record": "听证笔录"})
    assert refused.status_code == 409
    assert "第六十四条第四项" in refused.get_json()["detail"]
    assert "Task_hearing" not in [t["spec_id"] for t in counter.queue("wu.qiang", case_id)]
    # 孙丽 (纪检监察办) is named to chair it
    act(counter, clock, "sun.li", case_id, "Task_hearing", hearing_record="听证笔录")
    counter.done[case_id].append(("due_date_extended", "system:limits", ""))
    # ZF008 excludes hearing time: requested 09-24, recorded 10-09 → 09-25 … 10-09 = 15
    # calendar days not counted; 12-23 + 15 → Thu 2027-01-07.
    assert counter.engine.cases.get(case_id).due_date == date(2027, 1, 7)
    _, entries = counter.engine.audit.history(case_id)
    [moved] = [e.event.payload for e in entries if e.event.type == "due_date_extended"]
    assert (moved["period"], moved["excluded_days"], moved["limit_unit"]) == (
        "hearing",
        15,
        "calendar_days",
    )
    # 第五十八条: the legal review is not the investigators' — neither as the one who
    # completes it nor as the reviewer named on it
    refused = complete(counter, "xu.hui", case_id, "Task_legal_review",
                       {"legal_reviewer": "ma.chao", "legal_review": "agree",
                        "legal_review_notes": "同意"})  # fmt: skip
    assert refused.status_code == 409 and "第五十八条" in refused.get_json()["detail"]
    named = complete(counter, "ma.chao", case_id, "Task_legal_review",
                     {"legal_reviewer": "wu.qiang", "legal_review": "agree",
                      "legal_review_notes": "同意"})  # fmt: skip
    assert named.status_code == 409 and "wu.qiang" in named.get_json()["detail"]
    reviewed = act(counter, clock, "ma.chao", case_id, "Task_legal_review",
                   legal_reviewer="ma.chao", legal_review="agree")  # fmt: skip
    assert [t["spec_id"] for t in counter.queue("zhao.gang", case_id)] == ["Task_collective"]
    assert specs(reviewed) == ["Task_collective"]
    act(counter, clock, "zhao.gang", case_id, "Task_collective", participants=5)
    decided = act(counter, clock, "chen.jing", case_id, "Task_decide", decision="penalty",
                  measure="fine", penalty_amount=20000, decision_no="青执罚〔2026〕3号")  # fmt: skip
    counter.done[case_id].append(("limit_met", "system:limits", ""))
    assert specs(decided) == ["Task_serve"]
    act(counter, clock, "wu.qiang", case_id, "Task_serve", service_method="direct")
    act(counter, clock, "wu.qiang", case_id, "Task_perform", performed=True)
    closed = act(counter, clock, "wu.qiang", case_id, "Task_close")
    assert closed["status"] == "completed"
    counter.check_history(case_id)


def test_a_hearing_needs_the_legal_review_a_statement_does_not(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    # 第五十八条(二): a case that went through a hearing is reviewed before the decision,
    # even when it is not serious; a statement (陈述、申辩, 第四十五条) is heard by the
    # officers themselves and needs no review in an ordinary case
    heard = open_case(counter, STREET)["id"]
    file(counter, clock, heard)
    investigate(counter, clock, heard, serious=False)
    act(counter, clock, "wu.qiang", heard, "Task_notify", hearing_right=True)
    counter.message("wu.qiang", heard, "hearing_requested", {"kind": "hearing"})
    after = act(counter, clock, "sun.li", heard, "Task_hearing")
    assert specs(after) == ["Task_legal_review"]
    after = act(counter, clock, "ma.chao", heard, "Task_legal_review",
                legal_reviewer="ma.chao", legal_review="agree")  # fmt: skip
    assert specs(after) == ["Task_decide"]  # not serious: no collective discussion
    stated = open_case(counter, STREET)["id"]
    file(counter, clock, stated)
    investigate(counter, clock, stated, serious=False)
    act(counter, clock, "wu.qiang", stated, "Task_notify")
    counter.message("wu.qiang", stated, "hearing_requested", {"kind": "statement"})
    after = act(counter, clock, "xu.hui", stated, "Task_statement")
    assert specs(after) == ["Task_decide"]


def test_late_service_raises_the_leaders_task(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = decided(counter, clock, engine, STREET, "fine", penalty_amount=1000)
    # decided Sat 10 Oct; 7 working days: 12–16, 19, 20 Oct; late from 21 Oct
    tick(engine, clock, "2026-10-20")
    assert "Task_serve_late" not in specs(counter.case("zhao.gang", case_id))
    tick(engine, clock, "2026-10-21")
    assert [t["spec_id"] for t in counter.queue("zhao.gang", case_id)] == ["Task_serve_late"]


def test_unpaid_fine_demand_appeal_periods_then_court(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = decided(counter, clock, engine, STREET, "fine", penalty_amount=1000)
    act(counter, clock, "wu.qiang", case_id, "Task_serve", served_on="2026-10-12")
    data = current(engine, case_id)
    # served Mon 12 Oct: 复议 60 days to Fri 11 Dec; 诉讼 6 months to Mon 12 Apr 2027;
    # 强制执行 applied for within the 3 months after: by Mon 12 Jul 2027
    assert data("review_until") == "2026-12-11"
    assert (data("appeal_until"), data("enforce_by")) == ("2027-04-12", "2027-07-12")
    # 15 days to pay (第六十七条): to Tue 27 Oct; unpaid on 28 Oct → 催告
    tick(engine, clock, "2026-10-27")
    assert specs(counter.case("wu.qiang", case_id)) == ["Task_perform"]
    tick(engine, clock, "2026-10-28")
    assert specs(counter.case("wu.qiang", case_id)) == ["Task_demand"]
    act(counter, clock, "wu.qiang", case_id, "Task_demand", demand_served_on="2026-10-28",
        announced=False)  # fmt: skip
    tick(engine, clock, "2027-04-12")  # the periods run to the end of 12 Apr 2027
    assert specs(counter.case("wu.qiang", case_id)) == ["Task_await_periods"]
    tick(engine, clock, "2027-04-13")
    assert [t["spec_id"] for t in counter.queue("zhao.gang", case_id)] == ["Task_enforce"]
    act(counter, clock, "zhao.gang", case_id, "Task_enforce", enforcement_route="court")
    closed = act(counter, clock, "wu.qiang", case_id, "Task_close")
    assert closed["status"] == "completed"


def warnings_of(engine: Engine, case_id: int) -> list[tuple[str, str | None, str]]:
    """The case's warnings: type, the task's element (None: the case's limit), the day."""
    _, entries = engine.audit.history(case_id)
    return [
        (
            e.event.type,
            e.event.payload.get("spec_id"),
            e.event.at.astimezone(SHANGHAI).date().isoformat(),
        )
        for e in entries
        if e.event.type in ("warning_yellow", "warning_red")
    ]


def test_the_decision_meets_the_90_days_though_the_fine_stays_unpaid(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    # 第六十条: the 90 days are for deciding. ZF013 filed Thu 24 Sep 2026 (due Wed 23 Dec),
    # decided Sat 10 Oct — day 16; the fine then waits out the appeal periods to April.
    case_id = decided(counter, clock, engine, STREET, "fine", penalty_amount=1000)
    record = engine.cases.record(case_id)
    assert record.due_date == date(2026, 12, 23) and record.limit_met_at is not None
    _, entries = engine.audit.history(case_id)
    [met] = [e.event for e in entries if e.event.type == "limit_met"]
    assert met.actor == "system:limits"
    assert met.payload == {
        "met_by": "decided",
        "met_on": "2026-10-10",
        "due_date": "2026-12-23",
        "in_time": True,
    }
    # 送达 keeps its own limit: 7 working days from Sat 10 Oct (12–16, 19, 20) → end of 20 Oct
    [serve] = counter.queue("wu.qiang", case_id)
    assert serve["spec_id"] == "Task_serve" and serve["due_at"].startswith("2026-10-21T00:00")
    act(counter, clock, "wu.qiang", case_id, "Task_serve", served_on="2026-10-12")
    # unpaid by Tue 27 Oct (15 days) → 催告 on 28 Oct; the tasks after the decision are not
    # due by the 90 days any more
    tick(engine, clock, "2026-10-28")
    [demand] = counter.queue("wu.qiang", case_id)
    assert demand["spec_id"] == "Task_demand" and demand["due_at"] is None
    act(counter, clock, "wu.qiang", case_id, "Task_demand", demand_served_on="2026-10-28",
        announced=False)  # fmt: skip
    # 80 % of the 59 working days to 23 Dec would be Tue 8 Dec, the limit past on 24 Dec
    for day in ("2026-12-08", "2026-12-24"):
        tick(engine, clock, day)
        assert warnings_of(engine, case_id) == []
    listed = counter.get("zhao.gang", "/api/v1/cases?overdue=true").get_json()["items"]
    assert case_id not in [c["id"] for c in listed]
    assert counter.case("zhao.gang", case_id)["overdue"] is False
    tick(engine, clock, "2027-04-13")  # the 6 months of 诉讼 run out on 12 Apr 2027
    act(counter, clock, "zhao.gang", case_id, "Task_enforce", enforcement_route="court")
    closed = act(counter, clock, "wu.qiang", case_id, "Task_close")
    assert closed["status"] == "completed" and warnings_of(engine, case_id) == []
    assert engine.audit.verify(case_id).ok
    # 办结 for timeliness is the decision: counted in October, on time; not again at closing
    october = engine.stats.figures(Period(date(2026, 10, 1), date(2026, 10, 31))).total
    assert (october.completed, october.completed_with_due_date) == (1, 1)
    assert (october.on_time, october.overdue_completed) == (1, 0)
    april = engine.stats.figures(Period(date(2027, 4, 1), date(2027, 4, 30))).total
    assert (april.completed, april.overdue_completed, april.overdue_open) == (0, 0, 0)


def test_the_migration_fills_the_limit_met_from_the_history(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = decided(counter, clock, engine, STREET, "warning")
    met_at = engine.cases.record(case_id).limit_met_at
    assert met_at is not None
    downgrade(engine.store, "0023")  # before the column
    engine.store.migrate()
    assert engine.cases.record(case_id).limit_met_at == met_at
    assert engine.audit.verify(case_id).ok


def test_a_case_not_decided_within_the_90_days_still_warns(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = open_case(counter, STREET)["id"]
    file(counter, clock, case_id)
    # Filed Thu 24 Sep, due Wed 23 Dec: the working days after 24 Sep up to 23 Dec are
    # 3 (28–30 Sep) + 18 (8–10, 12–16, 19–23, 26–30 Oct) + 21 (Nov) + 17 (1–23 Dec) = 59;
    # yellow on the ⌈0.8 × 59⌉ = 48th, Tue 8 Dec; red once 23 Dec has passed.
    tick(engine, clock, "2026-12-07")
    assert [w for w in warnings_of(engine, case_id) if w[1] is None] == []
    tick(engine, clock, "2026-12-08")
    tick(engine, clock, "2026-12-24")
    assert [w for w in warnings_of(engine, case_id) if w[1] is None] == [
        ("warning_yellow", None, "2026-12-08"),
        ("warning_red", None, "2026-12-24"),
    ]
    assert engine.cases.record(case_id).limit_met_at is None
    listed = counter.get("zhao.gang", "/api/v1/cases?overdue=true").get_json()["items"]
    assert case_id in [c["id"] for c in listed]
    december = engine.stats.figures(Period(date(2026, 12, 1), date(2026, 12, 31))).total
    assert (december.completed, december.overdue_open) == (0, 1)


def test_the_90_days_extended_by_the_leader(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = open_case(counter, STREET)["id"]
    file(counter, clock, case_id)
    # filed 24 Sep; asked 10 days before the 90 run out: day 80 is Sun 13 Dec → Mon 14 Dec
    tick(engine, clock, "2026-12-14")
    assert "Task_extend" not in specs(counter.case("zhao.gang", case_id))
    tick(engine, clock, "2026-12-15")
    assert "Task_investigate" not in specs(counter.case("zhao.gang", case_id))
    assert "Task_extend" in [t["spec_id"] for t in counter.queue("zhao.gang", case_id)]
    after = act(counter, clock, "zhao.gang", case_id, "Task_extend", extend="approve",
                extension_reason="需委托鉴定违法建设面积", extension_days=30)  # fmt: skip
    # 23 Dec + 30 days = Fri 22 Jan 2027
    assert after["due_date"] == "2027-01-22" and "Task_investigate" in specs(after)
    events = engine.audit.history(case_id)[1]
    assert any("需委托鉴定违法建设面积" in str(e) for e in events)
    assert current(engine, case_id)("extension_ask_on") == "2027-01-13"  # 14 Dec + 30 days


def test_zf004_offers_its_remedies_and_demolition(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case_id = open_case(counter, BUILDING)["id"]
    file(counter, clock, case_id)
    investigate(counter, clock, case_id, serious=False)
    act(counter, clock, "wu.qiang", case_id, "Task_notify")
    tick(engine, clock, "2026-10-10")
    [task] = counter.queue("zhao.gang", case_id)
    form = counter.get("zhao.gang", f"/api/v1/tasks/{task['id']}").get_json()["form"]
    offered = [c["const"] for c in form["properties"]["measure"]["oneOf"]]
    assert offered == ["stop_construction", "rectify", "demolish"]  # 城乡规划法第六十五条
    fined = complete(counter, "zhao.gang", case_id, "Task_decide",
                     {"decision": "penalty", "measure": "fine", "decision_no": "青执〔2026〕6号"})  # fmt: skip
    assert fined.status_code == 422
    assert fined.get_json()["errors"][0]["field"] == "measure"
    act(counter, clock, "zhao.gang", case_id, "Task_decide", decision="penalty",
        measure="demolish", rectify_by="2026-10-30", decision_no="青执〔2026〕6号")  # fmt: skip
    act(counter, clock, "wu.qiang", case_id, "Task_serve", served_on="2026-10-12")
    tick(engine, clock, "2026-10-31")  # not demolished by Fri 30 Oct: 公告, 限期自行拆除
    assert specs(counter.case("wu.qiang", case_id)) == ["Task_demand"]
    act(counter, clock, "wu.qiang", case_id, "Task_demand", announced=True)
    tick(engine, clock, "2027-04-13")  # 6 months from 12 Oct 2026 have run out (12 Apr)
    done = act(counter, clock, "zhao.gang", case_id, "Task_enforce", enforcement_route="own")
    assert specs(done) == ["Task_close"]


def test_an_inspection_orders_rectification_and_hands_over(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    case = open_case(counter, HOUSES)
    case_id = case["id"]
    # ZF010: 20 working days from Thu 24 Sep: 28–30 Sep, 8–10, 12–16, 19–23, 26–29 Oct
    assert specs(case) == ["Task_plan"] and case["due_date"] == "2026-10-29"
    act(counter, clock, "wu.qiang", case_id, "Task_plan")
    refused = complete(counter, "wu.qiang", case_id, "Task_inspect",
                       {"inspector_1": "xu.hui", "inspector_2": "xu.hui", "inspected_on": "2026-09-24",
                        "findings": "外墙开裂", "hazards_found": True})  # fmt: skip
    assert refused.status_code == 422
    act(counter, clock, "wu.qiang", case_id, "Task_inspect",
        inspector_1="wu.qiang", inspector_2="xu.hui", hazards_found=True)  # fmt: skip
    act(counter, clock, "wu.qiang", case_id, "Task_order", rectify_days=10)
    # 10 days from 24 Sep end on 4 Oct, in the holiday: the next working day, Thu 8 Oct
    assert current(engine, case_id)("rectify_by") == "2026-10-08"
    done = act(counter, clock, "xu.hui", case_id, "Task_reinspect", rectified="not_rectified")
    done = act(counter, clock, "xu.hui", case_id, "Task_close_inspection")
    assert done["status"] == "completed"
    assert engine.cases.get(case_id).data["inspection_result"] == "handed_over"
