"""What a request costs the database: its token and everything it reads before it writes
share one read transaction (``Engine.reading``), so reading the queue or a task is one
transaction; a change reads what it checks in that transaction, then writes in its own,
and what it shows afterwards is read anew."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.databases import Deployed
from tests.support.walks import SHIQIAO, WALKED, WINDOW_ITEM, Counter


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def transactions(begun: list[str], send: Any) -> int:
    begun.clear()
    response = send()
    assert response.status_code in (200, 201), response.get_json()
    return len(begun)


def test_a_request_reads_its_token_with_what_it_shows(counter: Counter, begun: list[str]) -> None:
    user = "wang.fang"
    case = counter.register(user, WINDOW_ITEM, SHIQIAO, "township_window")
    task = counter.queue(user, case["id"])[0]
    url = f"/api/v1/tasks/{task['id']}"
    assert transactions(begun, lambda: counter.get(user, "/api/v1/tasks")) == 1
    assert transactions(begun, lambda: counter.get(user, url)) == 1
    assert transactions(begun, lambda: counter.get(user, f"/api/v1/cases/{case['id']}")) == 1
    # the check of who may act, the change, and the task shown as it is now
    assert transactions(begun, lambda: counter.post(user, f"{url}/claim")) == 3
