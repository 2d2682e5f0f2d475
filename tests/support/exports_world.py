"""The data set of the process-mining export tests (``tests/integration/test_exports.py``,
``tests/api/test_api_exports.py``): cases walked through real item processes.

A: a proxy item (MZ004) with claims, a missed handover deadline and its warnings, a
supplement, a leader's assignment, the county's decision by its task and a rating;
B: a devolved window item (ZF002) with a released claim; C: a cancelled case; D: a case
of another township (丰乐乡), still open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from engine import Actor, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.identity import Principal
from engine.registration import Applicant, Registration, RegistrationService
from engine.simulate import fill_form
from tests.support.databases import START, Databases
from tests.support.paths import BPMN, DATA
from tests.support.shipped import shipped_catalogue

ID = "11010519491231002X"
ITEMS = ("mz004", "zf002")
XSD = DATA / "xes-ieee-1849-2016.xsd"  # the XML schema of IEEE 1849-2016 (XES)
PROCESSES = (BPMN / "common", *(BPMN / "items" / f"item_{i}.bpmn" for i in ITEMS))
# Who works a task of each role (lane) in the data set.
WORKERS = {
    "village_agent": "tan.xiaoyan",
    "township_window": "wang.fang",
    "township_backoffice": "liu.yang",
    "township_leader": "chen.jing",
    "county_officer": "deng.hui",
}


@dataclass
class Cases:
    """The data set: engine, clock and the ids of the cases by what they show."""

    engine: Engine
    clock: ManualClock
    ids: dict[str, int] = field(default_factory=dict)

    # -- acting as the demo users --------------------------------------------------------
    def principal(self, user: str) -> Principal:
        found = self.engine.org.users[user]
        return Principal(found.id, found.name, frozenset(found.roles), found.unit)

    def actor(self, user: str) -> Actor:
        found = self.engine.org.users[user]
        return Actor(user, found.roles[0], unit=found.unit)

    def register(self, user: str, item: str, village: str, channel: str, name: str = "张三") -> int:
        registration = Registration(item, Applicant(name, ID, village), channel)
        service = RegistrationService(self.engine, shipped_catalogue())
        return service.register(self.principal(user), registration).id

    def task_id(self, case_id: int, spec_id: str) -> str:
        view = self.engine.cases.get(case_id)
        found = [t.id for t in view.tasks if t.spec_id == spec_id]
        assert found, (spec_id, [t.spec_id for t in view.tasks], view.waiting_messages)
        return found[0]

    def complete(
        self, case_id: int, spec_id: str, user: str, claim: bool = True, **data: Any
    ) -> None:
        cases = self.engine.cases
        task_id = self.task_id(case_id, spec_id)
        if claim:
            cases.claim(case_id, task_id, self.actor(user))
        task = cases.task(task_id)
        form = self.engine.definitions.compiled(cases.record(case_id).definition_hash).form(
            task.process_id, task.spec_id
        )
        today = self.clock.now().astimezone(SHANGHAI).date().isoformat()
        cases.complete_task(case_id, task_id, fill_form(form, data, today), self.actor(user))
        self.clock.advance(timedelta(hours=1))

    def walk(self, case_id: int) -> None:
        """Work every task as its role's user (claiming it first) and send the rating."""
        cases = self.engine.cases
        for _ in range(40):
            view = cases.get(case_id)
            if view.status != "open":
                return
            if view.tasks:
                task = view.tasks[0]
                self.complete(case_id, task.spec_id, WORKERS[task.lane or ""])
            elif "rating" in view.waiting_messages:  # the resident, by the link
                url = self.engine.ratings.invitation_url(case_id)
                assert url is not None
                self.engine.ratings.rate(url.split("#", 1)[1], 4, [], "", "127.0.0.1")
            else:
                raise AssertionError(f"stuck: {view.waiting_messages}")
        raise AssertionError("too many steps")


def build(engine: Engine, clock: ManualClock) -> Cases:
    """The data set (see the module's docstring), the case ids by name."""
    world = Cases(engine, clock)
    cases = engine.cases
    # A: proxy item MZ004 from 青丝社区, through everything.
    a = world.ids["proxy"] = world.register("tan.xiaoyan", "MZ004", "511725201001", "village_point")
    world.complete(a, "Task_entrust", "tan.xiaoyan")
    clock.advance(timedelta(days=8))  # the handover deadline passes
    cases.tick()
    world.complete(a, "Task_handover", "tan.xiaoyan", claim=False)
    world.complete(a, "Task_check_materials", "wang.fang", intake_decision="supplement")
    world.complete(a, "Task_supplement_notice", "wang.fang", claim=False)
    cases.deliver_message(a, "materials_resubmitted", {}, world.actor("wang.fang"))
    world.complete(a, "Task_recheck", "wang.fang", intake_decision="accept")
    world.complete(a, "Task_first_review", "wang.fang")
    review = world.task_id(a, "Task_backoffice_review")
    cases.assign(a, review, "liu.yang", world.actor("chen.jing"))
    world.complete(a, "Task_backoffice_review", "liu.yang", claim=False)
    world.complete(a, "Task_county_handover", "wang.fang")
    # 县民政局 decides in daiban (its route: the decision task)
    world.complete(a, "Task_county_decision", "deng.hui", claim=False, county_decision="approve")
    world.walk(a)
    # B: devolved window item ZF002 at 青丝乡, a claim released and taken again.
    clock.advance(timedelta(days=3))
    b = world.ids["window"] = world.register(
        "wang.fang", "ZF002", "511725201003", "township_window"
    )
    first = cases.get(b).tasks[0]
    cases.claim(b, first.id, world.actor("wang.fang"))
    cases.release(b, first.id, world.actor("wang.fang"))
    world.walk(b)
    # C: registered at the window, claimed, then cancelled by the township leader.
    c = world.ids["cancelled"] = world.register(
        "wang.fang", "MZ004", "511725201003", "township_window", name='O\'Brien <&> "x"\x07'
    )
    cases.claim(c, world.task_id(c, "Task_check_materials"), world.actor("wang.fang"))
    cases.cancel(c, "申请人撤回申请", world.actor("chen.jing"))
    # D: 丰乐乡, registered at its window, still open.
    clock.advance(timedelta(days=2))
    world.ids["fengle"] = world.register("pan.hong", "MZ004", "511725202002", "township_window")
    return world


@contextmanager
def exports_world(databases: Databases) -> Iterator[Cases]:
    """The data set on a database of the caller's own: built once per session into a
    template (on ``PROCESSES`` deployed at ``START``), each caller working on a copy."""
    made = databases.prepared("exports world", build, PROCESSES, START)
    clock = ManualClock(made.now)
    with databases.engine(clock, template=made.template) as engine:
        yield replace(made.value, engine=engine, clock=clock)
