"""p50/p95 of every read request type on a seeded database (``bench/seed_cases.py``).

    python bench/scale_queries.py --url postgresql+psycopg://postgres@127.0.0.1:5432/daiban_seed_scale \
        [--runs 50] [--explain] [--seed 1] [--only search_] [--rounds 3]

Through the Flask app (``webapi.create_app`` in testing mode with an engine on that
database and the county's organisation, ``processes.org_generator.generate_county()``:
the one the seeder drew townships and villages from), its test client, and real bearer
tokens: a township's window clerk (``township_window``) and the county supervisor.
Requests run in process, one at a time, so the figures are the server's time per request
(routing, auth, the queries, serialisation), without a network.

Request types (each ``--runs`` times, with its parameters drawn at random each time):

- ``queue``: ``GET /api/v1/tasks`` as a random township's window clerk (sort by due date);
- ``queue_overdue``: the same with ``overdue=true``;
- ``search_*``: ``GET /api/v1/cases`` as the supervisor: no filter, ``township``,
  ``village``, ``status=open``, ``applicant`` (a surname), ``number`` (a region + month
  prefix), ``from``/``to`` (one month), ``id_tail``;
- ``figures_<grouping>``: ``GET /api/v1/stats`` for the previous calendar month, per
  grouping;
- ``detail``: ``GET /api/v1/cases/{id}`` of a random case, as the supervisor;
- ``history``: ``GET /api/v1/cases/{id}/history`` of a random case.

``--only PREFIX`` times the request types starting with it; ``--rounds N`` (N > 1) times
the searches in N alternating rounds with the exact total (``exact_total=true``) and as
served (the count stops past 1,000), so both columns share the machine's load.

The process's heap is frozen once the app is built, as the servers' is (``webapi/heap.py``:
gunicorn's ``post_worker_init``, ``daiban serve``); ``--thaw`` leaves it to the garbage
collector's full passes, as before.

``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the SQL statements behind one queue,
search and figures request (captured with SQLAlchemy's ``before_cursor_execute`` event, run
again with their parameters).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine as SAEngine  # noqa: E402

from engine import Engine  # noqa: E402
from engine.stats.grouping import GROUPINGS  # noqa: E402
from processes.org_generator import generate_county  # noqa: E402
from webapi import create_app, heap  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周"


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Bench:
    def __init__(self, url: str, seed: int) -> None:
        self.org = generate_county()
        self.engine = Engine(url, org=self.org)
        self.app = create_app({"ENGINE": self.engine, "TESTING": True})
        self.client = self.app.test_client()
        self.rng = random.Random(seed)
        self.figure_runs = 10
        self.exact_total = False
        self.townships = [u.code for u in self.org.of_kind("township")]
        self.villages = [u.code for u in self.org.of_kind("village", "community")]
        clerks: dict[str, str] = {}
        supervisor = None
        for user in self.org.users.values():
            if "township_window" in user.roles and user.unit and user.unit not in clerks:
                clerks[user.unit] = user.id
            if "supervisor" in user.roles and supervisor is None:
                supervisor = user.id
        assert supervisor is not None, "no supervisor in the organisation"
        self.tokens = {u: self.engine.identity.issue_token(u).token for u in clerks.values()}
        self.tokens[supervisor] = self.engine.identity.issue_token(supervisor).token
        self.clerks, self.supervisor = clerks, supervisor
        with self.engine.store.unit_of_work(write=False) as uow:
            session = uow.session
            self.top = int(session.execute(text("SELECT max(id) FROM cases")).scalar_one())
            self.cases = int(session.execute(text("SELECT count(*) FROM cases")).scalar_one())
        today = datetime.now(UTC).date()
        last = today.replace(day=1) - timedelta(days=1)
        self.month = (last.replace(day=1), last)

    def get(self, user: str, path: str, **query: Any) -> Any:
        if self.exact_total and path == "/api/v1/cases":
            query["exact_total"] = "true"
        response = self.client.get(
            path, query_string=query, headers={"Authorization": f"Bearer {self.tokens[user]}"}
        )
        assert response.status_code == 200, (path, query, response.status_code, response.data)
        return response

    def clerk(self) -> str:
        return self.clerks[self.rng.choice(sorted(self.clerks))]

    def case_id(self) -> int:
        return self.rng.randrange(1, self.top + 1)

    def requests(self) -> dict[str, Callable[[], Any]]:
        rng, sup = self.rng, self.supervisor
        first, last = self.month
        month = {"from": first.isoformat(), "to": last.isoformat()}
        found: dict[str, Callable[[], Any]] = {
            "queue": lambda: self.get(self.clerk(), "/api/v1/tasks"),
            "queue_overdue": lambda: self.get(self.clerk(), "/api/v1/tasks", overdue="true"),
            "search_all": lambda: self.get(sup, "/api/v1/cases"),
            "search_township": lambda: self.get(
                sup, "/api/v1/cases", township=rng.choice(self.townships)
            ),
            "search_village": lambda: self.get(
                sup, "/api/v1/cases", village=rng.choice(self.villages)
            ),
            "search_open": lambda: self.get(sup, "/api/v1/cases", status="open"),
            "search_applicant": lambda: self.get(
                sup, "/api/v1/cases", applicant=rng.choice(SURNAMES)
            ),
            "search_number": lambda: self.get(
                sup, "/api/v1/cases", number=rng.choice(self.villages) + f"{first:%Y%m}"
            ),
            "search_month": lambda: self.get(sup, "/api/v1/cases", **month),
            "search_id_tail": lambda: self.get(
                sup, "/api/v1/cases", id_tail=f"{rng.randrange(10000):04d}"
            ),
        }
        for grouping in GROUPINGS:
            found[f"figures_{grouping}"] = partial(
                self.get, sup, "/api/v1/stats", group_by=grouping, **month
            )
        found["detail"] = lambda: self.get(sup, f"/api/v1/cases/{self.case_id()}")
        found["history"] = lambda: self.get(sup, f"/api/v1/cases/{self.case_id()}/history")
        return found

    def measure(self, runs: int, only: str = "", rounds: int = 1) -> None:
        """Time each request type (those starting with ``only``). With ``rounds`` > 1 the
        searches are timed in alternating rounds with the total counted in full
        (``exact_total=true``, as before issue 16's capped count) and as served, so the
        two columns share the machine's load."""
        print(
            f"{self.cases} cases; {runs} runs per type ({self.figure_runs} of figures); "
            f"load before: {load()}",
            flush=True,
        )
        modes = ("exact", "served") if rounds > 1 else ("served",)
        print(f"{'request':22} " + " ".join(f"{m + ' p50/p95 ms':>24}" for m in modes))
        for name, request in self.requests().items():
            if not name.startswith(only):
                continue
            times: dict[str, list[float]] = {mode: [] for mode in modes}
            count = self.figure_runs if name.startswith("figures_") else runs
            for _ in range(rounds):
                for mode in modes:
                    self.exact_total = mode == "exact" and name.startswith("search_")
                    request()  # warm
                    for _ in range(count):
                        started = time.perf_counter()
                        request()
                        times[mode].append((time.perf_counter() - started) * 1000)
            self.exact_total = False
            print(
                f"{name:22} "
                + " ".join(
                    f"{statistics.median(t):11.1f} /{percentile(t, 0.95):9.1f}"
                    for t in times.values()
                ),
                flush=True,
            )
        print(f"load after: {load()}", flush=True)

    def explain(self) -> None:
        captured: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                captured.append((statement, parameters))

        requests = self.requests()
        for name in ("queue", "search_township", "search_applicant", "figures_township"):
            captured.clear()
            event.listen(SAEngine, "before_cursor_execute", capture)
            try:
                requests[name]()
            finally:
                event.remove(SAEngine, "before_cursor_execute", capture)
            print(f"\n=== {name}: {len(captured)} SELECT statements ===", flush=True)
            plans = []
            with self.engine.store.unit_of_work(write=False) as uow:
                raw = uow.session.connection().connection.driver_connection
                assert raw is not None
                for statement, parameters in captured:
                    with raw.cursor() as cur:
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                        lines = [r[0] for r in cur.fetchall()]
                    took = next((x for x in lines if x.startswith("Execution Time")), "")
                    plans.append((float(took.split()[2]) if took else 0.0, statement, lines))
            for ms, statement, lines in sorted(plans, key=lambda p: -p[0])[:3]:
                print(f"--- {ms:.1f} ms: {' '.join(statement.split())[:300]}")
                print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--figure-runs", type=int, default=10, help="runs of each figures type")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--thaw", action="store_true", help="no gc.freeze() after start-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="the request types starting with this")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="> 1: searches in alternating rounds, total counted in full and as served",
    )
    args = parser.parse_args()
    bench = Bench(args.url, args.seed)
    bench.figure_runs = args.figure_runs
    if not args.thaw:
        print(f"heap frozen: {heap.freeze()} objects", flush=True)
    try:
        bench.measure(args.runs, args.only, args.rounds)
        if args.explain:
            bench.explain()
    finally:
        bench.engine.close()


if __name__ == "__main__":
    main()
