"""Prometheus metrics (``prometheus-client``): ``GET /metrics``, and a server of their own for
a process that serves no HTTP (``start_metrics_server``).

What is measured, all named ``daiban_…``:

- ``daiban_http_request_duration_seconds`` (histogram): every request, by method, route
  template and status class (``2xx`` … ``5xx``); a request no route matched has route ``-``;
- the engine's counts (``engine.metrics``), fed by ``METER``: ``daiban_cases_started_total``,
  ``daiban_cases_completed_total``, ``daiban_cases_cancelled_total``,
  ``daiban_tasks_completed_total``, ``daiban_timers_fired_total``,
  ``daiban_incidents_total``, ``daiban_conflicts_total``;
- read from the database at each scrape (``DatabaseCollector``, an indexed count each):
  ``daiban_timers_due``, ``daiban_worker_lag_seconds`` (how long the longest-waiting due
  timer has waited: the background worker's lag), ``daiban_outbox_backlog`` (notices due
  and not sent), ``daiban_database_up`` (0: the database did not answer; the three above
  are then left out rather than reported as 0);
- ``daiban_db_pool_size``, ``daiban_db_pool_checked_out``, ``daiban_db_pool_overflow``: the
  connection pool of each process, summed over the live processes;
- ``daiban_worker_rounds_total`` (by ``outcome``: ``ok``, ``database``, ``error``): the
  rounds of a ``daiban worker`` started with ``--metrics-port``.

Several processes (gunicorn's workers): with ``PROMETHEUS_MULTIPROC_DIR`` set in the
environment before the app starts (an empty folder, writable, one per service, emptied at
each start), prometheus-client keeps each process's values in files there and a scrape of
any worker adds them up (``MultiProcessCollector``); gunicorn's configuration calls
``child_exit`` so a dead worker's pool gauges leave the sum. Without it, each process
reports its own values: right for ``daiban serve`` and a single worker.

Who may read them: ``/metrics`` is answered to loopback and to the addresses and networks
of ``DAIBAN_METRICS_ALLOW``, judged on the client address the login limits use
(``webapi.client_address``): the TCP peer, or, with ``DAIBAN_TRUSTED_PROXY_HEADER`` set,
the address the trusted proxy reports. So behind a proxy on the same host, configure the
trusted proxy (or the proxy's own rule for ``/metrics``): otherwise every request arrives
from loopback. Anyone else gets the 404 of an address that does not exist. Not part of the
API: not in the OpenAPI document.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine import Engine, EngineError, logs
from engine.metrics import COUNTS
from webapi.client_address import client_address
from webapi.problems import ApiProblem
from webapi.services import services
from webapi.settings import IpNetwork

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

log = logs.get_logger(__name__)
disable_created_metrics()  # type: ignore[no-untyped-call]  # no ``*_created`` series: Prometheus does not need them

REQUEST_SECONDS = Histogram(
    "daiban_http_request_duration_seconds",
    "HTTP request latency by method, route template and status class",
    ["method", "route", "status"],
)
COUNTERS = {name: Counter(f"daiban_{name}", text) for name, text in COUNTS.items()}
# The background worker's rounds (``daiban worker --metrics-port``): done, or failed
# (``database``: an outage waited out; ``error``: a bug, logged with its stack).
WORKER_ROUNDS = Counter(
    "daiban_worker_rounds_total", "Rounds of the background worker by outcome", ["outcome"]
)
# Per process; summed over the live ones in multiprocess mode.
POOL = {
    "size": Gauge(
        "daiban_db_pool_size", "Connections the database pool keeps", multiprocess_mode="livesum"
    ),
    "checked_out": Gauge(
        "daiban_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum"
    ),
    "overflow": Gauge(
        "daiban_db_pool_overflow",
        "Connections beyond the pool size (negative: not all opened yet)",
        multiprocess_mode="livesum",
    ),
}


class PrometheusMeter:
    """The engine's counts (``engine.metrics.Meter``) as Prometheus counters."""

    def count(self, name: str, amount: int = 1) -> None:
        COUNTERS[name].inc(amount)


METER = PrometheusMeter()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One request: its latency by method, route template and status class."""
    shown = method if method in _METHODS else "OTHER"
    REQUEST_SECONDS.labels(shown, route, f"{status // 100}xx").observe(seconds)


def update_pool(engine: Engine) -> None:
    """Set this process's pool gauges from the engine's pool (cheap: no query)."""
    status = engine.operations.pool()
    POOL["size"].set(status.size)
    POOL["checked_out"].set(status.checked_out)
    POOL["overflow"].set(status.overflow)


class DatabaseCollector(Collector):
    """The gauges read from the database at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = self.engine.operations.backlog()
        except EngineError as error:  # Unavailable: the database did not answer
            log.warning("metrics_database_unavailable", code=error.code)
            backlog = None
        yield GaugeMetricFamily(
            "daiban_database_up",
            "1 if the database answered this scrape, else 0",
            value=int(backlog is not None),
        )
        if backlog is None:
            return
        yield GaugeMetricFamily(
            "daiban_timers_due", "Cases with a timer due and not fired", value=backlog.timers_due
        )
        yield GaugeMetricFamily(
            "daiban_worker_lag_seconds",
            "Seconds the longest-waiting due timer has waited (the worker's lag)",
            value=backlog.timer_lag_seconds,
        )
        yield GaugeMetricFamily(
            "daiban_outbox_backlog", "Notices due and not sent", value=backlog.notices_due
        )


class _Scrape(Collector):
    """What one scrape shows: this process's metrics (or every process's, in multiprocess
    mode) and the database's gauges."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        if self.engine is not None:
            update_pool(self.engine)
        if os.environ.get(MULTIPROC_VARIABLE):
            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
            yield from combined.collect()
        else:
            yield from REGISTRY.collect()
        if self.engine is not None:
            yield from DatabaseCollector(self.engine).collect()


def allowed(address: str, networks: tuple[IpNetwork, ...]) -> bool:
    """Whether ``address`` may read the metrics: loopback, or in one of ``networks``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    ip = mapped if mapped is not None else ip
    return ip.is_loopback or any(ip.version == n.version and ip in n for n in networks)


def metrics_page() -> Response:
    """The metrics in Prometheus's text format, to allowed addresses only."""
    if not allowed(client_address(), current_app.config.get("METRICS_ALLOW", ())):
        raise ApiProblem(404, "not_found", "请求的地址不存在")
    body = generate_latest(_Scrape(services().engine))
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def _after_request(response: Response) -> Response:
    update_pool(services().engine)
    return response


def start_metrics_server(port: int, addr: str = "127.0.0.1", engine: Engine | None = None) -> Any:
    """Serve the metrics on ``addr:port`` in a thread (for ``daiban worker`` and other
    processes without the app): this process's counters, the database's gauges when
    ``engine`` is given (whose counts then feed the counters). Everyone who reaches the
    address may read them: keep it on loopback or a monitoring network. Returns the
    server and its thread (``prometheus_client.start_http_server``)."""
    if engine is not None:
        engine.meter = METER
    return start_http_server(port, addr, registry=_Scrape(engine))


def worker_round(outcome: str) -> None:
    """Count one round of ``daiban worker``: ``ok``, ``database`` or ``error``."""
    WORKER_ROUNDS.labels(outcome).inc()


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: a dead worker's live gauges leave the sums (put
    ``from webapi.metrics import child_exit`` in the gunicorn configuration)."""
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def init_app(app: Flask, engine: Engine) -> None:
    """``GET /metrics``, and the engine's counts into the counters."""
    engine.meter = METER
    app.add_url_rule(PATH, "metrics", metrics_page, methods=["GET"])
    app.after_request(_after_request)
