"""A server's long-lived heap, kept out of the garbage collector's full passes.

Once its app is built, an app server holds about 256,000 objects for the rest of its
life: the organisation, the catalogue, the schemas, SQLAlchemy's metadata, Flask's and
the engine's own. CPython's full collection walks every one of them — 110–130 ms on this
project's machines — and whichever request happens to trigger it pays: a month's figures
by village took 286 ms instead of 175 in one run of thirty. ``gc.freeze()`` moves what
exists at that moment into a generation the collector no longer walks; what requests
allocate later is collected as before (a full pass then took 2 ms).

What a full pass still walks is what requests leave behind for longer: above all the
engine's live cache of restored workflows (up to 1,000 cases of about 530 tracked objects
each). CPython runs a full pass when ten second-generation passes have run since the last
one and the objects moved to the oldest generation since then exceed a quarter of it, so
a server whose cache turns over (every case another server changed is restored again)
ran one every two to four seconds, 60–85 ms each: under ``bench/scale_bench.py --servers
2 --workers 1``, 10–11 per worker in runs of 40–45 s, 0.66–0.93 s of its 24–28 s of CPU
(2.7–3.4 %). Once frozen, the third threshold is 100 instead of 10 (``THRESHOLDS``): in
the same runs one full pass per worker, 0.21–0.25 s, for 14–25 MB more resident memory
(266–275 against 246–261 MB): the cyclic garbage, every replaced workflow among it,
waits longer for its pass. The young generations are collected as before.

Called once per server process, after the app is built: gunicorn's ``post_worker_init``
hook (``deploy/gunicorn.conf.py``) and ``daiban serve``. Not in ``create_app``: a
process that builds many apps, as the tests do, would keep every one of them forever.
"""

from __future__ import annotations

import gc
from typing import Any

# The collector's thresholds in a server once its start-up heap is frozen: CPython's
# defaults (700, 10, 10) but for the full passes (see above).
THRESHOLDS = (700, 10, 100)


def freeze() -> int:
    """Collect what start-up left behind, freeze the rest and space the full passes out
    (``THRESHOLDS``); how many objects froze."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return gc.get_freeze_count()


def post_worker_init(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook (its app is built): ``freeze``."""
    freeze()
