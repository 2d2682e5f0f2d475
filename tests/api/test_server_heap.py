"""A server's long-lived heap leaves the garbage collector's full passes once its app is
built (``webapi/heap.py``): gunicorn's workers through the hook of the shipped
configuration, ``daiban serve`` by calling it."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import textwrap
from typing import Any

from tests.support.paths import ROOT
from webapi import heap

# In a process of its own: freezing is for the life of the process, which for the tests'
# own process would keep every app they build.
BUILT_THEN_FROZEN = textwrap.dedent(
    """
    import gc, json, sys
    from engine import Engine
    from webapi import create_app, heap

    app = create_app({"ENGINE": Engine("sqlite://"), "TESTING": True})
    tracked = len(gc.get_objects())
    frozen = heap.freeze()
    left = len(gc.get_objects())
    answer = app.test_client().get("/api/v1/health/live").status_code
    print(json.dumps({"tracked": tracked, "frozen": frozen, "left": left, "answer": answer}))
    """
)


def _answer_of(script: str) -> dict[str, Any]:
    """What ``script``, run in a Python process of its own, printed last (JSON)."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_an_app_once_built_is_frozen_out_of_full_collections() -> None:
    found = _answer_of(BUILT_THEN_FROZEN)
    assert found["tracked"] > 100_000  # what a full pass walked before
    assert found["frozen"] >= found["tracked"] * 0.9
    assert found["left"] < found["tracked"] / 20  # what a full pass walks now
    assert found["answer"] == 200  # the app serves as before


# A live cache that turns over, as a server's does when other servers change its cases:
# 1,000 kept workflows of 26 objects in cycles (tasks point back at their workflow), the
# oldest replaced by a new one 60,000 times, under CPython's thresholds and then under
# the server's; how many full passes ran, and whether the first workflow replaced (cyclic
# garbage in the oldest generation, which only a full pass frees) was freed.
TURNING_CACHE = textwrap.dedent(
    """
    import gc, json, weakref
    from collections import deque
    from webapi import heap

    class Task:
        pass

    def workflow():
        root = Task()
        root.tasks = {}
        for n in range(25):
            task = Task()
            task.workflow, task.data = root, {"n": n}
            root.tasks[n] = task
        return root

    def churn(thresholds):
        gc.set_threshold(*thresholds)
        passes = []
        def seen(phase, info):
            if phase == "stop" and info["generation"] == 2:
                passes.append(info["collected"])
        cache = deque(workflow() for _ in range(1000))
        gc.collect()
        first = weakref.ref(cache[0])
        gc.callbacks.append(seen)
        for _ in range(60_000):
            cache.popleft()
            cache.append(workflow())
        gc.callbacks.remove(seen)
        return {"full_passes": len(passes), "first_freed": first() is None}

    heap.freeze()
    server = gc.get_threshold()
    print(json.dumps({"server": server, "default": churn((700, 10, 10)), "frozen": churn(server)}))
    """
)


def test_a_server_runs_fewer_full_passes_and_still_frees_cyclic_garbage() -> None:
    found = _answer_of(TURNING_CACHE)
    assert tuple(found["server"]) == heap.THRESHOLDS
    assert found["frozen"]["full_passes"] >= 1  # full passes still come
    assert found["frozen"]["first_freed"]  # and free what was replaced
    assert found["default"]["first_freed"]
    # CPython's thresholds ran one every ~2,000 replacements here; the server's far fewer
    assert found["default"]["full_passes"] >= 5 * found["frozen"]["full_passes"]


def test_the_shipped_gunicorn_configuration_freezes_each_worker() -> None:
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["post_worker_init"] is heap.post_worker_init
    assert settings["preload_app"] is False  # each worker builds (and freezes) its own app
