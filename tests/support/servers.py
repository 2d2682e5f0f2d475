"""The app on a real HTTP server, for tests that need sockets, threads or a browser."""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.paths import ROOT


@contextmanager
def served(app: Any, request_handler: type[WSGIRequestHandler] | None = None) -> Iterator[str]:
    """The app on a real threaded werkzeug server (on a free port); yields its base URL.

    When the block ends the server stops taking requests and waits (up to 30 s) for the
    ones it is answering: a request a closed browser page left behind must not still be
    in a transaction when the test's database is dropped (on PostgreSQL that deadlocks).
    """
    answering = _Answering(app)
    server = make_server("127.0.0.1", 0, answering, threaded=True, request_handler=request_handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        answering.wait_idle(30)


class _Answering:
    """A WSGI app around ``app`` that counts the requests it is answering, from the call
    until the response's body has been produced (a streamed one included)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self._idle:
            self._count += 1
        try:
            return _Body(self._app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._idle:
            assert self._idle.wait_for(lambda: self._count == 0, timeout), (
                f"{self._count} request(s) still answered {timeout} s after the server stopped"
            )


class _Body:
    """A response body that calls ``done`` once: when its last chunk has been taken, or
    when it is closed before. Not only on ``close``: werkzeug skips the close when the
    client resets the connection after reading the response."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body = body
        self._done: Callable[[], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        finally:
            self._finish()

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._finish()

    def _finish(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done()


# Ports for servers the tests start as processes (gunicorn): one block of its own.
SERVER_PORTS = range(18100, 18200)


def free_port(ports: range = SERVER_PORTS) -> int:
    """A port of ``ports`` nothing listens on now, tried in a random order: test processes
    running side by side would otherwise all pick the first free one at once."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {ports.start}-{ports.stop - 1}")


def run_gunicorn(
    args: list[str], environ: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """gunicorn with ``args`` to its end (a check, or a start that fails), output captured."""
    command = [sys.executable, "-m", "gunicorn", *args]
    return subprocess.run(
        command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


@contextmanager
def gunicorn(
    environ: Mapping[str, str], port: int, workers: int = 1, options: Sequence[str] = ()
) -> Iterator[None]:
    """gunicorn serving ``webapi:create_app()`` on ``127.0.0.1:port`` with ``environ`` added
    to this process's environment (and more command-line ``options``), from when it
    answers its health check until the block ends (then stopped with SIGTERM)."""
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += options
    # A file, not a pipe: a pipe nobody reads would stop the workers once its buffer is
    # full of their log lines.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*command, "webapi:create_app()"],
            cwd=ROOT,
            env={**os.environ, **environ},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 90
            while not _answers(port):
                if process.poll() is not None:
                    log.seek(0)
                    raise AssertionError(log.read()[-2000:].decode(errors="replace"))
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/api/v1/health")
        status = connection.getresponse().status
        connection.close()
    except OSError:
        return False
    return status == 200
