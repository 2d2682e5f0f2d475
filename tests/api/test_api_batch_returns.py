"""A yearly payout list the county department returns (退耕还林, LY004): the 林业局 sends
it back with its opinion, the township corrects it and posts a new notice. A module of
its own: its clock runs in November, apart from the NL007 list's September notice."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine import Engine
from engine.clock import SHANGHAI, ManualClock
from tests.support.api import shared_app, shared_tokens
from tests.support.batches import (
    AGENT,
    BACKOFFICE,
    LINES,
    OFFICER,
    OTHER_OFFICER,
    VILLAGE,
    BatchApi,
)
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN

clock, engine = module_engine((BPMN / "common", BPMN / "items" / "item_ly004.bpmn"))


@pytest.fixture(scope="module")
def api(engine: Engine, databases: Databases) -> BatchApi:
    client = shared_app(databases, engine).test_client()
    return BatchApi(client, shared_tokens(databases, engine), engine)


def test_the_county_sends_a_list_back_to_the_township(api: BatchApi, clock: ManualClock) -> None:
    """退耕还林 (LY004): the 林业局 returns the list with its opinion; the township reviews
    it again and posts a new notice."""
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # Monday
    api.tokens.clear()  # issued at the module's start, in September
    body = {"item_code": "LY004", "village": VILLAGE, "year": 2032, "rate": "300"}
    case = api.post(AGENT, "/batches", body, 201)["id"]
    api.post(AGENT, f"/batches/{case}/lines", {"lines": LINES[:2]})
    api.complete(AGENT, case, "Task_batch_compile", {"list_checked": True})
    api.complete(BACKOFFICE, case, "Task_batch_review", {"review_opinion": "属实"})
    api.complete(AGENT, case, "Task_batch_post_notice", {"notice_place": "村务公开栏"})
    # posted Monday 11-02: 7 calendar days end on Monday 11-09, a working day
    clock.set(datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI))
    api.tick()
    api.get(OFFICER, f"/batches/{case}", 404)  # the 农业农村局 has nothing to do with it
    returned = {"approval_decision": "reject", "approval_opinion": "第 2 户面积与验收不符"}
    api.complete(OTHER_OFFICER, case, "Task_batch_approval", returned)
    shown = api.get(BACKOFFICE, f"/batches/{case}")
    assert shown["step"] == "review" and shown["may_change_lines"] is True
    body = {"area": "1.20", "reason": "按验收面积更正"}
    shown = api.post(BACKOFFICE, f"/batches/{case}/lines/2/correct", body)
    # 3.20 × 300 = 960.00; 1.20 × 300 = 360.00
    assert (shown["totals"]["area"], shown["totals"]["amount"]) == ("4.40", "1320.00")
    api.complete(BACKOFFICE, case, "Task_batch_review", {"review_opinion": "已更正"})
    assert api.get(AGENT, f"/batches/{case}")["step"] == "post"
