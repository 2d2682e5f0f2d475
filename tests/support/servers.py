"""The app on a real HTTP server, for tests that need sockets, threads or a browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
