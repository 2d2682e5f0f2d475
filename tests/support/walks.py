"""The counter staff at their desks, working cases through the HTTP API as themselves
(``tests/api/test_api_walks.py``, ``tests/api/test_api_audit.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jsonschema
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine, ManualClock, elements
from engine.clock import SHANGHAI
from engine.simulate import fill_form
from processes.catalogue import Item
from tests.support.paths import BPMN
from tests.support.shipped import shipped_catalogue

CATALOGUE = {item.code: item for item in shipped_catalogue()}
# 80周岁以上老年人高龄津贴发放: a proxy power (代办) the township reviews and the county
# civil-affairs bureau (县民政局, where deng.hui works) decides; no public notice.
PROXY_ITEM: Item = CATALOGUE["MZ004"]
# 临时便民服务摊点设置: a devolved licence (下放许可) the township decides alone, handled at
# the window only, so the township leader approves it.
WINDOW_ITEM: Item = CATALOGUE["ZF002"]


# The processes the walks need: the shared activities and the two items' own.
WALKED = (
    BPMN / "common",
    BPMN / "items" / f"{PROXY_ITEM.process_id}.bpmn",
    BPMN / "items" / f"{WINDOW_ITEM.process_id}.bpmn",
)

QINGSI = "511725201"  # 青丝乡
# The password the walks give staff (the demo password is a demo database's alone).
STAFF_PASSWORD = "daiban-staff"
QINGSI_COMMUNITY, SHIQIAO = "511725201001", "511725201003"  # 青丝社区, 石桥村
APPLICANT = {
    "name": "张秀兰",
    "id_number": "11010519491231002X",
    "phone": "13800001234",
    "address": "青丝街 8 号",
}
MASKED_APPLICANT = "张秀兰（110105********002X）"


@dataclass
class Counter:
    """The demo users at their desks: each logs in with its own password, keeps its own
    token (logging in again once the clock has run past its expiry) and works its queue.

    ``done`` records every change made through the API as (event type, actor, task id or
    message name), to be compared with the case's history."""

    client: FlaskClient
    engine: Engine
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    done: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)

    # -- HTTP as one user --------------------------------------------------------------
    def token(self, user: str) -> str:
        held = self.tokens.get(user)
        if held is None or held[1] <= self.engine.wall_clock.now():  # tokens: wall clock
            if not self.engine.identity.has_password(user):
                self.engine.identity.set_password(user, STAFF_PASSWORD)
            response = self.client.post(
                "/api/v1/auth/login", json={"user": user, "password": STAFF_PASSWORD}
            )
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            assert body["user"]["id"] == user
            held = (body["token"], datetime.fromisoformat(body["expires_at"]))
            self.tokens[user] = held
        return held[0]

    def get(self, user: str, path: str) -> TestResponse:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.token(user)}"})

    def post(self, user: str, path: str, body: Any = None) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        return self.client.post(path, json=body, headers=headers)

    # -- cases ---------------------------------------------------------------------------
    def register(self, user: str, item: Item, village: str, channel: str) -> dict[str, Any]:
        body = {
            "item_code": item.code,
            "applicant": {**APPLICANT, "village": village},
            "channel": channel,
            "materials": [m.name for m in item.materials if m.required],
        }
        response = self.post(user, "/api/v1/cases", body)
        assert response.status_code == 201, response.get_json()
        case = response.get_json()
        self.done[case["id"]] = [("case_started", user, "")]
        return case

    def case(self, user: str, case_id: int) -> dict[str, Any]:
        response = self.get(user, f"/api/v1/cases/{case_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def message(self, user: str, case_id: int, name: str, payload: Any) -> TestResponse:
        response = self.post(user, f"/api/v1/cases/{case_id}/messages/{name}", payload)
        if response.status_code == 200:
            self.done[case_id].append(("message_received", user, name))
        return response

    def rate(
        self, case_id: int, level: int, reasons: tuple[str, ...] = (), comment: str = ""
    ) -> TestResponse:
        """The resident rates the case through its one-time link (the public endpoint, no
        account): the link the 办结通知书 prints (``engine.ratings``)."""
        url = self.engine.ratings.invitation_url(case_id)
        assert url is not None and "#" in url, url
        body = {"level": level, "reasons": list(reasons), "comment": comment}
        response = self.client.post(f"/api/v1/public/ratings/{url.split('#', 1)[1]}", json=body)
        if response.status_code == 200:
            self.done[case_id].append(("message_received", "resident", "rating"))
        return response

    def tick(self, case_id: int) -> None:
        """The timer job runs (``daiban tick``): due timers fire, yellow/red warnings are raised."""
        seq = self.engine.cases.record(case_id).last_seq
        self.engine.cases.tick()
        with self.engine.store.unit_of_work(write=False) as uow:
            written = [event for event, _ in uow.events.of_case(case_id)][seq:]
        for event in written:
            assert event.type in ("timers_fired", "warning_yellow", "warning_red"), event.type
            task = str(event.payload.get("task_id") or "")
            self.done[case_id].append((event.type, "system:timer", task))

    # -- tasks ---------------------------------------------------------------------------
    def queue(self, user: str, case_id: int) -> list[dict[str, Any]]:
        response = self.get(user, "/api/v1/tasks?page_size=100")
        assert response.status_code == 200, response.get_json()
        return [t for t in response.get_json()["items"] if t["case_id"] == case_id]

    def find(
        self, user: str, case_id: int, spec_id: str, *, hidden_from: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """``user`` finds the task in its queue and reads it (form and outcomes); nobody in
        ``hidden_from`` has it in their queue, and those who cannot see the case cannot
        read it either."""
        mine = [t for t in self.queue(user, case_id) if t["spec_id"] == spec_id]
        assert len(mine) == 1, f"{user} should have {spec_id}: {self.queue(user, case_id)}"
        response = self.get(user, f"/api/v1/tasks/{mine[0]['id']}")
        assert response.status_code == 200, response.get_json()
        task = response.get_json()
        assert task["may_act"] is True
        assert task["form"]["type"] == "object"
        for other in hidden_from:
            assert spec_id not in {t["spec_id"] for t in self.queue(other, case_id)}, other
            seen = self.get(other, f"/api/v1/tasks/{task['id']}")
            if self.sees(other, case_id):
                assert seen.status_code == 200 and seen.get_json()["may_act"] is False, other
            else:
                assert seen.status_code == 404, other
        return task

    def sees(self, user: str, case_id: int) -> bool:
        return self.get(user, f"/api/v1/cases/{case_id}").status_code == 200

    def act(
        self,
        user: str,
        case_id: int,
        spec_id: str,
        data: dict[str, Any],
        *,
        hidden_from: tuple[str, ...] = (),
        claim: bool = True,
    ) -> dict[str, Any]:
        """``user`` finds, reads, claims and completes the task; the others in
        ``hidden_from`` can neither see nor complete it. Returns the case afterwards."""
        task = self.find(user, case_id, spec_id, hidden_from=hidden_from)
        jsonschema.validate(data, task["form"])  # the published form accepts the data
        for name, allowed in task["outcomes"].items():
            assert name not in data or data[name] in allowed
        url = f"/api/v1/tasks/{task['id']}"
        version = self.case(user, case_id)["version"]
        for other in hidden_from:
            refused = self.post(other, f"{url}/complete", data)
            status, code = (
                (403, "not_your_task") if self.sees(other, case_id) else (404, "not_found")
            )
            assert (refused.status_code, refused.get_json()["code"]) == (status, code), other
        assert self.case(user, case_id)["version"] == version  # refusals change nothing
        if claim:
            claimed = self.post(user, f"{url}/claim")
            assert claimed.status_code == 200, claimed.get_json()
            assert claimed.get_json()["claimed_by"] == user
            self.done[case_id].append(("task_claimed", user, task["id"]))
        completed = self.post(user, f"{url}/complete", data)
        assert completed.status_code == 200, completed.get_json()
        self.done[case_id].append(("task_completed", user, task["id"]))
        assert spec_id not in {t["spec_id"] for t in self.queue(user, case_id)}
        return self.case(user, case_id)

    # -- the record ------------------------------------------------------------------------
    def check_history(self, case_id: int) -> None:
        """The history verifies and names exactly the users who acted, in order."""
        report = self.engine.audit.verify(case_id)
        assert report.ok, str(report)
        with self.engine.store.unit_of_work(write=False) as uow:
            events = [event for event, _ in uow.events.of_case(case_id)]
        recorded = [
            (e.type, e.actor, str(e.payload.get("task_id") or e.payload.get("name") or ""))
            for e in events
        ]
        assert recorded == self.done[case_id]
        assert report.events == len(events)


def specs(case: dict[str, Any]) -> list[str]:
    return sorted(t["spec_id"] for t in case["tasks"])


def at(clock: ManualClock, day: str, hour: int = 9) -> None:
    clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI))


def waiting_for_rating(
    client: FlaskClient,
    token: str,
    engine: Engine,
    clock: ManualClock,
    item: str,
    village: str = "511725201003",
) -> int:
    """A case of a window item registered by 王芳 (whose bearer ``token`` is given), worked
    through the engine (every form filled as ``engine.simulate`` does) until it waits for
    its rating."""
    body = {
        "item_code": item.upper(),
        "applicant": {"name": "张三", "id_number": APPLICANT["id_number"], "village": village},
        "channel": "township_window",
        "materials": [],
    }
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    case_id: int = response.get_json()["id"]
    cases = engine.cases
    for _ in range(30):
        view = cases.get(case_id)
        if not view.tasks:
            break
        task = view.tasks[0]
        form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
        today = clock.now().astimezone(SHANGHAI).date().isoformat()
        cases.complete_task(case_id, task.id, fill_form(form, {}, today))
        clock.advance(timedelta(minutes=5))
    assert cases.get(case_id).waiting_messages == [elements.RATING]
    return case_id
