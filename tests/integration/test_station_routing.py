"""Registration routes an item decided by a grassroots station (``decided_at: T->S``) to the
station of its kind serving the case's township, whichever township's or village's
channel takes it; a township without such a station cannot register the item."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine import ManualClock, Principal
from engine.errors import DataValidationError
from engine.registration import Applicant, Registration
from processes.org import Organization, load_org
from tests.support.databases import Databases, Deployed
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, CATALOGUE, SHIQIAO

MOVE = CATALOGUE["GA004"]  # 户口迁移: 公安派出所
WINDOW = Principal("wang.fang", "王芳", frozenset({"township_window"}), "511725201")
TUXI_WINDOW = Principal("han.xue", "韩雪", frozenset({"township_window"}), "511725103")
CHENGBA = "511725103002"  # 土溪镇城坝村: 土溪派出所 (GA-03)
YUHUANG = "511725202002"  # 丰乐乡玉皇村: 青丝派出所 (GA-01) serves 丰乐乡 too


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"{MOVE.process_id}.bpmn")


def _registration(village: str) -> Registration:
    return Registration(
        MOVE.code, Applicant(**{**APPLICANT, "village": village}), "township_window"
    )


def test_the_case_goes_to_the_police_station_of_the_residents_township(
    databases: Databases, clock: ManualClock, deployed: Deployed
) -> None:
    with databases.engine(clock, deployed) as engine:
        routed = {
            village: engine.registration.register(WINDOW, _registration(village)).id
            for village in (SHIQIAO, YUHUANG, CHENGBA)
        }
        # 全县域通办: 青丝乡's window registers for residents of 丰乐乡 and 土溪镇; each case
        # goes to the 派出所 serving the resident's township, never to the county bureau.
        assert {v: engine.cases.record(c).department for v, c in routed.items()} == {
            SHIQIAO: "GA-01",
            YUHUANG: "GA-01",
            CHENGBA: "GA-03",
        }


def _without(org: Organization, code: str) -> Organization:
    units = {c: u for c, u in org.units.items() if c != code}
    users = {i: u for i, u in org.users.items() if u.unit != code}
    return replace(org, units=units, users=users)


def test_a_township_without_a_police_station_cannot_register_the_item(
    databases: Databases, clock: ManualClock, deployed: Deployed
) -> None:
    org = _without(load_org(), "GA-03")  # 土溪派出所 gone: nobody serves 土溪镇
    with databases.engine(clock, deployed, org=org) as engine:
        with pytest.raises(DataValidationError) as refused:
            engine.registration.register(TUXI_WINDOW, _registration(CHENGBA))
        assert refused.value.fields == {
            "applicant.village": "土溪镇没有负责该事项的公安派出所，请到县级部门办理"
        }
        # 青丝乡's residents are unaffected.
        view = engine.registration.register(WINDOW, _registration(SHIQIAO))
        assert engine.cases.record(view.id).department == "GA-01"
