"""A server's long-lived heap leaves the garbage collector's full passes once its app is
built (``webapi/heap.py``): gunicorn's workers through the hook of the shipped
configuration, ``daiban serve`` by calling it."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import textwrap

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


def test_an_app_once_built_is_frozen_out_of_full_collections() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BUILT_THEN_FROZEN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["tracked"] > 100_000  # what a full pass walked before
    assert found["frozen"] >= found["tracked"] * 0.9
    assert found["left"] < found["tracked"] / 20  # what a full pass walks now
    assert found["answer"] == 200  # the app serves as before


def test_the_shipped_gunicorn_configuration_freezes_each_worker() -> None:
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["post_worker_init"] is heap.post_worker_init
    assert settings["preload_app"] is False  # each worker builds (and freezes) its own app
