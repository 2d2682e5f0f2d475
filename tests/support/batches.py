"""Driving yearly payout lists (年度发放清册) through the HTTP API, as the demo users of
青丝乡 and the county departments (tests/api/test_api_batches.py, test_api_batch_returns.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from engine import Engine
from engine.definitions.form_formats import id_check_character
from tests.support.api import Tokens

API = "/api/v1"
AGENT, OTHER_AGENT = "tan.xiaoyan", "deng.ming"  # villages 511725201001 and …002
WINDOW, BACKOFFICE = "wang.fang", "yang.fan"  # 青丝乡
OFFICER, OTHER_OFFICER = "xie.bo", "lin.song"  # 农业农村局, 林业局
SUPERVISOR = "sun.hong"
VILLAGE = "511725201001"


def person(n: int) -> str:
    """A valid ID number of a resident of 渠县, born ``n`` days after 1960-01-01."""
    first = f"511725{date(1960, 1, 1) + timedelta(days=n):%Y%m%d}001"
    return first + id_check_character(first)


LINES = [
    {"name": "李大春", "id_number": person(1), "account": "6217995550000000011", "area": "3.20"},
    {"name": "王秀英", "id_number": person(2), "account": "6217995550000000022", "area": "1.55"},
    {"name": "张德明", "id_number": person(3), "account": "6217995550000000033", "area": "4.00"},
    {"name": "陈玉兰", "id_number": person(4), "account": "6217995550000000044", "area": "2.05"},
]


def errors(problem: Any) -> dict[str, str]:
    """A problem's field errors: field → reason."""
    return {error["field"]: error["reason"] for error in problem["errors"]}


class BatchApi:
    """Requests as a user, each asserting its status; the engine's timers by ``tick``."""

    def __init__(self, client: FlaskClient, tokens: Tokens, engine: Engine) -> None:
        self.client, self.tokens, self.engine = client, tokens, engine

    def tick(self) -> None:
        self.engine.cases.tick()
        self.tokens.clear()  # the clock moved: tokens issued before it may have expired

    def get(self, user: str, path: str, status: int = 200) -> Any:
        response = self.client.get(API + path, headers=self.tokens.headers(user))
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def post(self, user: str, path: str, body: Any, status: int = 200) -> Any:
        response = self.client.post(API + path, json=body, headers=self.tokens.headers(user))
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def complete(self, user: str, case_id: int, spec_id: str, data: Any, status: int = 200) -> Any:
        """Complete the case's open task ``spec_id`` with form ``data``."""
        tasks = self.get(user, f"/cases/{case_id}")["tasks"]
        task = next(t for t in tasks if t["spec_id"] == spec_id)
        return self.post(user, f"/tasks/{task['id']}/complete", data, status)
