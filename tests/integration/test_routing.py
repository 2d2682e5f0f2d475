"""Case numbers and the org units that see and act on a case's tasks."""

from __future__ import annotations

import threading

import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.routing import Routing
from engine.simulate import fill_form
from tests.support.databases import Deployed
from tests.support.generated import catalogue_of_shapes, generated_processes

CATALOGUE = catalogue_of_shapes()
QINGSI, XINMIN, FENGLE = "511725201", "511725201002", "511725202"


@pytest.fixture
def deployed() -> Deployed:
    """The test catalogue's generated processes, on every test's engine."""
    return generated_processes()


def _start(engine: Engine, routing: Routing, code: str = "TT002") -> CaseView:
    item = CATALOGUE.items[code]
    data = {"item": item.process_data(), "via_proxy": True, "emergency": False}
    return engine.cases.start(item.process_id, data, Actor("agent"), routing=routing)


def _do(engine: Engine, view: CaseView, spec_id: str, **data: object) -> CaseView:
    task = next(t for t in view.tasks if t.spec_id == spec_id)
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    return engine.cases.complete_task(view.id, task.id, fill_form(form, dict(data), "2026-09-24"))


def test_case_numbers_are_region_date_and_daily_sequence(
    engine: Engine, clock: ManualClock
) -> None:
    first = _start(engine, Routing(QINGSI, XINMIN, "TT"))
    second = _start(engine, Routing(QINGSI, XINMIN, "TT"))
    township_only = _start(engine, Routing(FENGLE))
    assert first.case_number == f"{XINMIN}202609240001"
    assert second.case_number == f"{XINMIN}202609240002"
    assert township_only.case_number == f"{FENGLE}000202609240001"
    clock.set(clock.now().replace(day=25))
    assert _start(engine, Routing(QINGSI, XINMIN, "TT")).case_number == f"{XINMIN}202609250001"


def test_concurrent_registrations_get_distinct_numbers(
    engine: Engine, database_url: str, clock: ManualClock
) -> None:
    numbers: list[str | None] = []
    errors: list[Exception] = []

    def register() -> None:
        other = Engine(database_url, clock, migrate=False)
        try:
            for _ in range(3):
                numbers.append(_start(other, Routing(QINGSI, XINMIN, "TT")).case_number)
        except Exception as error:
            errors.append(error)
        finally:
            other.close()

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(numbers) == [f"{XINMIN}20260924{n:04d}" for n in range(1, 13)]


def test_tasks_go_to_the_village_the_township_and_the_department(engine: Engine) -> None:
    view = _start(engine, Routing(QINGSI, XINMIN, "TT", registered_unit=FENGLE))
    assert view.registered_unit == FENGLE
    units = {t.spec_id: t.org_unit for t in engine.cases.task_index(view.id)}
    assert units == {"Task_entrust": XINMIN}
    view = _do(engine, view, "Task_entrust")
    view = _do(engine, view, "Task_handover")
    assert {t.spec_id: t.org_unit for t in engine.cases.task_index(view.id)} == {
        "Task_check_materials": QINGSI
    }
    for spec_id in ("Task_check_materials", "Task_first_review", "Task_backoffice_review"):
        view = _do(engine, view, spec_id)
    assert view.county_since is None
    view = _do(engine, view, "Task_county_handover")
    assert {t.spec_id: t.org_unit for t in engine.cases.task_index(view.id)} == {
        "Task_county_decision": "TT"
    }
    assert view.county_since is not None
    assert engine.cases.task_index(lane="county_officer", org_unit="TT")[0].case_id == view.id
