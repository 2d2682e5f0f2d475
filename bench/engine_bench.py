"""Engine throughput vs. raw SpiffWorkflow, and storage per open case, in one run.

    python bench/engine_bench.py [--cases 60] [--repeat 5] [--against PATH]

Raw baseline: SpiffWorkflow's own parser and serializer, the process parsed once, each
case run step by step with a JSON serialize + deserialize after every step (what a
persistent engine must at least do). Engine: daiban with persistence on SQLite in WAL
mode with ``synchronous=FULL`` (every commit survives a power cut). Both walk the same
path; a "step" is a completed user task or a delivered message. Two processes
(``--process sample|approval|both``): the proxy item of ``processes/bpmn/sample`` (two
lanes, a call activity, timers, a message) and ``bench/data/approval`` (one lane, three
user tasks with a form each: the small approval process of side-by-side comparisons,
where the engine's fixed cost per step weighs most).
Machines here are shared and noisy: compare the ratio, not the absolute numbers.

``--against PATH`` measures two checkouts in one run: this one and PATH (e.g. the
previous commit, ``git worktree add /tmp/before HEAD~1``), each in a process of its
own that imports its own ``engine``; the rounds take turns between them, each round
measuring raw SpiffWorkflow and the engine in the same process, so the two ratios
compare like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The checkout whose engine is measured (``--against`` starts a process per checkout).
ROOT = Path(os.environ.get("DAIBAN_BENCH_TREE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine import Actor, Engine, read_sources  # noqa: E402
from engine.scripting.helpers import HELPERS  # noqa: E402
from engine.store.testing import run_sql  # noqa: E402

SAMPLE = next(  # bpmn/ was at the top of a checkout before it became package data
    p for p in (ROOT / "processes" / "bpmn" / "sample", ROOT / "bpmn" / "sample") if p.is_dir()
)
APPROVAL = Path(__file__).resolve().parent / "data" / "approval"


@dataclass(frozen=True)
class Walk:
    """A process and the path the benchmark walks through it: user tasks completed with
    their form data, then (optionally) a message delivered; each is a step."""

    folder: Path
    process_id: str
    steps: list[tuple[str, dict[str, Any]]]
    message: tuple[str, dict[str, Any]] | None = None

    @property
    def steps_per_case(self) -> int:
        return len(self.steps) + (self.message is not None)


WALKS = {
    # the proxy item of bpmn/sample: two lanes, a call activity, timers, a message
    "sample": Walk(
        SAMPLE,
        "sample_proxy_item",
        [
            (
                "Task_intake",
                {
                    "applicant_name": "李秀英",
                    "applicant_id": "11010519491231002X",
                    "materials": "complete",
                },
            ),
            ("Task_handover", {"handover_count": 3}),
            ("Task_township_review", {"decision": "approve", "opinion": "符合条件"}),
            ("Task_handover_to_county", {"county_department": "县民政局", "handover_items": 3}),
        ],
        ("county_decision", {"approved": True}),
    ),
    # the small approval process of the side-by-side comparison: one lane, a form per task
    "approval": Walk(
        APPROVAL,
        "bench_approval",
        [
            ("Task_apply", {"applicant_name": "李秀英", "amount": 1200}),
            ("Task_review", {"review_opinion": "符合条件"}),
            ("Task_approve", {"approved": True}),
        ],
    ),
}
START_DATA = {"submitted_on": "2026-11-27"}


def spiff_of(walk: Walk) -> tuple[Any, dict[str, Any], Any]:
    """The walk's process parsed by SpiffWorkflow's own parser: its spec, its call
    activities' specs and a script engine with daiban's helpers."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_files(sorted(str(p) for p in walk.folder.glob("*.bpmn")))
    spec = parser.get_spec(walk.process_id)
    subprocesses = parser.get_subprocess_specs(walk.process_id)
    script_engine = PythonScriptEngine(environment=TaskDataEnvironment(dict(HELPERS)))
    return spec, subprocesses, script_engine


def walk_spiff(
    walk: Walk, spiff: tuple[Any, dict[str, Any], Any], after: Callable[[Any, int, Any], Any]
) -> None:
    """One case of the walk on SpiffWorkflow alone. After the start and after every step
    ``after(workflow, seq, data)`` gives the workflow to go on with (seq 0: the start)."""
    spec, subprocesses, script_engine = spiff
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=script_engine)
    workflow.task_tree.data.update(START_DATA)
    workflow.do_engine_steps()
    workflow = after(workflow, 0, START_DATA)
    for seq, (spec_id, data) in enumerate(walk.steps, start=1):
        task = next(
            t
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.bpmn_id == spec_id
        )
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
        workflow = after(workflow, seq, data)
    if walk.message is not None:
        name, payload = walk.message
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
        workflow.do_engine_steps()
        workflow = after(workflow, len(walk.steps) + 1, payload)
    assert workflow.is_completed()


def raw_spiff(walk: Walk, cases: int) -> float:
    """Steps per second for SpiffWorkflow with a serialize/deserialize round trip per step."""
    spiff = spiff_of(walk)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def round_trip(workflow: Any, _seq: int, _data: Any) -> Any:
        restored = serializer.deserialize_json(serializer.serialize_json(workflow))
        restored.script_engine = spiff[2]
        return restored

    started = time.perf_counter()
    for _ in range(cases):
        walk_spiff(walk, spiff, round_trip)
    return cases * walk.steps_per_case / (time.perf_counter() - started)


def engine_run(engine: Engine, walk: Walk, cases: int) -> float:
    started = time.perf_counter()
    for _ in range(cases):
        view = engine.cases.start(walk.process_id, dict(START_DATA), Actor("bench"))
        for spec_id, data in walk.steps:
            task = next(t for t in view.tasks if t.spec_id == spec_id)
            view = engine.cases.complete_task(view.id, task.id, data, Actor("bench"))
        if walk.message is not None:
            name, payload = walk.message
            view = engine.cases.deliver_message(view.id, name, payload, Actor("bench"))
        assert view.status == "completed"
    return cases * walk.steps_per_case / (time.perf_counter() - started)


def storage(engine: Engine, walk: Walk, cases: int) -> dict[str, float]:
    """Bytes stored per open case (after the first step, waiting for the second)."""
    ids = []
    first, data = walk.steps[0]
    for _ in range(cases):
        view = engine.cases.start(walk.process_id, dict(START_DATA), Actor("bench"))
        task = next(t for t in view.tasks if t.spec_id == first)
        ids.append(engine.cases.complete_task(view.id, task.id, data, Actor("bench")).id)
    low, high = min(ids), max(ids)
    snapshot = run_sql(
        engine.store,
        "SELECT avg(length(snapshot)) FROM cases WHERE id BETWEEN :a AND :b",
        a=low,
        b=high,
    )
    events = run_sql(
        engine.store,
        "SELECT sum(length(payload) + 64 * 3 + length(type) + length(actor)) FROM events WHERE case_id BETWEEN :a AND :b",
        a=low,
        b=high,
    )
    return {"snapshot": float(snapshot[0][0]), "events": float(events[0][0]) / cases}


def _prepared(folder: str, walk: Walk) -> tuple[Engine, Engine]:
    """An engine with the walk's process deployed and warmed up, and one without the
    live cache."""
    engine = Engine(f"sqlite:///{folder}/bench.sqlite3")
    engine.definitions.deploy(read_sources([walk.folder]))
    engine_run(engine, walk, 5)  # warm up: parse and cache the definition
    raw_spiff(walk, 5)
    cold = Engine(engine.store.url, migrate=False, cache_size=0)
    return engine, cold


def child(walk: Walk, cases: int) -> None:
    """``--child``: one round per line read, its rates printed as one JSON line."""
    with tempfile.TemporaryDirectory() as folder:
        engine, cold = _prepared(folder, walk)
        package = sys.modules["engine"].__file__
        assert package is not None
        print(json.dumps({"ready": str(Path(package).parent)}), flush=True)
        for _ in sys.stdin:
            rates = {
                "raw": raw_spiff(walk, cases),
                "engine": engine_run(engine, walk, cases),
                "cold": engine_run(cold, walk, cases),
            }
            print(json.dumps(rates), flush=True)


def against(other: Path, name: str, cases: int, repeat: int) -> None:
    """Rounds taking turns between this checkout and ``other``, each in its own process."""
    trees = {"this": Path(__file__).resolve().parents[1], "other": other.resolve()}
    children = {}
    for side, tree in trees.items():
        environment = {**os.environ, "DAIBAN_BENCH_TREE": str(tree)}
        children[side] = subprocess.Popen(
            [sys.executable, __file__, "--child", "--process", name, "--cases", str(cases)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
    for side, process in children.items():
        assert process.stdout is not None
        print(f"{side}: engine from {json.loads(process.stdout.readline())['ready']}")
    rounds: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for index in range(repeat):
        order = ["this", "other"] if index % 2 == 0 else ["other", "this"]
        for side in order:
            process = children[side]
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write("round\n")
            process.stdin.flush()
            rounds[side].append(json.loads(process.stdout.readline()))
    for process in children.values():
        assert process.stdin is not None
        process.stdin.close()
        process.wait()
    steps = WALKS[name].steps_per_case
    print(f"{name}: {repeat} rounds of {cases} cases ({steps} steps each), taking turns:")
    ratios = {}
    for side in ("other", "this"):
        for kind in ("engine", "cold"):
            values = sorted(r[kind] / r["raw"] for r in rounds[side])
            ratios[side, kind] = [r[kind] / r["raw"] for r in rounds[side]]
            print(
                f"{side:5} {kind:6} / raw: median {statistics.median(values):.2f} "
                f"(rounds {values[0]:.2f}-{values[-1]:.2f}); raw median "
                f"{statistics.median(r['raw'] for r in rounds[side]):.1f} steps/s"
            )
    # Two views of the same rounds: the ratios to raw compared (each process's own raw
    # baseline), and the engines' steps/s compared directly (adjacent in time).
    for kind in ("engine", "cold"):
        relative = sorted(
            a / b for a, b in zip(ratios["this", kind], ratios["other", kind], strict=True)
        )
        direct = sorted(
            a[kind] / b[kind] for a, b in zip(rounds["this"], rounds["other"], strict=True)
        )
        print(
            f"this/other ({kind}): ratio to raw {statistics.median(relative):.2f} "
            f"(rounds {relative[0]:.2f}-{relative[-1]:.2f}); steps/s "
            f"{statistics.median(direct):.2f} (rounds {direct[0]:.2f}-{direct[-1]:.2f})"
        )


def measure(name: str, cases: int, repeat: int) -> None:
    walk = WALKS[name]
    with tempfile.TemporaryDirectory() as folder:
        engine, cold = _prepared(folder, walk)
        # Interleaved rounds: a noisy neighbour slows all three alike within a round.
        rounds = []
        for _ in range(repeat):
            rounds.append(
                (
                    raw_spiff(walk, cases),
                    engine_run(engine, walk, cases),
                    engine_run(cold, walk, cases),
                )
            )
        raw = statistics.median(r[0] for r in rounds)
        ours = statistics.median(r[1] for r in rounds)
        uncached = statistics.median(r[2] for r in rounds)
        cached_ratios = sorted(r[1] / r[0] for r in rounds)
        cold_ratios = sorted(r[2] / r[0] for r in rounds)
        sizes = storage(engine, walk, 50)
        journal = run_sql(engine.store, "PRAGMA journal_mode")[0][0]
        sync = run_sql(engine.store, "PRAGMA synchronous")[0][0]
        engine.close()
        cold.close()
    print(
        f"\n== {name} ({walk.process_id}), SQLite journal_mode={journal} synchronous={sync} (2 = FULL)"
    )
    print(
        f"{repeat} interleaved rounds of {cases} cases ({walk.steps_per_case} steps each); medians:"
    )
    print(f"raw SpiffWorkflow + JSON round trip per step: {raw:8.1f} steps/s")
    print(
        f"daiban engine, persisted, live cache:        {ours:8.1f} steps/s   "
        f"ratio {statistics.median(cached_ratios):.2f} (rounds {cached_ratios[0]:.2f}-{cached_ratios[-1]:.2f})"
    )
    print(
        f"daiban engine, persisted, no cache:          {uncached:8.1f} steps/s   "
        f"ratio {statistics.median(cold_ratios):.2f} (rounds {cold_ratios[0]:.2f}-{cold_ratios[-1]:.2f})"
    )
    print(
        f"stored per open case: snapshot {sizes['snapshot']:.0f} B (zlib JSON, no spec); "
        f"events so far {sizes['events']:.0f} B"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--process", choices=[*WALKS, "both"], default="both", help="which walk (default both)"
    )
    parser.add_argument("--against", type=Path, help="another checkout to measure alongside")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = list(WALKS) if args.process == "both" else [args.process]
    if args.child:
        child(WALKS[names[0]], args.cases)
        return
    for name in names:
        if args.against:
            against(args.against, name, args.cases, args.repeat)
        else:
            measure(name, args.cases, args.repeat)


if __name__ == "__main__":
    main()
