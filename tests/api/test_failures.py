"""Errors that say what happened, with real failures: a full disk, a lock held too long, a
database that went away, a connection killed during COMMIT, a COMMIT whose answer was
lost. Infrastructure trouble is a 503 with Retry-After and a log line for the operator;
a commit whose outcome is unknown says so, and the client can find out; only a real
concurrent change is a 409."""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from engine import Engine, ManualClock, read_sources
from engine.store import database
from engine.store.testing import run_sql, sqlite_disk_full
from processes.catalogue import Item
from tests.support.api import make_app
from tests.support.databases import START
from tests.support.failure_tools import PostgresProxy
from tests.support.paths import BPMN, PG_URL
from tests.support.shipped import demo_org, shipped_catalogue

ITEM: Item = next(
    i
    for i in sorted(shipped_catalogue(), key=lambda i: i.code)
    if i.decided_at == "T->C" and i.proxy_allowed and i.initiated_by == "applicant"
)
APPLICANT = {
    "name": "张三丰",
    "id_number": "11010519491231002X",
    "phone": "13800001234",
    "address": "青丝街 1 号",
    "village": "511725201001",
}
AGENT = "tan.xiaoyan"  # village agent of 511725201001
PROBLEM = "application/problem+json"
postgres_only = pytest.mark.skipif(not PG_URL, reason="a PostgreSQL failure")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite failure")


@dataclass
class Api:
    engine: Engine
    client: FlaskClient
    token: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.token}"}
        return found | ({"Idempotency-Key": key} if key else {})

    def register(self, key: str | None = None) -> Any:
        body = {
            "item_code": ITEM.code,
            "applicant": APPLICANT,
            "channel": "village_point",
            "materials": [ITEM.materials[0].name] if ITEM.materials else [],
        }
        return self.client.post("/api/v1/cases", json=body, headers=self.headers(key))

    def claim(self, task_id: str) -> Any:
        return self.client.post(f"/api/v1/tasks/{task_id}/claim", headers=self.headers())

    def case(self, case_id: int) -> Any:
        return self.client.get(f"/api/v1/cases/{case_id}", headers=self.headers())

    def count(self, sql: str, **params: Any) -> int:
        return int(run_sql(self.engine.store, sql, **params)[0][0])

    def totals(self) -> tuple[int, int, int]:
        """Cases, events, claimed tasks: what a refused request must leave as it was."""
        return (
            self.count("SELECT count(*) FROM cases"),
            self.count("SELECT count(*) FROM events"),
            self.count("SELECT count(*) FROM ready_tasks WHERE claimed_by IS NOT NULL"),
        )


def make_api(url: str, *, migrate: bool = True, ready: bool = False) -> Api:
    """An API on ``url``: migrated and the item deployed (``migrate``), or as it is —
    already prepared (``ready``: a token is issued) or not reachable at all."""
    clock = ManualClock(START)
    engine = Engine(
        url, clock, migrate=migrate and not ready, catalogue=shipped_catalogue(), org=demo_org()
    )
    if migrate and not ready:
        item = BPMN / "items" / f"item_{ITEM.code.lower()}.bpmn"
        engine.definitions.deploy(read_sources([BPMN / "common", item]))
    app = make_app(engine)
    token = engine.identity.issue_token(AGENT).token if migrate or ready else "-"
    return Api(engine, app.test_client(), token)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.engine.close()


def assert_unavailable(response: Any, code: str = "service_unavailable") -> dict[str, Any]:
    assert response.status_code == 503, response.get_json()
    assert response.mimetype == PROBLEM
    assert int(response.headers["Retry-After"]) > 0
    body: dict[str, Any] = response.get_json()
    assert body["code"] == code and body["status"] == 503
    assert body["type"].endswith(f"/{code}")
    return body


def store_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "engine.store.failures" and r.levelno >= logging.ERROR
    ]


def assert_no_personal_data(records: list[logging.LogRecord]) -> None:
    for record in records:
        line = record.getMessage()
        for secret in (APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"]):
            assert secret not in line


# -- SQLite ----------------------------------------------------------------------------


@sqlite_only
def test_sqlite_disk_full_is_503_logged_and_changes_nothing(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """It was 409 "办件已被他人修改" and nothing in the log."""
    first = api.register()
    assert first.status_code == 201
    before = api.totals()
    with sqlite_disk_full(api.engine.store), caplog.at_level(logging.INFO):
        body = assert_unavailable(api.register("full-1"))
        assert body["reason"] == "disk_full"
        assert "存储空间" in body["detail"]
        assert api.case(first.get_json()["id"]).status_code == 200  # reads still work
    assert api.totals() == before
    records = store_records(caplog)
    assert records, "the operator must learn about a full disk"
    line = records[0].getMessage()
    for part in ("disk_full", "case_started", "sqlite3.OperationalError", "SQLITE_FULL"):
        assert part in line
    assert "database or disk is full" in line
    assert_no_personal_data(caplog.records)
    # Space again: the same request succeeds, once.
    assert api.register("full-1").status_code == 201
    assert api.totals()[0] == before[0] + 1


@sqlite_only
def test_sqlite_lock_held_past_the_busy_timeout_is_503(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(f"{database_url}?timeout=0.3")
    try:
        case = api.register().get_json()
        task_id = case["tasks"][0]["id"]
        before = api.totals()
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            with caplog.at_level(logging.ERROR):
                body = assert_unavailable(api.claim(task_id))
            assert body["reason"] == "busy"
            assert_unavailable(api.register())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert api.totals() == before
        line = store_records(caplog)[0].getMessage()
        assert f"operation=task_claimed case={case['id']}" in line and "SQLITE_BUSY" in line
        assert api.claim(task_id).status_code == 200
    finally:
        api.engine.close()


@sqlite_only
def test_sqlite_database_missing_is_503_on_reads_and_writes(tmp_path: Path) -> None:
    """The app pointed at a database on a volume that is not there (unmounted, moved)."""
    url = f"sqlite:///{tmp_path / 'gone' / 'daiban.sqlite3'}"
    api = make_api(url, migrate=False)
    try:
        responses = [
            api.case(1),
            api.client.get("/api/v1/cases", headers=api.headers()),
            api.register(),
            api.claim("00000000-0000-5000-8000-000000000000"),
        ]
        for response in responses:
            assert assert_unavailable(response)["reason"] == "unreachable"
    finally:
        api.engine.close()


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def proxied(database_url: str) -> Iterator[tuple[Api, PostgresProxy]]:
    """The app talking to PostgreSQL through a proxy the test can cut."""
    proxy = PostgresProxy(database_url)
    made = make_api(proxy.url)
    yield made, proxy
    made.engine.close()
    proxy.close()


@postgres_only
def test_postgres_outage_is_503_on_reads_and_writes_then_recovers(
    proxied: tuple[Api, PostgresProxy], caplog: pytest.LogCaptureFixture
) -> None:
    """It was a 500 internal_error."""
    api, proxy = proxied
    case = api.register().get_json()
    task_id = case["tasks"][0]["id"]
    proxy.stop()
    with caplog.at_level(logging.ERROR):
        responses = [
            api.case(case["id"]),
            api.client.get("/api/v1/cases", headers=api.headers()),
            api.client.get("/api/v1/tasks", headers=api.headers()),
            api.client.get(f"/api/v1/cases/{case['id']}/history", headers=api.headers()),
            api.register("outage-1"),
            api.claim(task_id),
        ]
    for response in responses:
        assert assert_unavailable(response)["reason"] == "unreachable"
        assert "数据库" in response.get_json()["detail"]
    assert any("unreachable" in r.getMessage() for r in store_records(caplog))
    proxy.start()
    assert api.case(case["id"]).status_code == 200  # the pool reconnects by itself
    assert api.claim(task_id).status_code == 200


@postgres_only
def test_postgres_closed_port_is_503(database_url: str) -> None:
    closed = make_url(database_url).set(port=1).render_as_string(hide_password=False)
    api = make_api(closed, migrate=False)
    try:
        assert assert_unavailable(api.case(1))["reason"] == "unreachable"
        assert assert_unavailable(api.register())["reason"] == "unreachable"
    finally:
        api.engine.close()


@postgres_only
def test_postgres_lock_timeout_is_503(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A row lock held by someone else longer than the server's ``lock_timeout``."""
    # Prepared first without the short timeout: migrating takes the database-wide
    # migration lock, which another test process's migration may hold for seconds.
    make_api(database_url).engine.close()
    url = make_url(database_url)
    options = f"{url.query['options']} -clock_timeout=300"
    api = make_api(url.update_query_dict({"options": options}).render_as_string(False), ready=True)
    try:
        case = api.register().get_json()
        before = api.totals()
        other = create_engine(database_url)
        with other.connect() as connection:
            connection.execute(
                text("SELECT id FROM cases WHERE id = :c FOR UPDATE"), {"c": case["id"]}
            )
            with caplog.at_level(logging.ERROR):
                body = assert_unavailable(api.claim(case["tasks"][0]["id"]))
            assert body["reason"] == "busy"
            connection.rollback()
        other.dispose()
        assert api.totals() == before
        line = store_records(caplog)[0].getMessage()
        assert f"operation=task_claimed case={case['id']}" in line and "55P03" in line
    finally:
        api.engine.close()


def _named_api(database_url: str, kind: str) -> tuple[Api, str]:
    """An API whose connections carry an application name of their own (to find them in
    ``pg_stat_activity``), and that name."""
    name = f"daiban-{kind}-{uuid.uuid4().hex[:8]}"
    url = make_url(database_url).update_query_dict({"application_name": name})
    return make_api(url.render_as_string(hide_password=False)), name


def _terminate(admin: Any, name: str, state: str) -> int:
    """pg_terminate_backend on every connection named ``name`` in ``state``; how many."""
    with admin.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND state = :state"
            ),
            {"name": name, "state": state},
        )
        return len(rows.all())


def _terminate_idle(database_url: str, name: str) -> int:
    """Every idle connection named ``name`` terminated (a server restart, as the app's
    pool sees it); how many."""
    admin = create_engine(database_url)
    try:
        return _terminate(admin, name, "idle")
    finally:
        admin.dispose()


@postgres_only
def test_connection_killed_during_commit_is_outcome_unknown(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """pg_terminate_backend on the app's connection just before its COMMIT: the client
    cannot tell whether the change is stored, so the answer says exactly that; the
    idempotency key and the case version then tell it."""
    api, name = _named_api(database_url, "kill")
    admin = create_engine(database_url)
    killed: list[int] = []

    def kill() -> None:
        killed.append(_terminate(admin, name, "idle in transaction"))
        api.engine.cases.before_commit = None

    try:
        api.engine.cases.before_commit = kill
        with caplog.at_level(logging.ERROR):
            lost = api.register("kill-1")
        body = assert_unavailable(lost, "outcome_unknown")
        assert killed == [1]
        assert "Idempotency-Key" in body["detail"] and "version" in body["detail"]
        assert any("database_outcome_unknown" in r.getMessage() for r in store_records(caplog))
        assert_no_personal_data(caplog.records)
        # The client finds out by retrying with the same key: here nothing was stored.
        retried = api.register("kill-1")
        assert retried.status_code == 201
        assert api.register("kill-1").get_json()["id"] == retried.get_json()["id"]
        case = retried.get_json()
        assert api.count("SELECT count(*) FROM cases") == 1

        # A task change: the version says whether it happened.
        version = api.case(case["id"]).get_json()["version"]
        api.engine.cases.before_commit = kill
        assert_unavailable(api.claim(case["tasks"][0]["id"]), "outcome_unknown")
        assert api.case(case["id"]).get_json()["version"] == version  # not stored: redo
        assert api.claim(case["tasks"][0]["id"]).status_code == 200
        assert (
            api.count(
                "SELECT count(*) FROM events WHERE type = 'task_claimed' AND case_id = :c",
                c=case["id"],
            )
            == 1
        )
    finally:
        api.engine.close()
        admin.dispose()


@postgres_only
def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection is pinged before use only after ``ALIVE_WINDOW`` idle: back to
    back requests send no ping, and one the server dropped while it sat idle longer than
    that is found and replaced, with every request answered."""
    api, name = _named_api(database_url, "idle")
    dialect = api.engine.store._write_engine.dialect
    pings: list[object] = []
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    try:
        case = api.register().get_json()
        time.sleep(database.ALIVE_WINDOW + 0.1)
        assert api.case(case["id"]).status_code == 200
        assert len(pings) == 1  # the first use after the pause
        for _ in range(3):
            assert api.case(case["id"]).status_code == 200
        assert len(pings) == 1  # used within the window: taken as alive
        assert _terminate_idle(database_url, name) >= 1
        time.sleep(database.ALIVE_WINDOW + 0.1)
        assert api.case(case["id"]).status_code == 200
        assert api.claim(case["tasks"][0]["id"]).status_code == 200
        assert len(pings) >= 2
    finally:
        api.engine.close()


@postgres_only
def test_a_connection_dropped_within_the_window_fails_one_request_then_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trade made for skipping the ping: a connection the server drops less than
    ``ALIVE_WINDOW`` after its last use fails the one request that takes it (503, nothing
    changed), and the pool replaces it and its elders for the next."""
    monkeypatch.setattr(database, "ALIVE_WINDOW", 3600.0)
    api, name = _named_api(database_url, "idle")
    try:
        case = api.register().get_json()
        before = api.totals()
        assert _terminate_idle(database_url, name) >= 1
        assert assert_unavailable(api.claim(case["tasks"][0]["id"]))["reason"] == "unreachable"
        assert api.totals() == before
        assert api.claim(case["tasks"][0]["id"]).status_code == 200
        assert api.case(case["id"]).status_code == 200
    finally:
        api.engine.close()


@postgres_only
def test_commit_answer_lost_is_outcome_unknown_and_the_change_is_found(
    proxied: tuple[Api, PostgresProxy],
) -> None:
    """The proxy forwards the COMMIT and drops the line before the answer: the server
    committed, the client heard nothing. Retrying with the key returns the stored case;
    re-reading shows the version moved."""
    api, proxy = proxied
    proxy.cut_at_next_commit("after")
    body = assert_unavailable(api.register("lost-1"), "outcome_unknown")
    assert proxy.cuts == 1 and "Idempotency-Key" in body["detail"]
    assert api.count("SELECT count(*) FROM cases") == 1  # it was stored after all
    retried = api.register("lost-1")
    assert retried.status_code == 201
    assert api.count("SELECT count(*) FROM cases") == 1
    case = retried.get_json()

    version = api.case(case["id"]).get_json()["version"]
    proxy.cut_at_next_commit("after")
    assert_unavailable(api.claim(case["tasks"][0]["id"]), "outcome_unknown")
    now = api.case(case["id"]).get_json()
    assert now["version"] == version + 1  # it happened: nothing to redo
    assert api.engine.audit.verify(case["id"]).ok


@postgres_only
def test_line_dropped_before_commit_reaches_the_server(
    proxied: tuple[Api, PostgresProxy],
) -> None:
    """Dropped before the server got the COMMIT: from the client's side the same unknown
    outcome; the server rolled back, and the key retry registers the case once."""
    api, proxy = proxied
    proxy.cut_at_next_commit("before")
    assert_unavailable(api.register("before-1"), "outcome_unknown")
    assert api.count("SELECT count(*) FROM cases") == 0
    assert api.register("before-1").status_code == 201
    assert api.count("SELECT count(*) FROM cases") == 1


def test_database_errors_never_show_parameter_values(api: Api) -> None:
    """A database error that is a bug stays a logged 500; its text (and so the log) shows
    the SQL, not the values bound to it — residents' data."""
    case = api.register().get_json()
    secret = "李四-110105194912310021"
    with pytest.raises(Exception, match="append-only") as raised:
        run_sql(
            api.engine.store,
            "UPDATE events SET actor = :who WHERE case_id = :c",
            who=secret,
            c=case["id"],
        )
    assert secret not in str(raised.value)
    assert "UPDATE events" in str(raised.value)


# -- real conflicts stay 409 -----------------------------------------------------------


def test_a_stale_version_is_412_and_changes_nothing(api: Api) -> None:
    case = api.register().get_json()
    task_id = case["tasks"][0]["id"]
    version = api.case(case["id"]).get_json()["version"]
    assert api.claim(task_id).status_code == 200
    before = api.totals()
    stale = api.client.post(
        f"/api/v1/tasks/{task_id}/unclaim", headers=api.headers() | {"If-Match": f'"{version}"'}
    )
    assert stale.status_code == 412 and stale.get_json()["code"] == "precondition_failed"
    assert "Retry-After" not in stale.headers
    assert api.totals() == before
