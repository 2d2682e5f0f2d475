"""``daiban worker`` (or another command) as a real process for a test: this checkout's
code, the database URL given, its output appended to a log file the test reads."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.paths import ROOT

WAIT = 60  # seconds: a bound on a process that will not stop, never a measured time


@contextmanager
def daiban_process(
    url: str, log: Path, args: Sequence[str], environ: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m webapi ARGS`` on ``url`` from the log's folder; stopped (SIGTERM) at
    the end of the block if it still runs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DAIBAN_DATABASE_URL": url, **(environ or {})}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webapi", *args],
            cwd=log.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(WAIT)
