"""Scale-out on one PostgreSQL: several app servers and workers, clients over real HTTP.

    python bench/scale_bench.py [--servers 1,2,3] [--workers 1,2] [--clients-per-server 4]
                                [--seconds 20] [--warmup 3] [--gunicorn-workers 1] [--keep]
                                [--thaw] [--max-requests N]

Creates a database of its own on the local PostgreSQL (``daiban_scale_<pid>``, dropped at
the end unless ``--keep``), migrates it and deploys the BPMN library (``daiban deploy``),
issues a token per demo user (``daiban users token``). Then, for each configuration of the
grid (app servers × workers), it starts N app servers — ``gunicorn -w W
'webapi:create_app()'``, each a process group of its own on its own port from 18500 — and
M background workers (``daiban worker --interval 1``), all on that database and one files
folder, and K = clients-per-server × N client threads drive case lifecycles over HTTP
(``api_bench.py``'s: RS010 at the 青丝乡 window and RS001 by the village agent, every task
through ``GET /tasks``, ``GET /tasks/{id}``, ``POST /tasks/{id}/complete``, then the
rating), each client sending its requests to the app servers in turn, as a proxy would.
The app servers freeze their start-up heap as the shipped configuration has them do
(``webapi/heap.py``); ``--thaw`` leaves them without it.

Measured per configuration, after a warm-up: lifecycles/s, task completions/s, requests/s,
p50/p95/p99 per request type, errors, the load average before and after, and the CPU time
spent by the app servers (every gunicorn process, from ``/proc/<pid>/stat``, with the
workers gunicorn replaced), the workers, the database's PostgreSQL backends (``/proc`` of
the backends serving this database) and the clients, plus the time the backends were
active (``pg_stat_database.active_time``). Per request and per task completion these
extrapolate to a larger installation; the clients run on the same machine and compete
for the same cores. Beside them, the CPU time a fixed Python loop takes at the start and
the end (``cluster.python_speed``): this machine's speed moves within the hour with the
load average unchanged, and every absolute figure with it (``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cluster import (
    Client,
    Cluster,
    Database,
    Plan,
    Tally,
    cpu_seconds,
    drive,
    fresh_database,
    load_average,
    percentile,
    python_speed,
)

PORT = 18500
PROVINCE_COMPLETIONS = 1000  # task completions/s at a province's peak (~180 counties)


@dataclass
class Usage:
    """CPU seconds used so far by each party, and the database's active milliseconds."""

    servers: float
    workers: float
    database: dict[int, float]
    clients: float
    active_ms: float
    commits: int
    wall: float

    @staticmethod
    def read(cluster: Cluster, database: Database) -> Usage:
        active, commits = database.activity()
        times = os.times()
        return Usage(
            servers=sum(s.cpu() for s in cluster.servers),
            workers=sum(w.cpu() for w in cluster.workers),
            database={pid: cpu_seconds(pid) for pid in database.backend_pids()},
            clients=times.user + times.system,
            active_ms=active,
            commits=commits,
            wall=time.monotonic(),
        )


@dataclass
class Result:
    servers: int
    workers: int
    clients: int
    tally: Tally
    seconds: float
    server_cpu: float
    worker_cpu: float
    database_cpu: float
    client_cpu: float
    active_ms: float
    commits: int
    load_before: str
    load_after: str
    connections: int  # backends serving the database at the end

    @property
    def per_request(self) -> float:
        return max(self.tally.requests, 1)

    @property
    def per_completion(self) -> float:
        return max(self.tally.completions, 1)


def measure(
    database: Database,
    cluster: Cluster,
    plan: Plan,
    tokens: dict[str, str],
    clients: int,
    warmup: float,
    seconds: float,
) -> Result:
    urls = cluster.urls()
    drive([Client(1000 + n, urls, tokens, plan) for n in range(clients)], warmup)
    load_before = load_average()
    before = Usage.read(cluster, database)
    tally = drive([Client(n, urls, tokens, plan) for n in range(clients)], seconds)
    after = Usage.read(cluster, database)
    database_cpu = sum(cpu - before.database.get(pid, 0.0) for pid, cpu in after.database.items())
    return Result(
        servers=len(cluster.servers),
        workers=len(cluster.workers),
        clients=clients,
        tally=tally,
        seconds=after.wall - before.wall,
        server_cpu=after.servers - before.servers,
        worker_cpu=after.workers - before.workers,
        database_cpu=database_cpu,
        client_cpu=after.clients - before.clients,
        active_ms=after.active_ms - before.active_ms,
        commits=after.commits - before.commits,
        load_before=load_before,
        load_after=load_average(),
        connections=len(after.database),
    )


def report(results: list[Result], gunicorn_workers: int, speeds: tuple[float, float]) -> None:
    print(
        f"\n### Throughput ({gunicorn_workers} gunicorn worker(s) per app server; "
        f"{os.cpu_count()} cores)\n"
    )
    print(
        f"The machine's speed: {speeds[0]:.2f} s of CPU for 5 million additions in a "
        f"Python loop at the start, {speeds[1]:.2f} s at the end (cluster.python_speed).\n"
    )
    print(
        "| app servers | workers | clients | lifecycles/s | completions/s | requests/s "
        "| errors | abandoned | CPU cores busy (app/worker/db/clients) | db connections "
        "| load before → after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        t = r.tally
        busy = [r.server_cpu, r.worker_cpu, r.database_cpu, r.client_cpu]
        print(
            f"| {r.servers} | {r.workers} | {r.clients} | {t.lifecycles / r.seconds:.2f} "
            f"| {t.completions / r.seconds:.1f} | {t.requests / r.seconds:.1f} "
            f"| {sum(t.errors.values())} | {t.abandoned} "
            f"| {sum(busy) / r.seconds:.2f} ({'/'.join(f'{b / r.seconds:.2f}' for b in busy)}) "
            f"| {r.connections} | {r.load_before} → {r.load_after} |"
        )
    print("\n### Cost per request and per task completion\n")
    print(
        "| app servers | workers | app CPU ms/request | db CPU ms/request "
        "| db active ms/request | commits/request | app CPU ms/completion "
        f"| db CPU ms/completion | cores for {PROVINCE_COMPLETIONS:,} completions/s (app + db + workers) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        cores = [
            cpu / r.per_completion * PROVINCE_COMPLETIONS
            for cpu in (r.server_cpu, r.database_cpu, r.worker_cpu)
        ]
        print(
            f"| {r.servers} | {r.workers} | {r.server_cpu * 1000 / r.per_request:.1f} "
            f"| {r.database_cpu * 1000 / r.per_request:.1f} "
            f"| {r.active_ms / r.per_request:.1f} | {r.commits / r.per_request:.2f} "
            f"| {r.server_cpu * 1000 / r.per_completion:.1f} "
            f"| {r.database_cpu * 1000 / r.per_completion:.1f} "
            f"| {cores[0]:.0f} + {cores[1]:.0f} + {cores[2]:.1f} |"
        )
    print("\n### Latency per request type (ms: p50 / p95 / p99)\n")
    labels = sorted({label for r in results for label in r.tally.samples})
    print("| app servers × workers | " + " | ".join(labels) + " |")
    print("| --- |" + " --- |" * len(labels))
    for r in results:
        cells = []
        for label in labels:
            values = r.tally.samples.get(label, [])
            cells.append(
                "/".join(f"{percentile(values, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99))
                if values
                else "-"
            )
        print(f"| {r.servers} × {r.workers} | " + " | ".join(cells) + " |")
    errors = {f"{r.servers}×{r.workers}": dict(r.tally.errors) for r in results if r.tally.errors}
    if errors:
        print(f"\nerrors by configuration and request: {errors}")


def counts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of counts: 1,2,3") from None
    if not values or min(values) < 1 or max(values) > 20:
        raise argparse.ArgumentTypeError("counts between 1 and 20")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[4:]),
    )
    parser.add_argument("--servers", type=counts, default=[1, 2, 3], help="app servers: 1,2,3")
    parser.add_argument("--workers", type=counts, default=[1, 2], help="workers: 1,2")
    parser.add_argument(
        "--clients-per-server", type=int, default=4, help="client threads per app server (4)"
    )
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per config")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds first")
    parser.add_argument(
        "--gunicorn-workers", type=int, default=1, help="gunicorn worker processes per server (1)"
    )
    parser.add_argument("--interval", type=float, default=1, help="daiban worker --interval (1)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--thaw", action="store_true", help="servers without gc.freeze() after start-up"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="replace a gunicorn worker after about N requests, as deploy/gunicorn.conf.py "
        "does (0: never; the replaced workers' CPU is counted)",
    )
    args = parser.parse_args()
    results: list[Result] = []
    speed_before = python_speed()
    with (
        tempfile.TemporaryDirectory(prefix="daiban-scale-") as folder,
        fresh_database("daiban_scale", args.keep) as database,
    ):
        cluster = Cluster(database, Path(folder), args.gunicorn_workers, {}, freeze=not args.thaw)
        print(f"database {database.name}; setting up (deploy, tokens) …", flush=True)
        tokens = cluster.set_up()
        plan = Plan(database.url)
        try:
            for servers in args.servers:
                for workers in args.workers:
                    cluster = Cluster(
                        database,
                        Path(folder),
                        args.gunicorn_workers,
                        {},
                        freeze=not args.thaw,
                        max_requests=args.max_requests,
                    )
                    for n in range(servers):
                        cluster.add_server(PORT + n)
                    for _ in range(workers):
                        cluster.add_worker(args.interval)
                    try:
                        cluster.wait_ready()
                        clients = args.clients_per_server * servers
                        print(f"{servers} app server(s), {workers} worker(s), {clients} clients …")
                        result = measure(
                            database, cluster, plan, tokens, clients, args.warmup, args.seconds
                        )
                        print(
                            f"  {result.tally.lifecycles / result.seconds:.2f} lifecycles/s, "
                            f"load {result.load_after}",
                            flush=True,
                        )
                        results.append(result)
                    finally:
                        cluster.stop()
        finally:
            plan.close()
    report(results, args.gunicorn_workers, (speed_before, python_speed()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
