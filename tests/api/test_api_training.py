"""Training mode through the HTTP API: 最低生活保障 (MZ001) from the village point to its
rating on a training database, its 7-day public notice passed by moving the clock
forward (``POST /admin/clock/advance``) and the timer job; the same request refused on a
production database and to anyone but the administrator."""

from __future__ import annotations

import math
from typing import Any

import pytest

from engine import Engine
from engine.clock import SHANGHAI
from engine.simulate import HAPPY_MESSAGES, fill_form
from processes.catalogue import Item
from processes.org import Organization
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, QINGSI_COMMUNITY, Counter

MINIMUM_LIVING: Item = CATALOGUE["MZ001"]  # 最低生活保障审核确认: 7-day public notice
ADMIN, READER, AGENT = "he.jun", "sun.hong", "tan.xiaoyan"
ADVANCE = "/api/v1/admin/clock/advance"
DAY = 86400
# The messages of a smooth case (an objection to the notice is never sent).
SENT = {*HAPPY_MESSAGES, "county_decision"}


@pytest.fixture
def deployed() -> tuple[Any, ...]:
    return (BPMN / "common", BPMN / "items" / f"{MINIMUM_LIVING.process_id}.bpmn")


@pytest.fixture
def training(engine: Engine) -> Engine:
    """The test's database, flagged for training before anything happened on it."""
    engine.training.flag("training", "cli")
    return engine


def _code(value: Any) -> str | None:
    """A role or unit as the answers give it: a code, or an object with its code."""
    if isinstance(value, dict):
        found = value.get("code")
        return found if isinstance(found, str) else None
    return value if isinstance(value, str) else None


def who_acts(
    counter: Counter, org: Organization, case: dict[str, Any], task: dict[str, Any]
) -> str:
    """A user who may work ``task`` now: holders of its role, those of its unit (or the
    case's village, township, department) first, the one the task says may act."""
    role = _code(task.get("role")) or _code(task.get("lane"))
    assert role is not None, task
    units = [_code(task.get(key)) for key in ("unit", "org_unit")] + [
        case.get("village"),
        case.get("township"),
        case.get("department"),
    ]
    holders = sorted(
        (u for u in org.users.values() if role in u.roles),
        key=lambda u: (units.index(u.unit) if u.unit in units else len(units), u.id),
    )
    for user in holders:
        seen = counter.get(user.id, f"/api/v1/tasks/{task['id']}")
        if seen.status_code == 200 and seen.get_json()["may_act"] is True:
            return user.id
    raise AssertionError(f"nobody may act on {task}")


def answers(engine: Engine, case_id: int, task_id: str) -> dict[str, Any]:
    """Valid answers for the task's form: the sample values ``daiban simulate`` uses."""
    view = engine.cases.get(case_id)
    ready = next(t for t in view.tasks if t.id == task_id)
    form = engine.cases.registry.compiled(view.definition_hash).form(
        ready.process_id, ready.spec_id
    )
    today = engine.clock.now().astimezone(SHANGHAI).date().isoformat()
    return fill_form(form, {}, today)


def deliver(counter: Counter, case: dict[str, Any], name: str) -> None:
    """A message the case waits for, from whoever may send it (the rating: the resident,
    through the case's link)."""
    if name == "rating":
        assert counter.rate(case["id"], 5).status_code == 200
        return
    payload = HAPPY_MESSAGES.get(name, {"approved": True, "opinion": "同意"})
    path = f"/api/v1/cases/{case['id']}/messages/{name}"
    for user in (AGENT, "wang.fang", "deng.hui"):
        response = counter.post(user, path, payload)
        if response.status_code == 200:
            return
    raise AssertionError(f"nobody could deliver {name}: {response.get_json()}")


def test_minimum_living_allowance_finishes_in_training_mode(
    training: Engine, counter: Counter
) -> None:
    engine = training
    case_id = counter.register(AGENT, MINIMUM_LIVING, QINGSI_COMMUNITY, "village_point")["id"]
    advanced = 0
    for _ in range(60):
        case = counter.case(READER, case_id)
        if case["status"] != "open":
            break
        if case["tasks"]:
            task = case["tasks"][0]
            user = who_acts(counter, engine.org, case, task)
            data = answers(engine, case_id, task["id"])
            done = counter.post(user, f"/api/v1/tasks/{task['id']}/complete", data)
            assert done.status_code == 200, (task, done.get_json())
            continue
        wanted = [m for m in case["waiting_messages"] if m in SENT]
        if wanted:
            deliver(counter, case, wanted[0])
            continue
        # Nothing to do but wait (no objection comes): the public notice (公示). On the
        # system clock nothing is due; the administrator moves the training clock past
        # it, and the timer job fires it.
        due = engine.cases.record(case_id).next_timer_at
        assert due is not None and advanced == 0, case
        assert engine.cases.tick().fired == []
        days = math.ceil((due - engine.clock.now()).total_seconds() / DAY)
        assert days >= 7  # a 7-calendar-day notice
        moved = counter.post(ADMIN, ADVANCE, {"by": f"{days}d"})
        assert moved.status_code == 200, moved.get_json()
        clock = moved.get_json()
        assert (clock["mode"], clock["training"], clock["offset_seconds"]) == (
            "training",
            True,
            days * DAY,
        )
        assert clock["offset"] == f"{days} 天" and clock["advanced_by"] == ADMIN
        # the advance fired what became due: the notice ended (no separate daiban tick)
        assert clock["tick"]["fired"] == [case_id] and clock["tick"]["incidents"] == []
        assert engine.cases.tick().fired == []
        advanced = days * DAY
    else:
        raise AssertionError("the case did not finish")
    assert case["status"] == "completed" and advanced > 0
    verified = counter.get(READER, f"/api/v1/cases/{case_id}/verify")
    assert verified.status_code == 200
    assert verified.get_json()["ok"] is True, verified.get_json()
    assert engine.audit.verify(case_id).ok
    history = counter.get(READER, f"/api/v1/cases/{case_id}/history").get_json()
    events = history["events"] if isinstance(history, dict) else history
    offsets = [event["clock_offset"] for event in events]
    assert offsets[0] == 0 and offsets[-1] == advanced  # every event says which clock
    assert sorted(offsets) == offsets and set(offsets) == {0, advanced}
    fired = next(e for e in events if e["type"] == "timers_fired")
    assert fired["clock_offset"] == advanced


def test_the_clock_cannot_move_on_a_production_database(engine: Engine, counter: Counter) -> None:
    refused = counter.post(ADMIN, ADVANCE, {"by": "8d"})
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "not_training_database" and "不是培训或演示数据库" in body["detail"]
    shown = counter.get(ADMIN, "/api/v1/admin/clock")
    assert shown.status_code == 200
    clock = shown.get_json()
    assert (clock["mode"], clock["mode_name"], clock["training"], clock["offset_seconds"]) == (
        "production",
        "生产",
        False,
        0,
    )
    assert engine.clock.now() == engine.wall_clock.now()


@pytest.mark.parametrize("user", ["wang.fang", "sun.hong", "lin.tao", "deng.hui"])
def test_only_the_administrator_sees_or_moves_the_clock(
    training: Engine, counter: Counter, user: str
) -> None:
    for response in (
        counter.post(user, ADVANCE, {"by": "8d"}),
        counter.get(user, "/api/v1/admin/clock"),
    ):
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"
        assert "系统管理员" in response.get_json()["detail"]
    assert training.training.status().offset_seconds == 0


def test_the_clock_unauthenticated_is_401(client: Any) -> None:
    assert client.get("/api/v1/admin/clock").status_code == 401
    assert client.post(ADVANCE, json={"by": "8d"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"by": "8x"}, "时长格式有误"),
        ({"by": "0d"}, "只能前移"),
        ({"by": "-1d"}, "时长格式有误"),
        ({"by": "400d"}, "不超过 366 天"),
        ({"by": 8}, "文本"),
        ({}, "必填"),
    ],
)
def test_a_bad_advance_names_the_field(
    training: Engine, counter: Counter, body: dict[str, Any], reason: str
) -> None:
    response = counter.post(ADMIN, ADVANCE, body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["by"] and errors[0]["in"] == "body"
    assert reason in errors[0]["reason"], errors
    assert training.training.status().offset_seconds == 0


def test_the_administrator_reads_the_training_clock(training: Engine, counter: Counter) -> None:
    assert counter.post(ADMIN, ADVANCE, {"by": "12h"}).status_code == 200
    clock = counter.get(ADMIN, "/api/v1/admin/clock").get_json()
    assert clock["mode_name"] == "培训" and clock["offset"] == "12 小时"
    assert clock["now"] == "2026-09-24T21:00:00+08:00"
    assert clock["system_time"] == "2026-09-24T09:00:00+08:00"
