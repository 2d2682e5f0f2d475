"""One side of ``bench/audit_bench.py --verification``: runs with the ``engine`` of the
checkout named on the command line, so that the code before and after a change can be
measured on the same database in one run.

    python bench/verification_cost.py build   CHECKOUT DATABASE_URL IDS_JSON LOOP_BPMN PER_ITEM
    python bench/verification_cost.py measure CHECKOUT DATABASE_URL IDS_JSON LOOP_BPMN

``build`` walks every catalogue item (but the yearly payout lists, which need a batch)
``PER_ITEM`` times to completion with the simulator's sample answers, and two cases of
the loop process (``LOOP_BPMN``: 25 and 250 rounds of claim + complete, 51 and 501
events); it writes their ids to ``IDS_JSON``. ``measure`` verifies them and prints one
JSON object: CPU and wall time of verifying the item cases (a second time: the first
pass parses each item's definition, which verify --all does once per process), CPU time per event of
verifying and replaying each loop case (least of three), and the forward CPU time per
event of a fresh loop case, early and late (a database of its own).
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHECKOUT = Path(sys.argv[2]).resolve()
sys.path.insert(0, str(CHECKOUT))

from engine import Actor, Engine, ManualClock, read_sources  # noqa: E402
from engine.simulate import Scenario, run  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402
from processes.resources import BPMN_DIR  # noqa: E402

START = (2026, 9, 24, 9, 0)
ROUNDS = (25, 250)


def _clock() -> ManualClock:
    from datetime import datetime

    from engine.clock import SHANGHAI

    return ManualClock(datetime(*START, tzinfo=SHANGHAI))


def _loop_case(engine: Engine, rounds: int) -> tuple[int, list[float]]:
    """A loop case of ``rounds`` claim + complete rounds; the CPU time of each round (the
    commits' waits for the disk vary more than the work measured)."""
    view = engine.cases.start("loop", {}, Actor("bench"))
    took = []
    for n in range(rounds):
        started = time.process_time()
        view = engine.cases.claim(view.id, view.tasks[0].id, Actor("bench"))
        data = {"again": n < rounds - 1, "note": f"第{n}次修改"}
        view = engine.cases.complete_task(view.id, view.tasks[0].id, data, Actor("bench"))
        took.append(time.process_time() - started)
    assert view.status == "completed"
    return view.id, took


def build(url: str, ids_file: Path, loop: Path, per_item: int) -> None:
    clock = _clock()
    engine = Engine(url, clock)
    engine.definitions.deploy(read_sources([BPMN_DIR / "common", BPMN_DIR / "items", loop]))
    items = []
    for item in sorted(load_catalogue(), key=lambda item: item.code):
        if item.batch is not None:
            continue
        for _ in range(per_item):
            clock.set(_clock().now())
            start = {"item": item.process_data(), "via_proxy": item.proxy_allowed}
            start["emergency"] = False
            trace = run(engine.cases, clock, item.process_id, Scenario(start=start))
            assert trace.case.status == "completed", item.code
            items.append(trace.case.id)
    loops = [_loop_case(engine, rounds)[0] for rounds in ROUNDS]
    ids_file.write_text(json.dumps({"items": items, "loops": loops}))
    engine.close()


def _cpu_per_event(engine: Engine, case_id: int, replay: bool = False) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        if replay:
            replayed = engine.audit.replay(case_id)
            events = replayed.seq
        else:
            report = engine.audit.verify(case_id)
            assert report.ok, str(report)
            events = report.events
        best = min(best, (time.process_time() - started) / events)
    return best


def measure(url: str, ids_file: Path, loop: Path) -> dict[str, Any]:
    ids = json.loads(ids_file.read_text())
    engine = Engine(url, _clock(), migrate=False)
    for case_id in ids["items"]:  # parse each definition once (cached, as in verify --all)
        engine.audit.verify(case_id)
    events = failed = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for case_id in ids["items"]:
        report = engine.audit.verify(case_id)
        events += report.events
        failed += not report.ok
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    result: dict[str, Any] = {
        "cases": len(ids["items"]),
        "events": events,
        "failed": failed,
        "verify_cpu_s": cpu,
        "verify_wall_s": wall,
        "loop": [
            {
                "events": engine.audit.verify(case_id).events,
                "verify_ms_per_event": 1e3 * _cpu_per_event(engine, case_id),
                "replay_ms_per_event": 1e3 * _cpu_per_event(engine, case_id, replay=True),
            }
            for case_id in ids["loops"]
        ],
    }
    engine.close()
    # The verification above leaves a heap of some 450,000 objects. A full collection of
    # it costs tens of milliseconds, and whether one falls within the last ten rounds
    # below depended on how many objects each side happened to allocate: one side read
    # 20 ms per event there, 11 with the heap frozen. Frozen, as a server freezes its
    # start-up heap (webapi/heap.py), the rounds time the forward path alone.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory() as folder:
        forward = Engine(f"sqlite:///{folder}/forward.sqlite3", _clock())
        forward.definitions.deploy(read_sources([loop]))
        _loop_case(forward, 10)  # warm up: the definition, the first commits
        _, took = _loop_case(forward, ROUNDS[-1])
        forward.close()
    # two events per round (claim, complete)
    result["forward_ms_per_event"] = {
        "first_10_rounds": 1e3 * sum(took[:10]) / 20,
        "last_10_rounds": 1e3 * sum(took[-10:]) / 20,
    }
    return result


def main() -> None:
    mode, url, ids_file, loop = sys.argv[1], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5])
    if mode == "build":
        build(url, ids_file, loop, int(sys.argv[6]))
    else:
        print(json.dumps(measure(url, ids_file, loop)))


if __name__ == "__main__":
    main()
