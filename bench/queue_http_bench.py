"""The work queue over HTTP against a running server: p50/p95 of ``GET /api/v1/tasks``.

    python bench/queue_http_bench.py --base http://127.0.0.1:8000 --tokens tokens.json \
        [--requests 300] [--warmup 60]

``--tokens``: a JSON list of bearer tokens (e.g. one window clerk per township, issued with
``daiban users token``); each request takes the next token in turn, over one keep-alive
connection, as one client behind the proxy would. The first ``--warmup`` requests are not
counted. Prints the load average before and after: compare within a run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--tokens", required=True, type=Path)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--path", default="/api/v1/tasks")
    args = parser.parse_args()
    tokens = json.loads(args.tokens.read_text())
    where = urlsplit(args.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    with open("/proc/loadavg") as f:
        print(f"load before: {f.read().strip()}")
    times = []
    for i in range(args.warmup + args.requests):
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        started = time.perf_counter()
        connection.request("GET", args.path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        took = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise SystemExit(f"{answer.status} on request {i}")
        if i >= args.warmup:
            times.append(took)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(
        f"{args.path}: {len(times)} requests, p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )
    with open("/proc/loadavg") as f:
        print(f"load after: {f.read().strip()}")


if __name__ == "__main__":
    main()
