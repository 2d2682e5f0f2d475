"""Two versions of the app server side by side: CPU per request of each, under one load.

    python bench/server_ab.py --against /tmp/before [--windows 4] [--seconds 20]
                              [--clients 8]

``--against`` is another checkout of daiban (``git worktree add /tmp/before <commit>``)
whose schema is the same as this one's. The tool makes a database of its own on the local
PostgreSQL (``daiban_ab_<pid>``, dropped at the end), migrated and deployed by this
checkout with a token per demo user, as ``scale_bench.py`` does. Then, for each window,
it starts two app servers on that database — one ``gunicorn 'webapi:create_app()'`` of
this checkout and one of the other, each one worker with its heap frozen as shipped, on
ports 18600 and 18601 (which version takes which port alternates by window) — and one
background worker of this checkout, and the clients of ``scale_bench.py`` drive case lifecycles, sending
their requests to the two servers in turn. Each server so serves half of the same
requests in the same mix (every other task completion lands on it, so each restores
workflows that the other changed), at the same moments, on the same cores: whatever
else the machine is doing slows both alike. Printed per window: the CPU time each
server spent per request it served (``/proc/<pid>/stat``) and the ratio this / other;
at the end the median and range of the ratios. The absolute figures move with the
machine; the ratio is what this tool measures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from cluster import ROOT, Client, Cluster, Plan, drive, fresh_database, load_average

PORT = 18600


def window(
    cluster: Cluster,
    versions: list[Path],
    plan: Plan,
    tokens: dict[str, str],
    clients: int,
    seconds: float,
) -> tuple[dict[Path, float], int, str]:
    """CPU seconds each version's server spent, requests served in all, load before."""
    servers = {}
    own = cluster.env
    for n, version in enumerate(versions):
        cluster.env = {**own, "PYTHONPATH": str(version)}  # what the next server runs
        servers[version] = cluster.add_server(PORT + n)
    cluster.env = own
    cluster.add_worker(1)  # this checkout's, in every window
    try:
        cluster.wait_ready()
        urls = cluster.urls()
        drive([Client(1000 + n, urls, tokens, plan) for n in range(clients)], 3)
        load = load_average()
        started = {version: server.cpu() for version, server in servers.items()}
        tally = drive([Client(n, urls, tokens, plan) for n in range(clients)], seconds)
        spent = {version: server.cpu() - started[version] for version, server in servers.items()}
        return spent, tally.requests, load
    finally:
        cluster.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[4:]),
    )
    parser.add_argument("--against", type=Path, required=True, help="the other checkout")
    parser.add_argument("--windows", type=int, default=4, help="measured windows (4)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds per window (20)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (8)")
    args = parser.parse_args()
    this, other = ROOT, args.against.resolve()
    if not (other / "webapi" / "__init__.py").is_file():
        parser.error(f"--against {other}: not a daiban checkout")
    ratios = []
    with (
        tempfile.TemporaryDirectory(prefix="daiban-ab-") as folder,
        fresh_database("daiban_ab", False) as database,
    ):
        tokens = Cluster(database, Path(folder), 1, {}).set_up()
        plan = Plan(database.url)
        try:
            for n in range(args.windows):
                versions = [other, this] if n % 2 == 0 else [this, other]
                cluster = Cluster(database, Path(folder), 1, {})
                spent, requests, load = window(
                    cluster, versions, plan, tokens, args.clients, args.seconds
                )
                half = max(requests, 2) / 2
                ratio = spent[this] / spent[other]
                ratios.append(ratio)
                print(
                    f"window {n + 1} (load {load}): {requests} requests; CPU ms per request: "
                    f"other {spent[other] / half * 1000:.2f}, this {spent[this] / half * 1000:.2f}"
                    f"; this / other {ratio:.3f}",
                    flush=True,
                )
        finally:
            plan.close()
    ratios.sort()
    print(
        f"this / other, app-server CPU per request: median {ratios[len(ratios) // 2]:.3f} "
        f"(range {ratios[0]:.3f}–{ratios[-1]:.3f}, {len(ratios)} windows)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
