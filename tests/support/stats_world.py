"""The hand-built data set of the supervision figures (效能监督) and warnings tests
(``tests/integration/test_stats.py``, ``tests/api/test_api_stats.py``).

Eight cases are really run through their processes with a manual clock, in 青丝乡
(511725201) and 丰乐乡 (511725202), from Thu 24 Sep to Fri 30 Oct 2026; the timer job runs
three times. Every expected number (``SEP_OCT_TOTAL`` below, and in the tests) is derived by hand in the comments, on the
official 2026 calendar: Fri 25 - Sun 27 Sep are off (中秋), 1-7 Oct are off (国庆), Sat 10 Oct
is a working day; so the working days are Thu 24 Sep, Mon 28, Tue 29, Wed 30 Sep, Thu 8,
Fri 9, Sat 10 Oct, Mon 12 - Fri 16, Mon 19 - Fri 23, Mon 26 - Fri 30 Oct, Mon 2 Nov.

A limit of n working days from day d ends at 24:00 of the n-th working day after d
(wd(d, n)); "used" at day t is the number of working days after d up to t.

The cases (item; where; what happens):

A  MZ004 高龄津贴 (proxy; limits intake 1, proxy_handover 3, township_review 5,
   county_decision 5, delivery 1; promised 15) for 青丝社区 511725201001 by 谭晓燕:
   entrusted Thu 24 Sep 09:20 → handed over Tue 29 Sep 10:00 (held 2 working days: 28, 29;
   due wd(24 Sep, 3) = 30 Sep: on time) → accepted 29 Sep 11:00 (due wd(29 Sep, 15) =
   Mon 26 Oct) → first review 29 Sep, back office 30 Sep, county handover 30 Sep →
   county decision task Fri 9 Oct 09:00 → result prepared, picked up 9 Oct 11:00 (completed
   early: 9 < 26 Oct; 3 working days: 30 Sep, 8, 9 Oct) → rated very_satisfied.
B  ZF002 摊点设置 (licence; intake 1, township_review 1, delivery 1; promised 3) at 青丝乡's
   window for 石桥村 511725201003: supplement notice Thu 24 Sep → materials Mon 28 Sep →
   accepted 28 Sep 10:00 (due wd(28 Sep, 3) = Thu 8 Oct) → first review, back office
   28 Sep → leader approval ready 28 Sep 15:00 (due wd(28 Sep, 1) = 29 Sep), done only
   Fri 9 Oct 09:00 (late) → prepared 9 Oct 10:00 → picked up Mon 12 Oct 09:00 (due
   wd(9 Oct, 1) = 10 Oct: late; case completed late: 12 > 8 Oct; 6 working days: 29,
   30 Sep, 8, 9, 10, 12 Oct) → rated dissatisfied 12 Oct → rectified Wed 14 Oct (due
   wd(12 Oct, 15) = 2 Nov: on time).
C  ZF002 at 丰乐乡's window for 玉皇村 511725202002: accepted with a pledge Thu 24 Sep 09:30
   (pledge 1 working day: materials due 28 Sep; case due wd(24 Sep, 3) = 30 Sep) → first
   review 24 Sep 10:00 → back office ready (due wd(24 Sep, 1) = 28 Sep) → the pledge
   deadline passes, the case is returned (退办件) Tue 29 Sep 09:00.
D  RS010 社保卡挂失 (on the spot; intake 0, promised 0) at 青丝乡's window for 新民村
   511725201002: accepted, handled on the spot, picked up Thu 24 Sep 11:15 (due 24 Sep:
   on time, not early; 0 working days) → rated basic.
E  MZ004 at 青丝乡's window for 龙潭村 511725201004: refused at the materials check Thu 24 Sep.
F  MZ004 proxy for 桂花村 511725202003 (丰乐乡) by 蔡平: entrusted Thu 24 Sep 09:10, handed
   over only Thu 8 Oct 09:00 (held 4 working days: 28, 29, 30 Sep, 8 Oct; due 30 Sep: late;
   the escalation fired at the 8 Oct tick is done 8 Oct 08:30) → accepted 8 Oct 10:00
   (due wd(8 Oct, 15) = Wed 28 Oct) → first review ready 8 Oct 10:00 (due wd(8 Oct, 5) =
   Wed 14 Oct), still open.
G  ZF002 at 丰乐乡's window for 丰乐社区 511725202001: accepted Thu 24 Sep 15:10 (due 30 Sep)
   → first review 15:20 → back office ready 24 Sep 15:20 (due 28 Sep), still open.
H  ZF002 at 青丝乡's window for 石桥村: registered Thu 24 Sep 16:00, cancelled 16:10.

The timer job (``tick``) runs Tue 29 Sep 08:00, Thu 8 Oct 08:00 and Fri 30 Oct 10:00.
The figures are read on Mon 2 Nov 10:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from engine import Actor, Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from engine.ledger import LedgerService, NewIssue
from engine.records import CaseFilter, CaseScope, TaskFacts
from engine.registration import Applicant, Registration, RegistrationService
from engine.simulate import fill_form
from engine.stats import Period, Report, StatsService
from processes.catalogue import Catalogue
from tests.support.databases import Databases
from tests.support.paths import BPMN

ID = "11010519491231002X"
QINGSI, FENGLE = "511725201", "511725202"
COUNTY = "511725"
SEP_OCT = Period(date(2026, 9, 1), date(2026, 10, 31))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
READ_AT = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@dataclass
class World:
    engine: Engine
    clock: ManualClock
    catalogue: Catalogue
    cases: dict[str, int]
    ticks: list[list[tuple[str, str, str]]]  # per tick: (case, event type, spec)

    def stats(self) -> StatsService:
        names = {item.code: item.name for item in self.catalogue}
        return StatsService(self.engine.store, self.engine.clock, self.engine.org, names)

    def report(
        self,
        period: Period = SEP_OCT,
        group_by: str = "county",
        scope: CaseScope | None = None,
        where: CaseFilter | None = None,
    ) -> Report:
        return self.stats().figures(period, group_by, scope, where)


class Desk:
    """Drives the cases: registers as a real user, completes tasks by spec id."""

    def __init__(self, engine: Engine, clock: ManualClock, catalogue: Catalogue) -> None:
        self.engine, self.clock, self.catalogue = engine, clock, catalogue

    def at(self, when: str) -> Desk:
        self.clock.set(local(when))
        return self

    def register(self, user: str, item: str, village: str, channel: str) -> int:
        principal = self.engine.identity.principal(user)
        view = RegistrationService(self.engine, self.catalogue).register(
            principal,
            Registration(item, Applicant("张三", ID, village), channel),
        )
        return view.id

    def do(self, case_id: int, spec_id: str, user: str, **data: Any) -> None:
        view = self.engine.cases.get(case_id)
        task = next((t for t in view.tasks if t.spec_id == spec_id), None)
        assert task is not None, f"{spec_id} not ready: {[t.spec_id for t in view.tasks]}"
        form = self.engine.definitions.compiled(view.definition_hash).form(
            task.process_id, task.spec_id
        )
        today = self.clock.now().astimezone(SHANGHAI).date().isoformat()
        filled = fill_form(form, data, today)
        self.engine.cases.complete_task(case_id, task.id, filled, Actor(user, task.lane))

    def send(self, case_id: int, name: str, payload: dict[str, Any]) -> None:
        self.engine.cases.deliver_message(case_id, name, payload, Actor("resident"))

    def rate(self, case_id: int, level: int, *reasons: str) -> None:
        """The resident rates through the case's one-time link (``engine.ratings``)."""
        url = self.engine.ratings.invitation_url(case_id)
        assert url is not None, case_id
        self.engine.ratings.rate(url.split("#", 1)[1], level, list(reasons), "", "127.0.0.1")


def build(engine: Engine, clock: ManualClock, catalogue: Catalogue) -> World:
    engine.definitions.deploy(
        read_sources(
            [
                BPMN / "common",
                *(BPMN / "items" / f"item_{i}.bpmn" for i in ("mz004", "zf002", "rs010")),
            ]
        )
    )
    desk = Desk(engine, clock, catalogue)
    ids: dict[str, int] = {}
    ticks: list[list[tuple[str, str, str]]] = []
    names = {}

    def tick(when: str) -> None:
        desk.at(when)
        report = engine.cases.tick()
        specs = {t.id: t.spec_id for c in ids.values() for t in all_tasks(engine, c)}
        ticks.append(
            sorted(
                (
                    (names[c], kind, specs[task] if task else "case")
                    for c, kind, task in report.warnings
                )
            )
        )

    # Thu 24 Sep
    ids["A"] = desk.at("2026-09-24 09:00").register(
        "tan.xiaoyan", "MZ004", "511725201001", "village_point"
    )
    ids["F"] = desk.register("cai.ping", "MZ004", "511725202003", "village_point")
    ids["B"] = desk.register("wang.fang", "ZF002", "511725201003", "township_window")
    ids["C"] = desk.register("pan.hong", "ZF002", "511725202002", "township_window")
    desk.at("2026-09-24 09:10").do(ids["F"], "Task_entrust", "cai.ping")
    desk.at("2026-09-24 09:20").do(ids["A"], "Task_entrust", "tan.xiaoyan")
    desk.at("2026-09-24 09:30").do(
        ids["C"], "Task_check_materials", "pan.hong",
        intake_decision="accept_with_pledge", missing_materials="摊点位置示意图", pledge_days=1,
    )  # fmt: skip
    desk.at("2026-09-24 10:00").do(
        ids["B"],
        "Task_check_materials",
        "wang.fang",
        intake_decision="supplement",
        missing_materials="摊点位置示意图",
    )
    desk.do(ids["C"], "Task_first_review", "pan.hong")
    desk.at("2026-09-24 10:30").do(ids["B"], "Task_supplement_notice", "wang.fang")
    ids["D"] = desk.at("2026-09-24 11:00").register(
        "wang.fang", "RS010", "511725201002", "township_window"
    )
    desk.do(ids["D"], "Task_check_materials", "wang.fang", intake_decision="accept")
    desk.at("2026-09-24 11:05").do(ids["D"], "Task_on_the_spot", "wang.fang")
    desk.at("2026-09-24 11:10").do(
        ids["D"], "Task_prepare_result", "wang.fang", delivery_mode="window"
    )
    desk.at("2026-09-24 11:15").do(ids["D"], "Task_window_pickup", "wang.fang")
    desk.at("2026-09-24 11:20").rate(ids["D"], 3)  # basic
    ids["E"] = desk.at("2026-09-24 14:00").register(
        "wang.fang", "MZ004", "511725201004", "township_window"
    )
    desk.at("2026-09-24 14:10").do(
        ids["E"],
        "Task_check_materials",
        "wang.fang",
        intake_decision="refuse",
        refuse_reason="非本县户籍",
    )
    desk.at("2026-09-24 14:20").do(ids["E"], "Task_refusal_notice", "wang.fang")
    ids["G"] = desk.at("2026-09-24 15:00").register(
        "pan.hong", "ZF002", "511725202001", "township_window"
    )
    desk.at("2026-09-24 15:10").do(
        ids["G"], "Task_check_materials", "pan.hong", intake_decision="accept"
    )
    desk.at("2026-09-24 15:20").do(ids["G"], "Task_first_review", "pan.hong")
    ids["H"] = desk.at("2026-09-24 16:00").register(
        "wang.fang", "ZF002", "511725201003", "township_window"
    )
    desk.at("2026-09-24 16:10")
    engine.cases.cancel(ids["H"], "申请人撤回", Actor("wang.fang"))
    names.update({case_id: name for name, case_id in ids.items()})
    # The issue ledger: three issues in 青丝社区 (two resolved on 29 Sep), one in 桂花村.
    ledger = LedgerService(engine.store, engine.clock, engine.org)
    tan, cai = engine.identity.principal("tan.xiaoyan"), engine.identity.principal("cai.ping")
    desk.at("2026-09-24 17:00")
    issues = [
        ledger.record(
            tan, NewIssue("511725201001", "李四", "infrastructure", f"村道 {n}", "meeting")
        )
        for n in range(3)
    ]
    ledger.record(cai, NewIssue("511725202003", "王五", "livelihood", "低保咨询", "visit"))
    # Mon 28 Sep
    desk.at("2026-09-28 09:00").send(ids["B"], "materials_resubmitted", {})
    desk.at("2026-09-28 10:00").do(ids["B"], "Task_recheck", "wang.fang", intake_decision="accept")
    desk.at("2026-09-28 11:00").do(ids["B"], "Task_first_review", "wang.fang")
    desk.at("2026-09-28 15:00").do(
        ids["B"], "Task_backoffice_review", "yang.fan", review_decision="approve"
    )
    # Tue 29 Sep: the pledge of C has run out (24:00 of 28 Sep)
    tick("2026-09-29 08:00")
    desk.at("2026-09-29 09:00").do(ids["C"], "Task_return_notice", "pan.hong")
    desk.at("2026-09-29 10:00").do(ids["A"], "Task_handover", "tan.xiaoyan")
    desk.at("2026-09-29 11:00").do(
        ids["A"], "Task_check_materials", "wang.fang", intake_decision="accept"
    )
    desk.at("2026-09-29 14:00").do(ids["A"], "Task_first_review", "wang.fang")
    desk.at("2026-09-29 17:00")
    for view in issues[:2]:
        ledger.resolve(tan, view.issue.id, "已修复")
    # Wed 30 Sep
    desk.at("2026-09-30 09:00").do(
        ids["A"], "Task_backoffice_review", "yang.fan", review_decision="approve"
    )
    desk.at("2026-09-30 10:00").do(ids["A"], "Task_county_handover", "liu.yang")
    # Thu 8 Oct: F's handover limit has run out (24:00 of 30 Sep)
    tick("2026-10-08 08:00")
    desk.at("2026-10-08 08:30").do(ids["F"], "Task_escalate_handover", "du.gang")
    desk.at("2026-10-08 09:00").do(ids["F"], "Task_handover", "cai.ping")
    desk.at("2026-10-08 10:00").do(
        ids["F"], "Task_check_materials", "pan.hong", intake_decision="accept"
    )
    # Fri 9 Oct
    desk.at("2026-10-09 09:00").do(
        ids["A"], "Task_county_decision", "deng.hui", county_decision="approve"
    )
    desk.do(ids["B"], "Task_leader_approval", "chen.jing", leader_decision="approve")
    desk.at("2026-10-09 10:00").do(
        ids["A"], "Task_prepare_result", "wang.fang", delivery_mode="window"
    )
    desk.do(ids["B"], "Task_prepare_result", "wang.fang", delivery_mode="window")
    desk.at("2026-10-09 11:00").do(ids["A"], "Task_window_pickup", "wang.fang")
    desk.at("2026-10-09 11:30").rate(ids["A"], 5)  # very_satisfied
    # Mon 12 Oct - Wed 14 Oct
    desk.at("2026-10-12 09:00").do(ids["B"], "Task_window_pickup", "wang.fang")
    desk.at("2026-10-12 09:30").rate(ids["B"], 2, "slow")  # dissatisfied: 等太久
    desk.at("2026-10-14 10:00").do(ids["B"], "Task_rectify", "chen.jing")
    # Fri 30 Oct
    tick("2026-10-30 10:00")
    clock.set(READ_AT)
    return World(engine, clock, catalogue, ids, ticks)


def all_tasks(engine: Engine, case_id: int) -> list[TaskFacts]:
    with engine.store.unit_of_work(write=False) as uow:
        return uow.figures.tasks_of([case_id])


@contextmanager
def stats_world(databases: Databases) -> Iterator[World]:
    """The data set on a database of the caller's own: built once per session into a
    template, each caller working on a copy with the clock where ``build`` left it."""
    made = databases.prepared(
        "stats world", lambda engine, clock: build(engine, clock, databases.catalogue)
    )
    clock = ManualClock(made.now)
    with databases.engine(clock, template=made.template) as engine:
        yield replace(made.value, engine=engine, clock=clock)


# September and October, whole county, read on 2 Nov: "at the end of the period" is
# 24:00 of 31 Oct.
SEP_OCT_TOTAL: dict[str, Any] = {
    # A-H were all registered on 24 Sep; A and F came through a village agent.
    "registered": 8,
    "proxy_cases": 2,
    # Accepted: A 29 Sep, B 28 Sep, C 24 Sep (with a pledge), D 24 Sep, F 8 Oct, G 24 Sep;
    # E was refused, H withdrawn before its check.
    "accepted": 6,
    "on_the_spot": 1,  # D
    "on_the_spot_share": round(1 / 6, 4),
    "returned": 1,  # C (pledge not kept)
    "return_rate": round(1 / 6, 4),
    # The materials check concluded: the 6 accepted and E (refused) = 7; B alone had a
    # supplement notice; accepted without one: A, C, D, F, G = 5.
    "intake_concluded": 7,
    "supplemented": 1,
    "supplement_rate": round(1 / 7, 4),
    "first_time_right": 5,
    "first_time_right_rate": round(5 / 7, 4),
    # Completed: D 24 Sep (due 24 Sep: on time), A 9 Oct (due 26 Oct: on time, early),
    # B 12 Oct (due 8 Oct: late). C was returned, E never accepted, F and G are open.
    "completed": 3,
    "completed_with_due_date": 3,
    "on_time": 2,
    "on_time_rate": round(2 / 3, 4),
    "early": 1,
    "early_rate": round(1 / 3, 4),
    "overdue_completed": 1,
    # Open at 24:00 31 Oct past their due date: F (28 Oct) and G (30 Sep).
    "overdue_open": 2,
    "overdue": 3,
    "overdue_rate": round(3 / (3 + 2), 4),
    # Working days from acceptance to completion: A 3, B 6, D 0.
    "handling_days": 9,
    "handling_cases": 3,
    "avg_handling_days": 3.0,
    # Steps of the shared activities done (own completion, callback or timer):
    # A 9 (entrust, handover, check, first review, back office, county handover, county
    # decision by its task, prepare, pickup); B 9 (check, supplement notice, recheck, first
    # review, back office, leader, prepare, pickup, rectify); C 2 (check, first review: its
    # back office review was ended by the return, not done); D 3 (check, prepare, pickup);
    # E 2 (check, refusal notice); F 4 (entrust, escalation, handover, check); G 2 (check,
    # first review); H 0 (its check ended by the cancellation) = 31.
    "steps_done": 31,
    # Done late: B's leader approval (due 24:00 29 Sep, done 9 Oct), B's pickup (due 24:00
    # 10 Oct, done 12 Oct), F's handover (due 24:00 30 Sep, done 8 Oct) = 3.
    "step_overdue_done": 3,
    # Open past their due time at 24:00 31 Oct: F's first review (14 Oct), G's back office
    # review (28 Sep) = 2.
    "step_overdue_open": 2,
    "step_overdue": 5,
    # Handed over by the village: A 29 Sep (2 working days, within 3), F 8 Oct (4, late).
    "handed_over": 2,
    "handover_on_time": 1,
    "handover_on_time_rate": 0.5,
    "village_holding_days": 6,
    "avg_village_holding_days": 3.0,
    # Warnings, see test_the_timer_job_raises_each_warning_once: 3 + 3 + 2 yellow,
    # 2 + 3 + 2 red.
    "yellow_warnings": 8,
    "red_warnings": 7,
    # Ratings: D basic (24 Sep), A very_satisfied (9 Oct), B dissatisfied (12 Oct);
    # satisfied = very satisfied, satisfied or basic: A and D.
    "ratings": 3,
    "ratings_by_level": {
        "very_satisfied": 1,
        "satisfied": 0,
        "basic": 1,
        "dissatisfied": 1,
        "very_dissatisfied": 0,
    },
    "satisfied": 2,
    "satisfaction_rate": round(2 / 3, 4),
    # B's bad rating was rectified 14 Oct, within 15 working days (due 2 Nov).
    "bad_ratings": 1,
    "rectified": 1,
    "rectified_on_time": 1,
    "rectification_rate": 1.0,
    # All three ratings came through the residents' links; none entered, none appealed
    # (tests/api/test_api_ratings.py counts those).
    "entered_ratings": 0,
    "appeal_upheld_ratings": 0,
    # The ledger: 4 issues recorded 24 Sep (3 in 青丝社区, 1 in 桂花村), 2 resolved 29 Sep.
    "ledger_recorded": 4,
    "ledger_resolved": 2,
    "ledger_resolution_rate": 0.5,
}
