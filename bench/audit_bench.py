"""Replay and verification vs. forward execution of the same cases, in one run.

    python bench/audit_bench.py [--rounds 5] [--cases 20] [--database sqlite|postgresql|both]
                                [--all N]

Forward: real catalogue items (a devolved item at the window, a proxy item decided at the
township, a T->C item with a county decision, an item with public notice) driven from
registration to ``completed`` through ``CaseService`` with the simulator's sample answers
(``engine.simulate.run``): every step parses, runs and persists as in production.
Verify: ``Auditor.verify`` of the same cases (hash chain, replay of every event against
the pinned definition with the state digest compared after each, snapshot compared).
Replay: ``Auditor.replay`` (rebuild the final state from the events alone).

Each round runs forward on a fresh batch, then verifies and replays that batch, so a noisy
neighbour slows all three alike; the ratio is taken per round. ``--all N`` then times
``Auditor.verify_all`` over every case in the database after cloning the batch up to N
cases (bench/clone_cases.py, exact copies: new uids, every hash chain re-sealed, digests
and snapshots from replay) and reports cases/s and the projected time for 100,000 cases.
Compare ratios, not absolute numbers: the machines here are shared.

    python bench/audit_bench.py --verification [--reference CHECKOUT] [--per-item 2]

Verification cost (issue 16), before and after in one run: every catalogue item (but the
yearly payout lists) walked to completion ``--per-item`` times and two loop cases
(tests/data/loop.bpmn, 51 and 501 events) are recorded by the code of ``--reference``
(a checkout of the code before the change, e.g. ``git worktree add /tmp/before main``;
default: this checkout), then that code and this checkout each verify the same
database (bench/verification_cost.py, one process each, one after the other): cases/s
per core (CPU time), CPU per event of verify and replay at 51 and 501 events, and the
forward CPU time per event of a loop case early and late. Every history the reference
code recorded must verify under this checkout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy.exc import OperationalError  # noqa: E402

from engine import Engine, ManualClock, read_sources  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.simulate import HAPPY_MESSAGES, Scenario, run  # noqa: E402
from engine.store.testing import isolated_database  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402

PG_URL = os.environ.get("DAIBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BPMN = ROOT / "processes" / "bpmn"
NOW = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
ITEMS = ("RS010", "MZ004", "ZF002", "MZ001")  # window; proxy T->C; licence; public notice
TARGET = 0.5  # verify at least half as fast as forward execution


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'audit.sqlite3'}"
        return
    with isolated_database(PG_URL, folder) as url:
        yield url


def forward(engine: Engine, clock: ManualClock, count: int) -> list[int]:
    catalogue = {item.code: item for item in load_catalogue()}
    ids = []
    for n in range(count):
        item = catalogue[ITEMS[n % len(ITEMS)]]
        start = {"item": item.process_data(), "via_proxy": item.proxy_allowed, "emergency": False}
        trace = run(engine.cases, clock, item.process_id, Scenario(start, {}, dict(HAPPY_MESSAGES)))
        assert trace.case.status == "completed", (item.code, trace.steps[-3:])
        ids.append(trace.case.id)
    return ids


def measure(kind: str, rounds: int, cases: int, scale: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        clock = ManualClock(NOW)
        engine = Engine(url, clock)
        processes = [BPMN / "common"] + [
            BPMN / "items" / f"{item.process_id}.bpmn"
            for item in load_catalogue()
            if item.code in ITEMS
        ]
        engine.definitions.deploy(read_sources(processes))
        forward(engine, clock, len(ITEMS))  # warm the definition caches
        ratios, replay_ratios = [], []
        totals = {"forward": 0.0, "verify": 0.0, "replay": 0.0}
        events = done = 0
        for _ in range(rounds):
            clock.set(NOW)
            started = time.perf_counter()
            ids = forward(engine, clock, cases)
            forward_s = time.perf_counter() - started
            started = time.perf_counter()
            for case_id in ids:
                report = engine.audit.verify(case_id)
                assert report.ok, str(report)
                events += report.events
            verify_s = time.perf_counter() - started
            started = time.perf_counter()
            for case_id in ids:
                engine.audit.replay(case_id)
            replay_s = time.perf_counter() - started
            ratios.append(forward_s / verify_s)
            replay_ratios.append(forward_s / replay_s)
            totals["forward"] += forward_s
            totals["verify"] += verify_s
            totals["replay"] += replay_s
            done += len(ids)
        print(f"\n== {kind}: {rounds} rounds x {cases} cases ({events / done:.1f} events/case)")
        for name, seconds in totals.items():
            print(f"{name:8} {done / seconds:8.1f} cases/s")
        print(
            f"verify/forward {statistics.median(ratios):.2f}x "
            f"(rounds {min(ratios):.2f}-{max(ratios):.2f}; target >= {TARGET})"
        )
        print(
            f"replay/forward {statistics.median(replay_ratios):.2f}x "
            f"(rounds {min(replay_ratios):.2f}-{max(replay_ratios):.2f})"
        )
        if scale:
            verify_all(engine, scale, workers)
        engine.close()


def verify_all(engine: Engine, scale: int, workers: int) -> None:
    """Clone the measured cases up to ``scale`` (exact copies: each passes verify), then
    time ``Auditor.verify_all`` over all of them, with progress as ``daiban verify --all``."""
    from clone_cases import clone_cases  # bench/clone_cases.py

    with engine.store.unit_of_work(write=False) as uow:
        have = uow.cases.ids(0, 10**9)
    if scale > len(have):
        started = time.perf_counter()
        clone_cases(engine, have[: len(ITEMS) * 2], scale - len(have), exact=True)
        print(f"cloned {scale - len(have)} cases in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    checked = bad = 0
    for report in engine.audit.verify_all():
        checked += 1
        bad += not report.ok
        if checked % 1000 == 0:
            print(f"  verified {checked} ({checked / (time.perf_counter() - started):.0f}/s)")
    seconds = time.perf_counter() - started
    rate = checked / seconds
    print(
        f"verify --all: {checked} cases in {seconds:.1f} s ({rate:.1f} cases/s, {bad} failed); "
        f"100,000 cases would take about {100_000 / rate / 60:.0f} min at this rate"
    )
    if workers > 1:
        from engine.verify_parallel import verify_in_parallel

        started = time.perf_counter()
        batches = engine.audit.case_id_batches(0, 200)
        found = [r for rs, _ in verify_in_parallel(engine.store.url, batches, workers) for r in rs]
        seconds = time.perf_counter() - started
        parallel = len(found) / seconds
        print(
            f"verify --all --workers {workers}: {len(found)} cases in {seconds:.1f} s "
            f"({parallel:.1f} cases/s, {sum(not r.ok for r in found)} failed, "
            f"{parallel / rate:.2f}x one process); 100,000 cases ~ {100_000 / parallel / 60:.0f} min"
        )


def verification(reference: Path | None, per_item: int) -> None:
    """Verification cost before (``reference``) and after (this checkout), one database."""
    import json
    import subprocess

    worker = ROOT / "bench" / "verification_cost.py"
    loop = ROOT / "tests" / "data" / "loop.bpmn"
    recorder = reference or ROOT
    with tempfile.TemporaryDirectory() as folder:
        url, ids = f"sqlite:///{folder}/verify.sqlite3", Path(folder) / "ids.json"

        def side(mode: str, checkout: Path, *extra: str) -> str:
            command = [sys.executable, str(worker), mode, str(checkout), url, str(ids), str(loop)]
            done = subprocess.run([*command, *extra], capture_output=True, text=True, check=True)
            return done.stdout

        started = time.perf_counter()
        side("build", recorder, str(per_item))
        print(f"recorded by {recorder} in {time.perf_counter() - started:.0f} s")
        sides = [("before", reference)] if reference is not None else []
        found = {
            name: json.loads(side("measure", path)) for name, path in [*sides, ("after", ROOT)]
        }
    with open("/proc/loadavg") as load:
        print(f"load average: {load.read().split()[:3]}")
    for name, result in found.items():
        loop_short, loop_long = result["loop"]
        rate = result["cases"] / result["verify_cpu_s"]
        print(
            f"\n== {name}: {result['cases']} item cases, {result['events']} events, "
            f"{result['failed']} failed\n"
            f"verify  {rate:7.1f} cases/s per core (CPU; wall {result['cases'] / result['verify_wall_s']:.1f}/s), "
            f"{1e3 * result['verify_cpu_s'] / result['events']:.2f} ms/event; "
            f"1,000,000 cases on 2 cores ~ {1e6 / rate / 2 / 60:.0f} min\n"
            f"loop    verify {loop_short['verify_ms_per_event']:.2f} ms/event at {loop_short['events']} events, "
            f"{loop_long['verify_ms_per_event']:.2f} at {loop_long['events']} "
            f"({loop_long['verify_ms_per_event'] / loop_short['verify_ms_per_event']:.2f}x); "
            f"replay {loop_short['replay_ms_per_event']:.2f} / {loop_long['replay_ms_per_event']:.2f} ms/event\n"
            f"forward loop case {result['forward_ms_per_event']['first_10_rounds']:.1f} ms CPU/event "
            f"in the first 10 rounds, {result['forward_ms_per_event']['last_10_rounds']:.1f} "
            f"in the last 10 of 250"
        )
    if "before" in found:
        before, after = found["before"], found["after"]
        print(
            f"\nafter / before: verify cases/s per core "
            f"{before['verify_cpu_s'] / after['verify_cpu_s']:.2f}x, loop verify at 501 events "
            f"{before['loop'][1]['verify_ms_per_event'] / after['loop'][1]['verify_ms_per_event']:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel --all")
    parser.add_argument(
        "--all", type=int, default=0, metavar="N", help="time verify_all over N cases"
    )
    parser.add_argument(
        "--verification", action="store_true", help="verification cost, before and after"
    )
    parser.add_argument("--reference", type=Path, help="checkout of the code before")
    parser.add_argument("--per-item", type=int, default=2, help="cases per item (--verification)")
    args = parser.parse_args()
    if args.verification:
        verification(args.reference, args.per_item)
        return
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        try:
            measure(kind, args.rounds, args.cases, args.all, args.workers)
        except OperationalError as error:
            print(f"{kind}: database not reachable ({error.orig}); skipped")


if __name__ == "__main__":
    main()
