"""A fake SMS gateway on 127.0.0.1 for the notice outbox's tests: a small threaded HTTP
server that checks each request's signature, fails every other request of each notice
(deterministic: the 1st, 3rd … request with an idempotency id answer 503, so half of
all requests fail whatever order the senders take), deduplicates by idempotency id and records what it
delivered. ``hold()`` makes it keep the next request's answer back (after recording the
delivery) until ``release()``: the window in which a test kills the sender."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "test-sms-key"


@dataclass
class Gateway:
    url: str = ""
    fail_every_other: bool = True
    refuse_with: int | None = None  # answer every request with this status
    requests: list[dict[str, Any]] = field(default_factory=list)  # every one received
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> first body
    duplicates: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event = field(default_factory=threading.Event)  # a request is held
    _hold: bool = False
    _released: threading.Event = field(default_factory=threading.Event)
    seen: dict[str, int] = field(default_factory=dict)  # requests per idempotency id

    def hold(self) -> None:
        self._hold, self._released = True, threading.Event()
        self.held.clear()

    def release(self) -> None:
        self._hold = False
        self._released.set()

    def answer(self, body: dict[str, Any]) -> int:
        """Record a request; the status to answer with."""
        with self.lock:
            self.requests.append(body)
            key = body["idempotency_id"]
            self.seen[key] = self.seen.get(key, 0) + 1
            if self.refuse_with is not None:
                return self.refuse_with
            if self.fail_every_other and self.seen[key] % 2 == 1:
                return 503
            if key in self.delivered:
                self.duplicates.append(key)
            else:
                self.delivered[key] = body
            holding = self._hold
        if holding:
            self.held.set()
            self._released.wait(30)
        return 200


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            expected = "sha256=" + hmac.new(KEY.encode(), raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(self.headers.get("X-Daiban-Signature", ""), expected):
                status = 401
            else:
                status = gateway.answer(json.loads(raw))
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender was killed while its request was held

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_gateway(**options: Any) -> Iterator[Gateway]:
    gateway = Gateway(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_port}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        gateway.release()
        server.shutdown()
        thread.join(10)
        server.server_close()
