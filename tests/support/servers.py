"""The app on a real HTTP server, for tests that need sockets, threads or a browser."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


@contextmanager
def served(app: Any, request_handler: type[WSGIRequestHandler] | None = None) -> Iterator[str]:
    """The app on a real threaded werkzeug server (on a free port); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=request_handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


# Ports for servers the tests start as processes (gunicorn): one block of its own.
SERVER_PORTS = range(18100, 18200)


def free_port(ports: range = SERVER_PORTS) -> int:
    """The first port of ``ports`` nothing listens on now."""
    for port in ports:
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
