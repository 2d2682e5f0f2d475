"""Real failures for the tests: a TCP proxy in front of PostgreSQL that can be cut, and the
app served by a real threaded werkzeug server.

The proxy forwards bytes and nothing else; the test decides when the line goes dead —
every connection at once (an outage), or one connection right before or right after it
forwards a COMMIT, so the server never gets it or commits without its answer arriving.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# psycopg commits with the simple query protocol: 'Q', int32 length (4 + 7), "COMMIT\0".
COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"
# ... and begins a transaction the same way: "BEGIN", or "BEGIN READ ONLY" for a read (the
# engine's reads run read-only and end with COMMIT too).
BEGIN, READ_ONLY = b"BEGIN", b"READ ONLY"


class PostgresProxy:
    """``127.0.0.1:<port>`` → the PostgreSQL server of ``url``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._url = parts
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._cut: str | None = None  # "before" or "after" the next COMMIT
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._serve()

    @property
    def url(self) -> str:
        """``url`` with the proxy's address in place of the server's."""
        netloc = self._url.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        return urlunsplit(
            self._url._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1 else host)
        )

    def cut_at_next_commit(self, when: str) -> None:
        """Drop the connection that sends the next COMMIT of a transaction that may write
        (a read's passes), ``before`` forwarding it (the server rolls back) or ``after``
        (the server commits; its answer is lost)."""
        assert when in ("before", "after")
        with self._lock:
            self._cut = when

    def stop(self) -> None:
        """The database goes away: no new connections, every open one dropped."""
        _close(self._listener)  # shutdown() first: it wakes the thread blocked in accept()
        with self._lock:
            for sock in self._sockets:
                _close(sock)
            self._sockets.clear()

    def start(self) -> None:
        """The database is back, on the same port."""
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._serve()

    close = stop

    def _serve(self) -> None:
        listener = self._listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        cut = None
        reading = False  # the connection's transaction began READ ONLY
        with suppress(OSError):
            while chunk := source.recv(65536):
                cut = None
                if upstream and BEGIN in chunk:
                    reading = READ_ONLY in chunk
                if upstream and COMMIT_MESSAGE in chunk and not reading:
                    with self._lock:
                        cut, self._cut = self._cut, None
                if cut == "before":
                    break
                sink.sendall(chunk)
                if cut == "after":
                    break
        if cut is not None:
            self.cuts += 1
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request: status, headers, JSON body (None if empty)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, found = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, found = error.code, error.read(), dict(error.headers)
    return status, found, json.loads(raw) if raw else None
