"""Security headers on every response (JSON, problems, 404s and 500s, the docs page and its
files, the diagram page), no server banner from Werkzeug (``daiban serve``) or gunicorn;
the docs page still renders in a real browser under its strict policy
(``tests/browser/test_docs_page.py``).

Was (issue 9): no CSP, no ``X-Content-Type-Options``, the docs page could be framed,
``Server: Werkzeug/… Python/…`` was announced, and responses with personal data carried no
``Cache-Control: no-store``.
"""

from __future__ import annotations

import http.client
import re
import socket
from typing import Any

import pytest
from flask import Flask

from engine import Engine
from tests.support.servers import gunicorn
from webapi import create_app
from webapi.headers import API_POLICY, QuietRequestHandler

NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'"
CACHEABLE = ("/api/docs/assets/", "/viewer/assets/")
# The case diagram page: the console's case page frames it, so this origin (only) may.
FRAMED_BY_THE_CONSOLE = ("/cases/1/diagram",)


def assert_secure(headers: Any, path: str) -> None:
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "no-referrer", path
    framed = path in FRAMED_BY_THE_CONSOLE
    assert headers.get("X-Frame-Options") == ("SAMEORIGIN" if framed else "DENY"), path
    policy = headers.get("Content-Security-Policy") or ""
    ancestors = "frame-ancestors 'self'" if framed else "frame-ancestors 'none'"
    assert ancestors in policy and "default-src 'none'" in policy, path
    assert "unsafe-eval" not in policy and not re.search(r"script-src[^;]*unsafe-inline", policy)
    assert headers.get("Server") is None, path


@pytest.fixture
def app(sample: Engine) -> Flask:
    instance = create_app({"ENGINE": sample, "SECRET_KEY": "test", "MAX_CONTENT_LENGTH": 4096})

    @instance.get("/api/v1/test-failure")
    def fail() -> str:
        raise RuntimeError("an unexpected failure")  # answered as a 500 problem

    return instance


def test_every_kind_of_response_carries_the_headers(app: Flask, sample: Engine) -> None:
    client = app.test_client()
    token = sample.identity.issue_token("wang.fang").token
    bearer = {"Authorization": f"Bearer {token}"}
    page = client.get("/api/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))
    version = sample.definitions.versions("sample_proxy_item")[0].version
    requests: list[tuple[str, str, dict[str, Any], int]] = [
        ("GET", "/api/v1/health", {}, 200),
        ("GET", "/api/v1/openapi.json", {}, 200),
        ("GET", "/api/v1/auth/me", {"headers": bearer}, 200),
        ("GET", "/api/v1/items", {"headers": bearer}, 200),
        ("GET", f"/api/v1/definitions/sample_proxy_item/{version}", {"headers": bearer}, 200),
        ("GET", "/api/v1/audit/export.xes", {"headers": bearer}, 200),
        ("POST", "/api/v1/auth/login", {"json": {"user": "x", "password": "y"}}, 401),
        ("GET", "/api/v1/items", {}, 401),
        ("GET", "/api/v1/cases/999999", {"headers": bearer}, 404),
        ("GET", "/no/such/page", {}, 404),
        ("DELETE", "/api/v1/health", {}, 405),
        ("POST", "/api/v1/auth/login", {"data": "x" * 5000}, 413),
        ("POST", "/api/v1/auth/login", {"data": "[" * 50 + "]" * 50}, 415),
        ("POST", "/api/v1/auth/login", {"json": {}}, 422),
        ("GET", "/api/v1/health?x=1", {}, 422),
        ("GET", "/api/v1/test-failure", {}, 500),
        ("GET", "/api/docs", {}, 200),
        ("GET", "/cases/1/diagram", {}, 200),
        ("GET", "/viewer/assets/nothing.js", {}, 404),
        ("OPTIONS", "/api/v1/items", {}, 200),
        ("HEAD", "/api/v1/health", {}, 200),
        *[("GET", asset, {}, 200) for asset in assets],
    ]
    assert len(assets) >= 3
    for method, path, options, status in requests:
        response = client.open(path, method=method, **options)
        assert response.status_code == status, (method, path, response.get_data()[:200])
        assert_secure(response.headers, path)
        html = response.mimetype == "text/html"
        if not html:
            assert response.headers["Content-Security-Policy"] == API_POLICY == NOT_A_PAGE
        cacheable = path.startswith(CACHEABLE) and status == 200
        assert (response.headers.get("Cache-Control") == "no-store") is not cacheable, path
        response.close()


def test_pages_have_strict_policies_and_no_inline_script(app: Flask) -> None:
    client = app.test_client()
    for path in ("/api/docs", "/cases/1/diagram"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["base-uri"] == "'none'" and directives["connect-src"] == "'self'"
        html = response.get_data(as_text=True)
        assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"<[^>]+\son\w+=", html), path  # no inline event handlers
        response.close()


# Real servers: no banner


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_werkzeug_announces_no_server(werkzeug_server: int) -> None:
    for path in ("/api/v1/health", "/api/docs", "/no/such/page", "/api/docs/assets/swagger-ui.css"):
        response = _get(werkzeug_server, path)
        assert response.getheader("Server") is None, path
        assert_secure(response.headers, path)
    # Answers made before the app runs: a header line too long (http.server's own error
    # page), a body longer than any limit.
    for request in (
        b"GET /api/v1/health HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + b"9" * 40 + b"\r\n\r\n{}",
    ):
        answer = _raw(werkzeug_server, request)
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.") and b"\r\nserver:" not in head, answer[:300]
        assert b" 500 " not in head.split(b"\r\n")[0], answer[:300]


def test_daiban_serve_runs_the_quiet_handler(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapi.cli import main

    served: dict[str, Any] = {}

    def run(app: Flask, host: str, port: int, **options: Any) -> None:
        served.update(options)

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setenv("DAIBAN_SECRET_KEY", "from-env")
    assert main(["--database-url", database_url, "serve", "--port", "5056"]) == 0
    assert served["request_handler"] is QuietRequestHandler


def test_gunicorn_announces_no_server(database_url: str) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn comes with the 'server' extra")
    port = _free_port()
    environ = {"DAIBAN_DATABASE_URL": database_url, "DAIBAN_SECRET_KEY": "from-env"}
    with gunicorn(environ, port):
        for path in ("/api/v1/health", "/api/docs", "/no/such/page", "/api/v1/items"):
            response = _get(port, path)
            assert response.getheader("Server") is None, (path, response.getheaders())
            assert_secure(response.headers, path)
        # gunicorn's own error page (a malformed request line) has no banner either.
        answer = _raw(port, b"GARBAGE\r\n\r\n")
        assert b"\r\nserver:" not in answer.split(b"\r\n\r\n", 1)[0].lower(), answer[:300]
