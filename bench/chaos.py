"""Chaos: kill -9 app servers and workers, cut database connections, while clients go on.

    python bench/chaos.py [--servers 3] [--workers 3] [--clients 6] [--seconds 60]
                          [--every 3] [--terminate-chance 0.5] [--timer-cases 24] [--keep]

Set-up as ``scale_bench.py`` (a database of its own, ``daiban_chaos_<pid>``, dropped at the
end unless ``--keep``; ``daiban deploy``; tokens), flagged as a training database
(``daiban clock init --training``) so that its clock can be moved. The app servers
(``gunicorn``, ports from 18520) and workers (``daiban worker --interval 1``) share it and
one files folder; the workers send their notices to a stand-in SMS gateway in this process
(port 18599) that counts every delivery by its idempotency id.

Timers that fall due during the run: before it, ``--timer-cases`` cases are taken through
HTTP to the point where they wait for the applicant's rating (the evaluation's invitation
timer is due 3 days later), in six groups an hour apart on the training clock (the
engine's ``training.advance``, which moves the clock and fires nothing). During the run
the clock is moved past the groups' timers one group at a time, so it is the workers —
killed and cut off like everything else — that find and fire them.

The clients do lifecycles (``cluster.py``) with an ``Idempotency-Key`` on every POST and
send a request again on a connection error or a 5xx (the same body and key); a 409 after
a lost answer is settled by reading the case. Every ``--every`` seconds one app server or
worker, at random, is killed with SIGKILL (its whole process group) and started again, and
with ``--terminate-chance`` every connection to the database is terminated
(``pg_terminate_backend``). A worker or app server that exits when nobody killed it is
reported (and restarted): that is a finding.

At the end (clients stopped, everything running again, the workers given time to fire what
is due and send what is pending): every acknowledged write (2xx: registrations, task
completions, ratings; and those a re-read showed done) is in the history exactly once, no
task was completed twice and no case rated twice, no ``timers_fired`` event left the state
as it was (a no-op firing), no warning was raised twice, every timer case fired its timer
exactly once, no notice is in the outbox twice and every notice marked sent reached the
gateway, and ``daiban verify --all`` is clean. Exit 1 on any violation.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from api_bench import LIFECYCLES
from cluster import (
    Client,
    Cluster,
    Database,
    Plan,
    Service,
    Tally,
    drive,
    fresh_database,
    load_average,
)

from engine.records import NOTICE_KINDS

PORT = 18520
GATEWAY_PORT = 18599
GROUPS = 6  # timer-case groups, an hour apart on the training clock
INVITATION = timedelta(days=3)  # common_evaluation: the rating invitation after 3 days


class Gateway(ThreadingHTTPServer):
    """A stand-in SMS gateway: answers 200 and counts deliveries per idempotency id."""

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), GatewayHandler)
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with self.server.lock:
            self.server.received[body["idempotency_id"]] += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@dataclass
class Chaos:
    """What was done to the cluster, and what it did by itself."""

    kills: Counter[str] = field(default_factory=Counter)
    terminations: int = 0  # rounds of pg_terminate_backend
    connections_cut: int = 0
    advances: int = 0
    died: list[str] = field(default_factory=list)  # exits nobody caused

    def move_clock(self, plan: Plan) -> bool:
        """The next move of the training clock, if one is left: the first to the first
        group's invitation, each next one an hour on, to the next group's."""
        if self.advances >= GROUPS + 1:
            return False
        first = self.advances == 0
        advance(plan, INVITATION - timedelta(hours=GROUPS) if first else timedelta(hours=1))
        self.advances += 1
        return True

    def check_deaths(self, services: list[Service]) -> None:
        for service in services:
            code = service.exit_code()
            if code is not None:
                last = service.tail(3).replace("\n", " | ")
                self.died.append(f"{service.name} exited by itself with {code}: {last}")
                service.start()


def advance(plan: Plan, span: timedelta) -> None:
    """Move the training clock, trying again when the connection was just cut."""
    for attempt in range(10):
        try:
            plan.engine.training.advance(span, "chaos")
            return
        except Exception:
            if attempt == 9:
                raise
            time.sleep(0.5)


def timer_cases(
    cluster: Cluster, plan: Plan, tokens: dict[str, str], count: int
) -> tuple[list[int], Tally]:
    """Cases left waiting for their rating, in groups an hour apart on the clock."""
    client = Client(9999, cluster.urls(), tokens, plan)
    cases = []
    for n in range(count):
        cases.append(client.lifecycle(LIFECYCLES[n % len(LIFECYCLES)], rate=False))
        if (n + 1) % max(1, count // GROUPS) == 0:
            advance(plan, timedelta(hours=1))
    return cases, client.tally


def run_chaos(
    cluster: Cluster,
    plan: Plan,
    chaos: Chaos,
    seconds: float,
    every: float,
    terminate_chance: float,
    stop: threading.Event,
) -> None:
    rng = random.Random(15)
    services = [*cluster.servers, *cluster.workers]
    started = time.monotonic()
    while not stop.wait(every) and time.monotonic() - started < seconds:
        chaos.check_deaths(services)
        victim = rng.choice(services)
        victim.kill()
        chaos.kills[victim.kind] += 1
        victim.start()
        if rng.random() < terminate_chance:
            chaos.terminations += 1
            chaos.connections_cut += cluster.database.terminate_backends()
        chaos.move_clock(plan)


def settle(cluster: Cluster, chaos: Chaos, wait: float) -> float:
    """Everything running again; wait until no timer is due and no notice pending."""
    chaos.check_deaths([*cluster.servers, *cluster.workers])
    started = time.monotonic()
    while time.monotonic() - started < wait:
        (due,) = cluster.database.rows(
            "SELECT count(*) FROM cases WHERE next_timer_at <= now() + "
            "make_interval(secs => (SELECT coalesce(max(clock_offset), 0)::float8 FROM database_settings))"
        )[0]
        (pending,) = cluster.database.rows(
            "SELECT count(*) FROM notices WHERE state IN ('pending', 'sending')"
        )[0]
        if due == 0 and pending == 0:
            break
        time.sleep(1)
        chaos.check_deaths([*cluster.servers, *cluster.workers])
    return time.monotonic() - started


def counted(database: Database, sql: str, ids: list[Any]) -> dict[Any, int]:
    return dict(database.rows(sql, (ids,)))


def check(
    database: Database, tally: Tally, timers: list[int], gateway: Gateway
) -> list[tuple[str, str, bool]]:
    """(what, found, ok) for every invariant."""
    lines: list[tuple[str, str, bool]] = []

    def exactly_once(what: str, wanted: list[Any], found: dict[Any, int]) -> None:
        wrong = [w for w in wanted if found.get(w, 0) != 1]
        lines.append(
            (what, f"{len(wanted)} acknowledged, {len(wanted) - len(wrong)} once", not wrong)
        )

    cases = sorted(tally.cases)
    numbers = dict(database.rows("SELECT id, case_number FROM cases WHERE id = ANY(%s)", (cases,)))
    wrong_numbers = [c for c in cases if numbers.get(c) != tally.cases[c]]
    lines.append(
        (
            "registrations: case with its number",
            f"{len(cases) - len(wrong_numbers)}/{len(cases)}",
            not wrong_numbers,
        )
    )
    exactly_once(
        "registrations: case_started",
        cases,
        counted(
            database,
            "SELECT case_id, count(*) FROM events WHERE type = 'case_started' "
            "AND case_id = ANY(%s) GROUP BY case_id",
            cases,
        ),
    )
    lines.append(
        (
            "Idempotency-Key retries answering another case",
            str(tally.key_mismatches),
            tally.key_mismatches == 0,
        )
    )
    tasks = tally.completed + tally.completed_by_reading
    exactly_once(
        "task completions: task_completed",
        tasks,
        counted(
            database,
            "SELECT task_id, count(*) FROM events WHERE type = 'task_completed' "
            "AND task_id = ANY(%s) GROUP BY task_id",
            tasks,
        ),
    )
    rated = tally.rated + tally.rated_by_reading
    exactly_once(
        "ratings: rating message",
        rated,
        counted(
            database,
            "SELECT case_id, count(*) FROM events WHERE type = 'message_received' "
            "AND message_name = 'rating' AND case_id = ANY(%s) GROUP BY case_id",
            rated,
        ),
    )
    duplicates = {
        "tasks completed twice": "SELECT task_id FROM events WHERE type = 'task_completed' "
        "GROUP BY task_id HAVING count(*) > 1",
        "cases rated twice": "SELECT case_id FROM events WHERE type = 'message_received' "
        "AND message_name = 'rating' GROUP BY case_id HAVING count(*) > 1",
        "no-op timers_fired (state unchanged)": "SELECT e.id FROM events e JOIN events p "
        "ON p.case_id = e.case_id AND p.seq = e.seq - 1 "
        "WHERE e.type = 'timers_fired' AND e.state_digest = p.state_digest",
        "warnings raised twice": "SELECT case_id FROM events "
        "WHERE type IN ('warning_yellow', 'warning_red') "
        "GROUP BY case_id, type, coalesce(task_id, '') HAVING count(*) > 1",
        "notices in the outbox twice": "SELECT case_id FROM notices "
        "GROUP BY case_id, kind, event_seq HAVING count(*) > 1",
    }
    for what, sql in duplicates.items():
        found = len(database.rows(sql))
        lines.append((what, str(found), found == 0))
    fired = counted(
        database,
        "SELECT case_id, count(*) FROM events WHERE type = 'timers_fired' "
        "AND case_id = ANY(%s) GROUP BY case_id",
        timers,
    )
    once = sum(1 for c in timers if fired.get(c, 0) == 1)
    lines.append(
        ("timer cases: invitation fired exactly once", f"{once}/{len(timers)}", once == len(timers))
    )
    sent = [i for (i,) in database.rows("SELECT idempotency_id FROM notices WHERE state = 'sent'")]
    missing = [i for i in sent if gateway.received[i] == 0]
    lines.append(
        (
            "notices marked sent that reached the gateway",
            f"{len(sent) - len(missing)}/{len(sent)}",
            not missing,
        )
    )
    again = sum(1 for n in gateway.received.values() if n > 1)
    lines.append(
        ("notices delivered again (same idempotency id; at least once by design)", str(again), True)
    )
    return lines


def verify(cluster: Cluster) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-m", "webapi", "verify", "--all"],
        env=cluster.env,
        capture_output=True,
        text=True,
        cwd=cluster.folder,
    )
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return done.returncode == 0, f"exit {done.returncode}: {last}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[4:]),
    )
    parser.add_argument("--servers", type=int, default=3, help="app servers (3)")
    parser.add_argument("--workers", type=int, default=3, help="daiban worker processes (3)")
    parser.add_argument("--clients", type=int, default=6, help="client threads (6)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the chaos (60)")
    parser.add_argument("--every", type=float, default=3, help="seconds between kills (3)")
    parser.add_argument(
        "--terminate-chance",
        type=float,
        default=0.5,
        help="chance, at each kill, of also terminating every database connection (0.5)",
    )
    parser.add_argument("--timer-cases", type=int, default=24, help="cases with a timer due (24)")
    parser.add_argument("--gunicorn-workers", type=int, default=1)
    parser.add_argument("--settle", type=float, default=60, help="seconds allowed to catch up")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    gateway = Gateway(GATEWAY_PORT)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    env = {
        "DAIBAN_SMS_URL": f"http://127.0.0.1:{GATEWAY_PORT}/sms",
        "DAIBAN_SMS_TEMPLATES": ",".join(f"{kind}=T_{kind}" for kind in NOTICE_KINDS),
        "DAIBAN_SMS_LEASE_SECONDS": "10",
        "DAIBAN_SMS_RETRY_SECONDS": "2",
        "DAIBAN_SMS_TIMEOUT": "3",
    }
    with (
        tempfile.TemporaryDirectory(prefix="daiban-chaos-") as folder,
        fresh_database("daiban_chaos", args.keep) as database,
    ):
        cluster = Cluster(database, Path(folder), args.gunicorn_workers, env)
        print(
            f"database {database.name}; setting up (deploy, training clock, tokens) …", flush=True
        )
        cluster.cli("clock", "init", "--training")
        tokens = cluster.set_up()
        plan = Plan(database.url)
        chaos = Chaos()
        try:
            for n in range(args.servers):
                cluster.add_server(PORT + n)
            for _ in range(args.workers):
                cluster.add_worker(1)
            cluster.wait_ready()
            timers, tally = timer_cases(cluster, plan, tokens, args.timer_cases)
            print(
                f"{len(timers)} timer cases waiting; chaos for {args.seconds:.0f} s …", flush=True
            )
            load_before = load_average()
            clients = [
                Client(n, cluster.urls(), tokens, plan, retries=40, timeout=15)
                for n in range(args.clients)
            ]
            stop = threading.Event()
            monkey = threading.Thread(
                target=run_chaos,
                args=(cluster, plan, chaos, args.seconds, args.every, args.terminate_chance, stop),
            )
            monkey.start()
            tally.merge(drive(clients, args.seconds))
            stop.set()
            monkey.join()
            during = chaos.advances
            while chaos.move_clock(plan):  # a short run: the groups left fall due now
                pass
            load_after = load_average()
            waited = settle(cluster, chaos, args.settle)
        finally:
            cluster.stop()
            plan.close()
        lines = check(database, tally, timers, gateway)
        clean, verified = verify(cluster)
        lines.append(("daiban verify --all", verified, clean))
    gateway.shutdown()
    print("\n| | |\n| --- | --- |")
    summary = [
        ("app servers / workers / clients", f"{args.servers} / {args.workers} / {args.clients}"),
        ("seconds of chaos, kill every", f"{args.seconds:.0f} s, {args.every:g} s"),
        (
            "kills (kill -9): app servers / workers",
            f"{chaos.kills['server']} / {chaos.kills['worker']}",
        ),
        (
            "connection terminations (rounds / connections)",
            f"{chaos.terminations} / {chaos.connections_cut}",
        ),
        ("training clock moves: during / after the chaos", f"{during} / {chaos.advances - during}"),
        ("processes that died by themselves", str(len(chaos.died))),
        ("requests / retries", f"{tally.requests} / {tally.retries}"),
        ("lifecycles done / abandoned", f"{tally.lifecycles} / {tally.abandoned}"),
        (
            "acknowledged writes: registrations / completions / ratings",
            f"{len(tally.cases)} / {len(tally.completed)} (+{len(tally.completed_by_reading)} by re-reading) "
            f"/ {len(tally.rated)} (+{len(tally.rated_by_reading)})",
        ),
        (
            "errors seen by clients",
            ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())) or "none",
        ),
        ("catching up after the chaos", f"{waited:.0f} s"),
        ("load average before → after", f"{load_before} → {load_after}"),
    ]
    for what, value in summary:
        print(f"| {what} | {value} |")
    print("\n| invariant | found | |\n| --- | --- | --- |")
    for what, found, ok in lines:
        print(f"| {what} | {found} | {'ok' if ok else '**VIOLATED**'} |")
    for death in chaos.died:
        print(f"died by itself: {death}")
    return 0 if all(ok for _, _, ok in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
