"""The test server helper ends only when no request is being answered: a test's database
is dropped right after it, and a request still in a transaction then would deadlock the
drop on PostgreSQL."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from tests.support.servers import served
from webapi.headers import QuietRequestHandler


def _get(base: str, path: str) -> int:
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()  # the whole body: a client gone early ends a streamed answer
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def _slow_app(events: list[str], started: threading.Event) -> Callable[..., Iterator[bytes]]:
    """``/fails`` raises when called (no body at all); anything else streams a body."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        if environ["PATH_INFO"] == "/fails":
            events.append("failed")
            raise RuntimeError("a failing request")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _streamed(events, started)

    return app


def _streamed(events: list[str], started: threading.Event) -> Iterator[bytes]:
    started.set()
    time.sleep(0.3)
    yield b"first "
    time.sleep(0.3)  # the body is streamed: the request is answered until it ends
    events.append("answered")
    yield b"done"


def test_the_server_ends_after_the_request_it_is_answering() -> None:
    events: list[str] = []
    started = threading.Event()
    with served(_slow_app(events, started), QuietRequestHandler) as base:
        client = threading.Thread(target=_get, args=(base, "/slow"))
        client.start()
        assert started.wait(10)
    events.append("server ended")
    client.join(10)
    assert events == ["answered", "server ended"]


def test_a_request_that_fails_is_no_longer_counted() -> None:
    events: list[str] = []
    started = threading.Event()
    began = time.monotonic()
    with served(_slow_app(events, started), QuietRequestHandler) as base:
        assert _get(base, "/fails") == 500
    assert events == ["failed"]
    assert time.monotonic() - began < 10  # not the helper's 30 s wait for a stuck request
