"""How long the app servers take to serve again after ``kill -9``.

    daiban init --demo        # with DAIBAN_DATABASE_URL (and DAIBAN_FILES_DIR) set
    python bench/restart_bench.py --workers 2 [--rounds 3] [--port 8765]

Starts gunicorn with ``deploy/gunicorn.conf.py`` (``WEB_CONCURRENCY`` = ``--workers``) on
the database the environment names, waits until ``GET /api/v1/health/ready`` answers 200,
then per round: kills every worker at once with SIGKILL and times until ready answers 200
again (gunicorn's master starts new workers; each loads the catalogue and checks the
schema), then kills one worker and polls ready every 50 ms for 2 s, reporting the slowest
answer and any failure (the other workers keep serving).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ready(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/api/v1/health/ready"
        with urllib.request.urlopen(url, timeout=30) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def wait_ready(port: int) -> float:
    started = time.monotonic()
    while not ready(port):
        time.sleep(0.05)
    return time.monotonic() - started


def workers_of(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not os.environ.get("DAIBAN_DATABASE_URL"):
        parser.error("DAIBAN_DATABASE_URL: the database daiban init prepared")
    env = dict(
        os.environ, WEB_CONCURRENCY=str(args.workers), GUNICORN_BIND=f"127.0.0.1:{args.port}"
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open("/proc/loadavg") as f:
        print(f"load before: {f.read().strip()}")
    master = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "webapi:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        print(f"{args.workers} workers: first start {wait_ready(args.port):.2f} s")
        for _ in range(args.rounds):
            time.sleep(2)
            killed = workers_of(master.pid)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            print(f"  all {len(killed)} killed: ready again after {wait_ready(args.port):.2f} s")
            time.sleep(2)
            os.kill(workers_of(master.pid)[0], signal.SIGKILL)
            slowest, failed, until = 0.0, 0, time.monotonic() + 2
            while time.monotonic() < until:
                started = time.monotonic()
                failed += not ready(args.port)
                slowest = max(slowest, time.monotonic() - started)
                time.sleep(0.05)
            print(
                f"  one of {args.workers} killed: slowest ready answer over 2 s "
                f"{slowest * 1000:.0f} ms, {failed} failed"
            )
    finally:
        master.terminate()
        master.wait()
    with open("/proc/loadavg") as f:
        print(f"load after: {f.read().strip()}")


if __name__ == "__main__":
    main()
