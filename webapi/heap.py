"""A server's long-lived heap, kept out of the garbage collector's full passes.

Once its app is built, an app server holds about 256,000 objects for the rest of its
life: the organisation, the catalogue, the schemas, SQLAlchemy's metadata, Flask's and
the engine's own. CPython's full collection walks every one of them — 110–130 ms on this
project's machines — and whichever request happens to trigger it pays: a month's figures
by village took 286 ms instead of 175 in one run of thirty. ``gc.freeze()`` moves what
exists at that moment into a generation the collector no longer walks; what requests
allocate later is collected as before (a full pass then took 2 ms).

Called once per server process, after the app is built: gunicorn's ``post_worker_init``
hook (``deploy/gunicorn.conf.py``) and ``daiban serve``. Not in ``create_app``: a
process that builds many apps, as the tests do, would keep every one of them forever.
"""

from __future__ import annotations

import gc
from typing import Any


def freeze() -> int:
    """Collect what start-up left behind, then freeze the rest; how many objects froze."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def post_worker_init(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook (its app is built): ``freeze``."""
    freeze()
