"""Yearly payout lists (年度发放清册) over HTTP: 耕地地力保护补贴 (NL007) of village
511725201001 (青丝乡) for 2026, from the village's list to the published results.

The list: four households at 105.50 元/亩. The township strikes one, a villager objects to
another during the notice, the township corrects it, the notice runs again for 7 days,
the county's 农业农村局 approves, 一卡通 pays all but one (account frozen). Totals are the
engine's; scoping, masking, the history and the bounds are checked on the way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from engine import Engine
from engine.clock import SHANGHAI, ManualClock
from processes.patterns import mask_id
from tests.support.api import shared_app, shared_tokens
from tests.support.batches import (
    AGENT,
    BACKOFFICE,
    LINES,
    OFFICER,
    OTHER_AGENT,
    OTHER_OFFICER,
    SUPERVISOR,
    VILLAGE,
    WINDOW,
    BatchApi,
    errors,
    person,
)
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN

clock, engine = module_engine(
    (BPMN / "common", BPMN / "items" / "item_nl007.bpmn", BPMN / "items" / "item_ly004.bpmn")
)


@pytest.fixture(scope="module")
def api(engine: Engine, databases: Databases) -> BatchApi:
    client = shared_app(databases, engine).test_client()
    return BatchApi(client, shared_tokens(databases, engine), engine)


@pytest.fixture(scope="module")
def batch(api: BatchApi) -> dict[str, Any]:
    body = {"item_code": "NL007", "village": VILLAGE, "year": 2026, "rate": "105.50"}
    return api.post(AGENT, "/batches", body, 201)  # type: ignore[no-any-return]


def test_a_village_list_from_compiling_to_published_results(
    api: BatchApi, batch: dict[str, Any], clock: ManualClock
) -> None:
    clock.set(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))  # Thursday
    api.tokens.clear()
    case = batch["id"]
    assert batch["step"] == "compile" and batch["step_name"] == "村级编制"
    assert batch["may_change_lines"] is True and batch["totals"]["lines"] == 0
    # nothing to submit yet: the village's step waits for a line
    problem = api.complete(AGENT, case, "Task_batch_compile", {"list_checked": True}, 422)
    assert errors(problem) == {"lines": "至少一行"}

    shown = api.post(AGENT, f"/batches/{case}/lines", {"lines": LINES})
    # 3.20 + 1.55 + 4.00 + 2.05 = 10.80 亩; 10.80 × 105.50 = 1139.40 元
    # (per line 337.60 + 163.525→163.53 + 422.00 + 216.275→216.28 = 1139.41: rounded per line)
    assert shown["totals"] == {
        "lines": 4, "struck": 0, "area": "10.80", "amount": "1139.41", "objected": 0,
        "paid": 0, "paid_amount": "0.00", "failed": 0, "failed_amount": "0.00", "unrecorded": 4,
    }  # fmt: skip
    api.complete(AGENT, case, "Task_batch_compile", {"list_checked": True})

    # the township's review: the village no longer writes, the back office strikes a line
    assert api.get(BACKOFFICE, f"/batches/{case}")["step"] == "review"
    api.post(AGENT, f"/batches/{case}/lines/2/strike", {"reason": "重复"}, 403)
    shown = api.post(BACKOFFICE, f"/batches/{case}/lines/2/strike", {"reason": "已流转他人耕种"})
    assert shown["totals"]["lines"] == 3 and shown["totals"]["struck"] == 1
    api.complete(BACKOFFICE, case, "Task_batch_review", {"review_opinion": "核减 1 户，其余属实"})

    # the notice: a villager objects to line 3; a struck line cannot be objected to
    api.complete(AGENT, case, "Task_batch_post_notice", {"notice_place": "村务公开栏"})
    assert api.get(AGENT, f"/batches/{case}")["step"] == "notice"
    struck = {"line": 2, "content": "面积不实"}
    api.post(AGENT, f"/cases/{case}/messages/batch_objection", struck, 422)
    objection = {"line": 3, "content": "该户实际种植面积 3 亩", "objector": "村民"}
    api.post(AGENT, f"/cases/{case}/messages/batch_objection", objection)
    shown = api.get(BACKOFFICE, f"/batches/{case}")
    assert shown["step"] == "review" and shown["totals"]["objected"] == 1
    # the review cannot end with the objection open; correcting the line settles it
    api.complete(BACKOFFICE, case, "Task_batch_review", {"review_opinion": "同意"}, 422)
    body = {"area": "3.00", "reason": "经实地核实，面积为 3 亩"}
    shown = api.post(BACKOFFICE, f"/batches/{case}/lines/3/correct", body)
    # 3.20 + 3.00 + 2.05 = 8.25 亩; 337.60 + 316.50 + 216.28 = 870.38 元
    assert (shown["totals"]["area"], shown["totals"]["amount"]) == ("8.25", "870.38")
    api.complete(BACKOFFICE, case, "Task_batch_review", {"review_opinion": "异议成立，已更正"})

    # posted again on Thursday 2026-09-24: 7 calendar days end on 2026-10-01, a day of the
    # National Day holiday (10-01 to 10-07), so the period ends with the first working day
    # after it, 10-08 (deadline_calendar_days(7)); the county's task opens once it fires
    api.complete(AGENT, case, "Task_batch_post_notice", {"notice_place": "村务公开栏"})
    api.get(OFFICER, f"/batches/{case}", 404)  # not handed to the county yet
    clock.set(datetime(2026, 10, 8, 23, 0, tzinfo=SHANGHAI))
    api.tick()
    assert api.get(AGENT, f"/batches/{case}")["step"] == "notice"  # the last day runs
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI))
    api.tick()
    assert api.get(OFFICER, f"/batches/{case}")["step"] == "approval"
    api.get(OTHER_OFFICER, f"/batches/{case}", 404)  # the 林业局 does not see it
    api.complete(OFFICER, case, "Task_batch_approval", {"approval_decision": "approve"})

    # payment: results per line, failures with a reason; the step waits for every line
    paid = {"results": [{"line": 1, "paid": True}, {"line": 3, "paid": True}]}
    api.post(BACKOFFICE, f"/batches/{case}/payments", paid)
    api.complete(BACKOFFICE, case, "Task_batch_payment", {"paid_on": "2026-10-09"}, 422)
    failed = {"results": [{"line": 4, "paid": False}]}
    problem = api.post(BACKOFFICE, f"/batches/{case}/payments", failed, 422)
    assert "results.0.reason" in errors(problem)
    failed["results"][0]["reason"] = "账户冻结"
    shown = api.post(BACKOFFICE, f"/batches/{case}/payments", failed)
    api.complete(BACKOFFICE, case, "Task_batch_payment", {"paid_on": "2026-10-09"})
    api.complete(AGENT, case, "Task_batch_publish", {"publish_place": "村务公开栏"})

    shown = api.get(AGENT, f"/batches/{case}")
    assert shown["status"] == "completed" and shown["step"] == "done"
    assert shown["totals"] == {
        "lines": 3, "struck": 1, "area": "8.25", "amount": "870.38", "objected": 0,
        "paid": 2, "paid_amount": "654.10", "failed": 1, "failed_amount": "216.28",
        "unrecorded": 0,
    }  # fmt: skip  # paid: 337.60 + 316.50
    lines = api.get(AGENT, f"/batches/{case}/lines")["items"]
    assert [(x["no"], x["status"]) for x in lines] == [
        (1, "paid"), (2, "struck"), (3, "paid"), (4, "failed")
    ]  # fmt: skip
    assert lines[3]["note"] == "账户冻结" and lines[2]["area"] == "3.00"
    # every change is in the hash-chained history, and it verifies
    history = api.get(AGENT, f"/cases/{case}/history")
    types = [event["type"] for event in history["events"]]
    for kind in ("batch_lines_added", "batch_line_struck", "batch_line_corrected"):
        assert kind in types
    assert types.count("batch_payments_recorded") == 2
    assert api.get(AGENT, f"/cases/{case}/verify")["ok"] is True
    added = next(e for e in history["events"] if e["type"] == "batch_lines_added")
    assert added["data"]["lines"][0]["id_number"] == person(1)
    # read-only readers see the history masked, the lines' ID numbers and accounts too
    seen = api.get(SUPERVISOR, f"/cases/{case}/history")
    added = next(e for e in seen["events"] if e["type"] == "batch_lines_added")
    first = added["data"]["lines"][0]
    assert (first["id_number"], first["account"]) == (mask_id(person(1)), "*" * 15 + "0011")
    # in the figures a list is one case: completed, never accepted (no materials check)
    # and without a promised limit, so it counts in no on-time or overdue rate
    query = "/stats?item=NL007&from=2026-09-01&to=2026-10-31"
    figures = api.get(SUPERVISOR, query)["total"]
    assert (figures["completed"], figures["accepted"], figures["completed_with_due_date"]) == (
        1, 0, 0,
    )  # fmt: skip


def test_one_list_per_village_item_and_year(api: BatchApi, batch: dict[str, Any]) -> None:
    body = {"item_code": "NL007", "village": VILLAGE, "year": 2026, "rate": "100"}
    problem = api.post(WINDOW, "/batches", body, 409)
    assert str(batch["id"]) in problem["detail"]
    other_year = api.post(WINDOW, "/batches", {**body, "year": 2025}, 201)
    assert other_year["village"] == VILLAGE and other_year["rate"] == "100.00"


def test_scope_and_masking(api: BatchApi) -> None:
    body = {"item_code": "LY004", "village": VILLAGE, "year": 2030, "rate": "300"}
    case = api.post(WINDOW, "/batches", body, 201)["id"]
    api.post(WINDOW, f"/batches/{case}/lines", {"lines": LINES})
    api.get(OTHER_AGENT, f"/batches/{case}", 404)
    api.get(OTHER_AGENT, f"/batches/{case}/lines", 404)
    body = {"item_code": "LY004", "village": VILLAGE, "year": 2026, "rate": "300"}
    api.post(OTHER_AGENT, "/batches", body, 403)  # another village's agent
    clear = api.get(AGENT, f"/batches/{case}/lines?limit=1")
    assert clear["total"] == 4 and clear["items"][0]["id_number"] == person(1)
    assert clear["items"][0]["account"] == "*" * 15 + "0011"
    masked = api.get(SUPERVISOR, f"/batches/{case}/lines")["items"][0]
    assert masked["id_number"] == person(1)[:6] + "********" + person(1)[-4:]
    assert masked["account"] == "*" * 15 + "0011"


def test_lines_are_checked_and_bounded(api: BatchApi) -> None:
    body = {"item_code": "LY004", "village": VILLAGE, "year": 2027, "rate": "125"}
    case = api.post(AGENT, "/batches", body, 201)["id"]
    bad = [
        {**LINES[0], "id_number": LINES[0]["id_number"][:17] + "0"},  # wrong check character
        LINES[1],
        {**LINES[1], "name": "王秀英（重复）"},
    ]
    problem = api.post(AGENT, f"/batches/{case}/lines", {"lines": bad}, 422)
    assert set(errors(problem)) == {"lines.0.id_number", "lines.2.id_number"}
    many = [
        {"name": f"户{n}", "id_number": person(n), "account": f"62179955{n:011d}", "area": "1"}
        for n in range(5001)
    ]
    api.post(AGENT, f"/batches/{case}/lines", {"lines": many[:1001]}, 422)  # 1,000 a request
    for start in range(0, 5000, 1000):
        api.post(AGENT, f"/batches/{case}/lines", {"lines": many[start : start + 1000]})
    problem = api.post(AGENT, f"/batches/{case}/lines", {"lines": many[5000:]}, 422)
    assert "5000" in problem["detail"]
    shown = api.get(AGENT, f"/batches/{case}")["totals"]
    assert (shown["lines"], shown["area"], shown["amount"]) == (5000, "5000.00", "625000.00")
    # a batch item is not a single application
    registration = {
        "item_code": "NL007", "channel": "village_point",
        "applicant": {"name": "李大春", "id_number": person(1), "village": VILLAGE},
    }  # fmt: skip
    problem = api.post(AGENT, "/cases", registration, 422)
    assert "item_code" in errors(problem)
