"""Observability through the API: request ids (answered, logged, stored with the events),
the access log, the Prometheus metrics and who may read them, the health checks with the
database gone and back, and the metrics of several gunicorn workers added up."""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from engine import Engine, ManualClock, logs, read_sources
from engine.logs import JsonFormatter, PlainFormatter
from engine.store.testing import downgrade, run_sql
from tests.support.api import make_app
from tests.support.databases import START, Deployed
from tests.support.failure_tools import PostgresProxy
from tests.support.paths import BPMN, PG_URL
from tests.support.servers import gunicorn
from tests.support.shipped import demo_org, shipped_catalogue
from tests.support.walks import APPLICANT, SHIQIAO, WALKED, WINDOW_ITEM, Counter

PROBLEM = "application/problem+json"
NEW_ID = re.compile(r"[0-9a-f]{32}")
TRUSTED = {"TRUSTED_PROXY_HEADER": "X-Forwarded-For"}
postgres_only = pytest.mark.skipif(not PG_URL, reason="a PostgreSQL outage")


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def registration(village: str = SHIQIAO) -> dict[str, Any]:
    return {
        "item_code": WINDOW_ITEM.code,
        "applicant": {**APPLICANT, "village": village},
        "channel": "township_window",
        "materials": [m.name for m in WINDOW_ITEM.materials if m.required],
    }


def bearer(counter: Counter, user: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {counter.token(user)}", **extra}


# -- request ids ---------------------------------------------------------------------------


def test_every_answer_carries_a_request_id_of_its_own(client: FlaskClient) -> None:
    answers = [
        client.get("/api/v1/health"),
        client.get("/api/v1/health/live"),
        client.get("/api/v1/cases"),  # 401
        client.post("/api/v1/health"),  # 405
        client.get("/no/such/page"),  # 404 of no route
        client.get("/api/docs"),
        client.get("/api/docs/assets/swagger-ui.css"),
        client.get("/console/app.js"),
        client.get("/api/v1/health", headers={"X-Request-Id": "chosen-by-client"}),
    ]
    ids = [answer.headers.get("X-Request-Id", "") for answer in answers]
    for answer in answers:
        answer.close()
    assert all(NEW_ID.fullmatch(found) for found in ids), ids
    assert len(set(ids)) == len(ids)  # no proxy is trusted: the client's id is ignored


def test_a_trusted_proxy_names_the_request_with_a_sane_id(engine: Engine) -> None:
    client = make_app(engine, **TRUSTED).test_client()

    def answered(value: str, header: str = "X-Request-Id") -> str:
        return client.get("/api/v1/health", headers={header: value}).headers["X-Request-Id"]

    for sane in ("abc-123_x.Y", "7" * 64, "a"):
        assert answered(sane) == sane
    for insane in ("8" * 65, "a b", "ab/c", "ïd", "x;y", "<script>", ""):
        assert NEW_ID.fullmatch(answered(insane)), insane
    other = make_app(engine, **TRUSTED, REQUEST_ID_HEADER="X-Trace-Id").test_client()
    assert other.get("/", headers={"X-Trace-Id": "edge-9"}).headers["X-Request-Id"] == "edge-9"
    ignored = other.get("/", headers={"X-Request-Id": "edge-9"}).headers["X-Request-Id"]
    assert NEW_ID.fullmatch(ignored)


def test_the_request_id_is_in_its_log_lines_its_events_and_the_history(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(engine, **TRUSTED)
    counter = Counter(app.test_client(), engine)
    client = counter.client
    with caplog.at_level(logging.INFO):
        made = client.post(
            "/api/v1/cases",
            json=registration(),
            headers=bearer(counter, "wang.fang", **{"X-Request-Id": "reg-0001"}),
        )
        assert made.status_code == 201, made.get_json()
        assert made.headers["X-Request-Id"] == "reg-0001"
    case_id = made.get_json()["id"]
    lines = [r for r in caplog.records if getattr(r, "request_id", None) == "reg-0001"]
    names = {getattr(r, "event", "") for r in lines}
    assert {"case_started", "case_registered", "request"} <= names, names
    for record in lines:
        assert PlainFormatter().format(record).endswith(" request_id=reg-0001")
        assert json.loads(JsonFormatter().format(record))["request_id"] == "reg-0001"

    task = counter.find("wang.fang", case_id, "Task_check_materials")
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"intake_decision": "accept"},
        headers=bearer(counter, "wang.fang", **{"X-Request-Id": "done-0002"}),
    )
    assert done.status_code == 200, done.get_json()
    stored = run_sql(
        engine.store,
        "SELECT seq, request_id FROM events WHERE case_id = :c ORDER BY seq",
        c=case_id,
    )
    assert stored[0] == (1, "reg-0001")
    assert stored[1:] and {rid for _, rid in stored[1:]} == {"done-0002"}
    history = client.get(f"/api/v1/cases/{case_id}/history", headers=bearer(counter, "wang.fang"))
    events = history.get_json()["events"]
    assert [(e["seq"], e["request_id"]) for e in events] == stored
    verified = client.get(f"/api/v1/cases/{case_id}/verify", headers=bearer(counter, "wang.fang"))
    assert verified.get_json()["ok"] is True  # not hashed: the chain is what it was


# -- the access log ------------------------------------------------------------------------


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        dict(r.fields)  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "webapi.access" and getattr(r, "event", "") == "request"
    ]


def test_the_access_log_has_one_line_per_request(
    counter: Counter, caplog: pytest.LogCaptureFixture
) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    caplog.clear()  # the registration's line, if the level let it through
    with caplog.at_level(logging.INFO, logger="webapi.access"):
        read = counter.get("wang.fang", f"/api/v1/cases/{case['id']}")
        missing = counter.client.get("/no/such/page")
        link = counter.client.get("/api/v1/public/ratings/" + "k" * 43)
    # (a login the counter may make on the way has its own line)
    lines = [line for line in access_lines(caplog) if line["route"] != "/api/v1/auth/login"]
    assert len(lines) == 3, [(line["method"], line["path"]) for line in lines]
    read_line, missing_line, link_line = lines
    assert read_line == {
        "method": "GET",
        "path": f"/api/v1/cases/{case['id']}",
        "route": "/api/v1/cases/<int:case_id>",
        "status": 200,
        "duration_ms": read_line["duration_ms"],
        "bytes": len(read.get_data()),
        "client": "127.0.0.1",
        "user": "wang.fang",
    }
    assert isinstance(read_line["duration_ms"], float) and read_line["duration_ms"] >= 0
    assert (missing_line["route"], missing_line["status"], missing_line["user"]) == ("-", 404, None)
    assert missing.status_code == 404
    # a one-time rating link is a credential: its path is logged as the route's template
    assert link.status_code == 404
    assert link_line["path"] == link_line["route"] == "/api/v1/public/ratings/<token>"


def test_the_access_log_can_be_turned_off(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    client = make_app(engine, ACCESS_LOG="0").test_client()
    with caplog.at_level(logging.INFO, logger="webapi.access"):
        answer = client.get("/api/v1/health/live")
    assert access_lines(caplog) == []
    assert NEW_ID.fullmatch(answer.headers["X-Request-Id"])


# -- metrics -------------------------------------------------------------------------------


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The metrics ``client`` reads as loopback: sample name and labels -> value."""
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "text/plain"
    return samples(answer.get_data(as_text=True))


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def refused(app: Flask, address: str, **headers: str) -> bool:
    answer = app.test_client().get(
        "/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers
    )
    if answer.status_code == 404:
        assert answer.mimetype == PROBLEM and answer.get_json()["code"] == "not_found"
        return True
    assert answer.status_code == 200
    return False


def test_metrics_are_answered_to_loopback_and_the_allowed_networks_only(
    engine: Engine, app: Flask
) -> None:
    assert not refused(app, "127.0.0.1") and not refused(app, "::1")
    assert refused(app, "10.1.2.3") and refused(app, "192.168.0.9")
    allowing = make_app(engine, METRICS_ALLOW="10.1.0.0/16, 192.168.0.9")
    assert not refused(allowing, "10.1.2.3") and not refused(allowing, "192.168.0.9")
    assert refused(allowing, "10.2.0.1") and refused(allowing, "192.168.0.10")
    # Behind a trusted proxy on this host every peer is loopback: the proxy's report decides.
    proxied = make_app(engine, **TRUSTED)
    assert refused(proxied, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"})
    assert not refused(proxied, "127.0.0.1", **{"X-Forwarded-For": "127.0.0.1"})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/metrics" not in spec["paths"]  # not part of the API
    assert {"/api/v1/health/live", "/api/v1/health/ready"} <= set(spec["paths"])


def test_counters_move_with_the_work(counter: Counter, engine: Engine) -> None:
    client = counter.client
    before = scrape(client)
    case = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    task = counter.find("wang.fang", case["id"], "Task_check_materials")
    version = engine.cases.record(case["id"]).version
    assert counter.post("wang.fang", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    stale = client.post(  # decided on the case as registered, before the claim
        f"/api/v1/tasks/{task['id']}/complete",
        json={"intake_decision": "accept"},
        headers=bearer(counter, "wang.fang", **{"If-Match": f'"{version}"'}),
    )
    assert stale.status_code == 412
    done = counter.post(
        "wang.fang", f"/api/v1/tasks/{task['id']}/complete", {"intake_decision": "accept"}
    )
    assert done.status_code == 200, done.get_json()
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert moved("daiban_cases_started_total") == 1
    assert moved("daiban_tasks_completed_total") == 1
    assert moved("daiban_conflicts_total") == 1  # the stale version
    assert moved("daiban_incidents_total") == 0
    created = {"method": "POST", "route": "/api/v1/cases", "status": "2xx"}
    assert moved("daiban_http_request_duration_seconds_count", **created) == 1
    completing = {"method": "POST", "route": "/api/v1/tasks/<task_id>/complete"}
    assert moved("daiban_http_request_duration_seconds_count", **completing, status="4xx") == 1
    assert moved("daiban_http_request_duration_seconds_count", **completing, status="2xx") == 1
    assert after[("daiban_database_up", ())] == 1
    open_timers = run_sql(
        engine.store,
        "SELECT count(*) FROM cases WHERE next_timer_at IS NOT NULL AND next_timer_at <= :now",
        now=engine.clock.now(),
    )[0][0]
    assert after[("daiban_timers_due", ())] == open_timers
    assert after[("daiban_worker_lag_seconds", ())] >= 0
    assert after[("daiban_outbox_backlog", ())] >= 0
    for name in ("size", "checked_out", "overflow"):
        assert ("daiban_db_pool_" + name, ()) in after


# -- health checks -------------------------------------------------------------------------


def test_ready_needs_the_schema_at_its_newest_migration(
    engine: Engine, client: FlaskClient
) -> None:
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    head = ready.get_json()["schema"]
    assert ready.get_json() == {"status": "ok", "database": "ok", "schema": head}
    downgrade(engine.store, "0019")
    try:
        behind = client.get("/api/v1/health/ready")
        assert behind.status_code == 503 and behind.mimetype == PROBLEM
        body = behind.get_json()
        assert (body["code"], body["reason"], body["schema"]) == (
            "service_unavailable",
            "schema_behind",
            "0019",
        )
        assert head in body["detail"] and int(behind.headers["Retry-After"]) > 0
        assert client.get("/api/v1/health/live").status_code == 200
    finally:
        engine.store.migrate()
    assert client.get("/api/v1/health/ready").status_code == 200


@postgres_only
def test_ready_answers_503_while_the_database_is_away(database_url: str) -> None:
    proxy = PostgresProxy(database_url)
    engine = Engine(proxy.url, ManualClock(START), catalogue=shipped_catalogue(), org=demo_org())
    try:
        client = make_app(engine).test_client()
        assert client.get("/api/v1/health/ready").status_code == 200
        proxy.stop()
        away = client.get("/api/v1/health/ready")
        assert away.status_code == 503 and away.mimetype == PROBLEM
        assert away.get_json()["reason"] == "database_unreachable"
        assert "数据库" in away.get_json()["detail"]
        assert client.get("/api/v1/health/live").status_code == 200
        assert scrape(client)[("daiban_database_up", ())] == 0
        proxy.start()
        back = client.get("/api/v1/health/ready")
        assert back.status_code == 200, back.get_json()
        assert scrape(client)[("daiban_database_up", ())] == 1
    finally:
        engine.close()
        proxy.close()


# -- several gunicorn workers --------------------------------------------------------------

PORTS = range(18300, 18400)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 18300-18399")


def call(port: int, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[tuple[int, str, Path]]:
    """gunicorn with two workers in multiprocess mode, each replaced after 20 requests (so
    that several processes serve, whoever gets the connections), with the metrics'
    ``child_exit`` hook; its port, a token, the metrics folder."""
    pytest.importorskip("gunicorn", reason="gunicorn comes with the 'server' extra")
    engine = Engine(database_url, catalogue=shipped_catalogue(), org=demo_org())
    try:
        engine.definitions.deploy(read_sources(list(WALKED)))
        token = engine.identity.issue_token("wang.fang").token
    finally:
        engine.close()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = free_port()
    environ = {"DAIBAN_DATABASE_URL": database_url, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    config = tmp_path / "gunicorn.conf.py"
    config.write_text("from webapi.metrics import child_exit  # noqa: F401\n", encoding="utf-8")
    options = ("--max-requests", "20", "-c", str(config))
    with gunicorn(environ, port, workers=2, options=options):
        yield port, token, folder


def counted_by_worker(folder: Path, route: str) -> dict[str, float]:
    """Worker pid -> requests of ``route`` it counted (its own file in the metrics folder,
    where each bucket holds the requests of its own range)."""
    found: dict[str, float] = {}
    for path in folder.glob("histogram_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))
        counted = sum(
            value
            for key, value, *_ in values
            if json.loads(key)[1].endswith("_bucket") and json.loads(key)[2].get("route") == route
        )
        found[path.stem.rsplit("_", 1)[1]] = counted
    return found


def test_gunicorn_workers_add_up_their_metrics(two_workers: tuple[int, str, Path]) -> None:
    port, token, folder = two_workers
    registrations, probes = 12, 40
    with ThreadPoolExecutor(8) as pool:
        made = list(
            pool.map(
                lambda _: call(port, "POST", "/api/v1/cases", registration(), token)[0],
                range(registrations),
            )
        )
        live = list(pool.map(lambda _: call(port, "GET", "/api/v1/health/live")[0], range(probes)))
    assert made == [201] * registrations and live == [200] * probes
    # Each worker is replaced after 20 requests: at least three processes served these 52.
    by_worker = counted_by_worker(folder, "/api/v1/health/live")
    assert len([n for n in by_worker.values() if n]) >= 3, by_worker
    for _ in range(4):  # whichever worker answers the scrape: the sums of both
        status, text = call(port, "GET", "/metrics")
        assert status == 200
        found = samples(text)
        assert found[("daiban_cases_started_total", ())] == registrations
        live_count = (
            "daiban_http_request_duration_seconds_count",
            (("method", "GET"), ("route", "/api/v1/health/live"), ("status", "2xx")),
        )
        assert found[live_count] >= probes  # and the start-up probes
        assert found[live_count] == sum(counted_by_worker(folder, "/api/v1/health/live").values())
        assert found[("daiban_database_up", ())] == 1
        # Summed over the two live workers only (a replaced one left with ``child_exit``;
        # else up to every process that ever served would be in the sum).
        assert 1 <= found[("daiban_db_pool_size", ())] <= 2 * 5


def test_the_cli_gives_each_run_its_request_id(engine: Engine) -> None:
    """A command's events carry ``cli-…``: one id per run."""
    from webapi.cli import main

    engine.definitions.deploy(read_sources([BPMN / "sample"]))
    with logs.bind_request_id(None):
        code = main(["--database-url", engine.database_url, "start", "sample_proxy_item"])
    assert code == 0
    [(request_id,)] = run_sql(engine.store, "SELECT request_id FROM events")
    assert re.fullmatch(r"cli-[0-9a-f]{32}", request_id)
