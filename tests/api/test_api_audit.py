"""Auditing a case over HTTP: history, the state after every event, verification, diagram."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from engine import Engine, ManualClock
from engine.runtime.snapshot import state_digest, unpack
from engine.store.testing import drop_append_only_guard, run_sql
from tests.support.databases import Deployed
from tests.support.walks import SHIQIAO, WALKED, WINDOW_ITEM, Counter, at

Captured = dict[str, Any]


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def capture(engine: Engine, case_id: int) -> Captured:
    """The case as the engine holds it right now (its snapshot), to compare with replay."""
    record = engine.cases.record(case_id)
    state = unpack(record.snapshot)
    view = engine.cases.get(case_id)
    return {
        "seq": record.last_seq,
        "digest": state_digest(state),
        "status": view.status,
        "tasks": sorted(t.id for t in view.tasks),
        "claims": dict(state["claims"]),
        "data": view.data,
    }


def walk(counter: Counter, clock: ManualClock) -> tuple[int, list[Captured]]:
    """A window case to completion, capturing the live state after every change."""
    engine = counter.engine
    live: list[Captured] = []
    case_id = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    live.append(capture(engine, case_id))
    counter.act(
        "wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"}, claim=False
    )
    live.append(capture(engine, case_id))
    task = counter.find("wang.fang", case_id, "Task_first_review")
    assert counter.post("wang.fang", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    live.append(capture(engine, case_id))
    at(clock, "2026-09-25")
    done = counter.post(
        "wang.fang", f"/api/v1/tasks/{task['id']}/complete", {"first_opinion": "同意"}
    )
    assert done.status_code == 200
    live.append(capture(engine, case_id))
    for user, spec, data in [
        ("yang.fan", "Task_backoffice_review", {"review_decision": "approve"}),
        ("zhao.gang", "Task_leader_approval", {"leader_decision": "approve"}),
        (
            "zhang.min",
            "Task_prepare_result",
            {"delivery_mode": "window", "result_document_no": "3"},
        ),
        ("wang.fang", "Task_window_pickup", {"slip_signed": True, "received_by": "张秀兰"}),
    ]:
        counter.act(user, case_id, spec, data, claim=False)
        live.append(capture(engine, case_id))
    assert counter.rate(case_id, 4).status_code == 200  # the resident, by the link
    live.append(capture(engine, case_id))
    assert live[-1]["status"] == "completed"
    return case_id, live


def test_state_after_every_event_equals_the_state_captured_live(
    counter: Counter, clock: ManualClock
) -> None:
    case_id, live = walk(counter, clock)
    assert [c["seq"] for c in live] == list(range(1, len(live) + 1))
    for captured in live:
        response = counter.get("wang.fang", f"/api/v1/cases/{case_id}/state?at={captured['seq']}")
        assert response.status_code == 200, response.get_json()
        state = response.get_json()
        assert state["seq"] == captured["seq"]
        assert state["digest"] == state["recorded_digest"] == captured["digest"]
        assert state["status"] == captured["status"]
        assert sorted(t["id"] for t in state["tasks"]) == captured["tasks"]
        claims = {t["id"]: t["claimed_by"] for t in state["tasks"] if t["claimed_by"]}
        assert claims == captured["claims"]
        assert state["data"] == captured["data"] and state["masked"] is False
    # the claim taken at seq 3 is visible then, and gone once the task was done
    assert live[2]["claims"] and not live[3]["claims"]
    latest = counter.get("wang.fang", f"/api/v1/cases/{case_id}/state").get_json()
    assert latest["seq"] == len(live)
    for bad in ("0", str(len(live) + 1), "x", "99999999999999999999999"):
        response = counter.get("wang.fang", f"/api/v1/cases/{case_id}/state?at={bad}")
        assert response.status_code in (404, 422), bad
        assert response.mimetype == "application/problem+json"


def test_history_names_every_actor_role_unit_and_links_the_chain(
    counter: Counter, clock: ManualClock
) -> None:
    case_id, live = walk(counter, clock)
    history = counter.get("wang.fang", f"/api/v1/cases/{case_id}/history").get_json()
    events = history["events"]
    assert [e["seq"] for e in events] == list(range(1, len(live) + 1))
    assert history["masked"] is False
    first = events[0]
    assert (first["type"], first["type_name"], first["actor"]) == (
        "case_started",
        "收件登记",
        "wang.fang",
    )
    assert (first["role"], first["org_unit"], first["actor_name"]) == (
        "township_window", "511725201", "王芳"
    )  # fmt: skip
    assert (first["role_name"], first["org_unit_name"]) == ("乡镇便民服务中心窗口（A岗）", "青丝乡")
    [opened] = first["opened"]
    assert (opened["role"], opened["role_name"]) == (
        "township_window",
        "乡镇便民服务中心窗口（A岗）",
    )
    assert opened["org_unit_name"] == "青丝乡"
    assert {e["type"]: e["type_name"] for e in events}["task_completed"] == "办理任务"
    assert (
        first["at"].endswith("+08:00") and first["on_behalf_of"] == "张秀兰（110105********002X）"
    )
    assert first["data"]["data"]["applicant"]["id_number"] == "11010519491231002X"
    assert [t["spec_id"] for t in first["opened"]] == ["Task_check_materials"]
    approval = next(
        e for e in events if e["task"] and e["task"]["spec_id"] == "Task_leader_approval"
    )
    assert (approval["actor"], approval["role"], approval["task"]["name"]) == (
        "zhao.gang", "township_leader", "分管领导审批"
    )  # fmt: skip
    assert approval["data"]["data"]["leader_decision"] == "approve"
    assert events[0]["prev_hash"] == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after["prev_hash"] == before["hash"]
    # read-only callers get ID numbers and phones masked
    supervised = counter.get("sun.hong", f"/api/v1/cases/{case_id}/history").get_json()
    assert supervised["masked"] is True
    applicant = supervised["events"][0]["data"]["data"]["applicant"]
    assert (applicant["id_number"], applicant["phone"]) == ("110105********002X", "138****1234")
    assert [e["hash"] for e in supervised["events"]] == [e["hash"] for e in events]
    state = counter.get("sun.hong", f"/api/v1/cases/{case_id}/state?at=1").get_json()
    assert state["data"]["applicant"]["id_number"] == "110105********002X"
    assert (state["status"], state["status_name"]) == ("open", "在办")
    [task] = state["tasks"]
    assert (task["role_name"], task["org_unit_name"]) == ("乡镇便民服务中心窗口（A岗）", "青丝乡")
    end = counter.get("sun.hong", f"/api/v1/cases/{case_id}/diagram").get_json()
    assert (end["status"], end["status_name"]) == ("completed", "已办结")


def test_history_names_every_field_and_code_of_its_data_in_one_map(
    counter: Counter, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _ = walk(counter, clock)
    engine = counter.engine
    history = counter.get("sun.hong", f"/api/v1/cases/{case_id}/history").get_json()
    labels, values = history["labels"], history["value_labels"]
    events = history["events"]
    # the registration record: a fixed table, codes by their names
    registered = events[0]["data"]["data"]
    assert set(registered) - {"item"} <= set(labels)
    assert (labels["applicant"], labels["applicant.id_number"], labels["applicant.name"]) == (
        "申请人", "公民身份号码", "姓名"
    )  # fmt: skip
    assert (labels["channel"], labels["materials"], labels["via_proxy"]) == (
        "收件渠道", "收件材料", "代办件"
    )  # fmt: skip
    assert values["channel"]["township_window"] == "乡镇便民服务中心窗口"
    assert (labels["item.name"], values["item.type"]["licence"]) == ("事项名称", "行政许可")
    assert (labels["routing.township"], labels["definition_hash"]) == (
        "承办乡镇", "流程版本（哈希）"
    )  # fmt: skip
    # a task's answers: the titles and options of its form in the pinned definition
    # (the materials check is in the called common_intake)
    compiled = engine.definitions.compiled(engine.cases.record(case_id).definition_hash)
    answered = [e for e in events if e["type"] == "task_completed"]
    assert len(answered) == 6
    for event in answered:
        form = compiled.form(event["task"]["process_id"], event["task"]["spec_id"])
        assert form is not None
        for name in event["data"]["data"]:
            spec = form.field_named(name)
            assert spec is not None and labels[name] == spec.title, name
            if spec.type == "enum":
                assert values[name] == dict(spec.values), name
    assert (labels["intake_decision"], values["intake_decision"]["accept"]) == ("受理意见", "受理")
    assert (labels["leader_decision"], values["leader_decision"]["approve"]) == ("审批结论", "同意")
    assert labels["slip_signed"] == "申请人已签收办结单"
    # a message's payload: its JSON Schema's titles and oneOf options; its name by its name
    assert (labels["level"], values["level"]["satisfied"]) == ("评价等级", "满意")
    assert (labels["payload"], values["name"]["rating"]) == ("消息内容", "办事评价")
    # only what occurs: no field of a form this case never submitted, no other message's
    assert "opinion" not in labels and "approved" not in labels and "comment" not in labels
    assert {"task_id", "data", "process_id"} <= set(labels)
    # the same for who reads in clear; the titles are read once per version (cached)
    monkeypatch.setattr(engine.definitions, "compiled", lambda _hash: pytest.fail("recompiled"))
    clear = counter.get("wang.fang", f"/api/v1/cases/{case_id}/history").get_json()
    assert (clear["labels"], clear["value_labels"]) == (labels, values)


def test_verify_names_the_first_tampered_event(counter: Counter, clock: ManualClock) -> None:
    case_id, _ = walk(counter, clock)
    ok = counter.get("sun.hong", f"/api/v1/cases/{case_id}/verify").get_json()
    assert ok["ok"] is True and ok["problems"] == [] and ok["events"] == 9
    drop_append_only_guard(counter.engine.store)
    run_sql(
        counter.engine.store,
        "UPDATE events SET actor = 'mallory' WHERE case_id = :c AND seq = 5",
        c=case_id,
    )
    report = counter.get("sun.hong", f"/api/v1/cases/{case_id}/verify").get_json()
    assert report["ok"] is False and report["problems"][0]["seq"] == 5
    assert "第 5 号事件" in report["summary"]


def test_diagram_paints_completed_active_and_overdue_elements(
    counter: Counter, clock: ManualClock
) -> None:
    engine = counter.engine
    case_id = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    view = counter.get("wang.fang", f"/api/v1/cases/{case_id}/diagram").get_json()
    process = WINDOW_ITEM.process_id
    assert view["definition"]["process_id"] == process and view["definition"]["version"] == 1
    review = view["elements"]["common_township_review"]
    assert review["Task_first_review"] == "active"
    assert view["elements"]["common_intake"]["Task_check_materials"] == "completed"
    assert view["elements"][process]["Call_intake"] == "completed"
    assert view["elements"][process]["Call_review"] == "active"
    assert view["overdue"] == {} and view["case_overdue"] is False
    # after the due date (30 Sep) the open review step is overdue
    at(clock, "2026-10-09")
    late = counter.get("wang.fang", f"/api/v1/cases/{case_id}/diagram").get_json()
    assert late["case_overdue"] is True
    assert late["overdue"] == {"common_township_review": ["Task_first_review"]}
    # as it stood after event 1: only the intake was reached
    first = counter.get("wang.fang", f"/api/v1/cases/{case_id}/diagram?at=1").get_json()
    assert first["seq"] == 1 and "common_township_review" not in first["elements"]
    assert first["elements"]["common_intake"]["Task_check_materials"] == "active"
    xml = counter.get("wang.fang", f"/api/v1/definitions/{process}/1")
    assert xml.status_code == 200 and b'id="Call_review"' in xml.data
    assert engine.audit.verify(case_id).ok


@pytest.mark.parametrize("path", ["history", "state", "verify", "diagram"])
def test_audit_views_are_scoped(counter: Counter, path: str) -> None:
    case_id = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    for outsider in ("pan.hong", "cai.ping", "tan.xiaoyan", "deng.hui"):
        response = counter.get(outsider, f"/api/v1/cases/{case_id}/{path}")
        assert response.status_code == 404, outsider
    for insider in ("wang.fang", "he.dong", "sun.hong"):
        assert counter.get(insider, f"/api/v1/cases/{case_id}/{path}").status_code == 200
