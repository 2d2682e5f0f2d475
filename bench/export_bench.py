"""Process-mining export throughput: XES and OCEL 2.0 of N cases, events/s and cases/s.

    python bench/export_bench.py [--cases 2000] [--database sqlite|postgresql]
                                 [--batch 200] [--exact] [--no-ocel] [--no-api]
    python bench/export_bench.py --cases 100000       # the county's year

Four real cases are walked through their processes (``tests/integration/test_exports.py``: a proxy
item with claims, a missed deadline, warnings, a supplement, an assignment, the county's
decision and a rating; a window item; a cancelled case; an open one), then copied through
the store (``bench/clone_cases.py``: new uids, task ids and re-sealed hash chains) until
there are ``--cases`` cases. Timed, each streamed into a byte counter:

- ``xes``: ``engine.exports.xes.xes_chunks`` over every case (the ``daiban export-xes`` path);
- ``ocel``: ``engine.exports.ocel.ocel_chunks`` likewise;
- ``api``: ``GET /api/v1/audit/export.xes`` as the county supervisor, through the WSGI app,
  the streamed body read chunk by chunk (not buffered).

Peak memory (max RSS) is printed before and after the exports: the export reads one batch
of cases at a time, so it must not grow with the number of cases.

PostgreSQL: set ``DAIBAN_TEST_DATABASE_URL`` (a scratch schema is made and dropped).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from clone_cases import clone_cases  # noqa: E402

from engine import Engine, ManualClock, read_sources  # noqa: E402
from engine.exports.common import ExportCounts, ExportSource  # noqa: E402
from engine.exports.ocel import ocel_chunks  # noqa: E402
from engine.exports.xes import xes_chunks  # noqa: E402
from engine.records import CaseScope  # noqa: E402
from engine.store.testing import isolated_database  # noqa: E402
from tests.support.databases import START  # noqa: E402
from tests.support.exports_world import ITEMS, build  # noqa: E402
from tests.support.paths import BPMN  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def drain(chunks: Iterable[bytes]) -> int:
    return sum(len(chunk) for chunk in chunks)


def report(label: str, seconds: float, counts: ExportCounts, size: int) -> None:
    print(
        f"{label:5} {counts.cases:>8} cases {counts.events:>9} events in {seconds:7.2f} s: "
        f"{counts.cases / seconds:9.0f} cases/s {counts.events / seconds:9.0f} events/s "
        f"{size / seconds / 1e6:6.1f} MB/s ({size / 1e6:.0f} MB)",
        flush=True,
    )


def run(url: str, args: argparse.Namespace) -> None:
    clock = ManualClock(START)
    engine = Engine(url, clock)
    try:
        engine.definitions.deploy(
            read_sources([BPMN / "common", *(BPMN / "items" / f"item_{i}.bpmn" for i in ITEMS)])
        )
        templates = list(build(engine, clock).ids.values())
        started = time.perf_counter()

        def progress(done: int) -> None:
            if done % 10_000 < 500:
                print(f"  cloned {done} cases", flush=True)

        made = clone_cases(
            engine, templates, args.cases - len(templates), exact=args.exact, progress=progress
        )
        print(
            f"built {len(templates) + len(made)} cases in {time.perf_counter() - started:.1f} s "
            f"({'replayed' if args.exact else 'copied'} clones)",
            flush=True,
        )
        if args.exact and made:
            sample = made[:: max(1, len(made) // 20)]
            assert all(engine.audit.verify(i).ok for i in sample), "a clone does not verify"
            print(f"{len(sample)} sampled clones verify", flush=True)
        source = ExportSource(engine.store, CaseScope(everything=True), batch=args.batch)
        before = rss_mb()
        print(f"peak memory before exporting: {before:.0f} MB", flush=True)
        counts = ExportCounts()
        started = time.perf_counter()
        size = drain(xes_chunks(source, org=engine.org, counts=counts))
        report("xes", time.perf_counter() - started, counts, size)
        if not args.no_ocel:
            counts = ExportCounts()
            started = time.perf_counter()
            size = drain(ocel_chunks(source, org=engine.org, counts=counts))
            report("ocel", time.perf_counter() - started, counts, size)
        if not args.no_api:
            api(engine, counts)
        print(f"peak memory after exporting: {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB)")
    finally:
        engine.close()


def api(engine: Engine, expected: ExportCounts) -> None:
    from webapi import create_app

    app = create_app({"ENGINE": engine, "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    token = engine.identity.issue_token("sun.hong").token
    started = time.perf_counter()
    response = client.get(
        "/api/v1/audit/export.xes", headers={"Authorization": f"Bearer {token}"}, buffered=False
    )
    assert response.status_code == 200, response.status_code
    # unbuffered: the app's WSGI iterable itself, which yields bytes (werkzeug types it
    # as str or bytes, for the bodies a Response can be built from)
    size = drain(cast(Iterable[bytes], response.response))
    response.close()
    report("api", time.perf_counter() - started, expected, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in all (default 2000)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch", type=int, default=200, help="cases per read (default 200)")
    parser.add_argument(
        "--exact", action="store_true", help="replay each clone so that it verifies (slow)"
    )
    parser.add_argument("--no-ocel", action="store_true", help="skip the OCEL export")
    parser.add_argument("--no-api", action="store_true", help="skip the HTTP export")
    args = parser.parse_args()
    pg = os.environ.get("DAIBAN_TEST_DATABASE_URL") if args.database == "postgresql" else None
    if args.database == "postgresql" and not pg:
        parser.error("set DAIBAN_TEST_DATABASE_URL for PostgreSQL")
    with tempfile.TemporaryDirectory() as folder, isolated_database(pg, Path(folder)) as url:
        run(url, args)


if __name__ == "__main__":
    main()
