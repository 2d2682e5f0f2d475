"""What a hard bound costs per evaluation, in one run.

    python bench/sandbox_bench.py [--runs 2000] [--repeat 5]

Three ways to evaluate the same library expressions and scripts (a gateway condition, a
timer, a two-line script), rounds interleaved:

- **in-process**: the plain ``Sandbox`` (what the engine used before the hard bounds);
- **isolated**: ``IsolatedSandbox`` as the engine uses it: these runs lie in the
  in-process subset, so the cost is the subset check;
- **worker**: the same runs forced through an evaluator process (what a run outside the
  subset — a loop, a builtin — pays: a round trip over a pipe, two process wake-ups).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.clock import SHANGHAI, ManualClock, using_clock
from engine.scripting.helpers import HELPERS
from engine.scripting.isolation import EvaluatorPool, IsolatedSandbox
from engine.scripting.sandbox import Sandbox

DATA: dict[str, Any] = {
    "intake_result": "accepted",
    "review_decision": "approve",
    "notice_done": False,
    "item": {"licence": True, "public_notice_days": 7, "step_limits": {"investigation": 30}},
    "county_result": {"approved": True},
    "submitted_on": "2026-11-27",
}
RUNS: list[tuple[str, str]] = [
    ("eval", 'intake_result in ["refused", "supplement_expired"]'),
    ("eval", 'review_decision == "approve" and item["public_notice_days"] > 0 and not notice_done'),
    ("eval", 'deadline_working_days(item["step_limits"].get("investigation", 30))'),
    (
        "exec",
        'result = "approved" if county_result.get("approved") else "county_refused"\n'
        "due_was = working_days_after(submitted_on, 20)",
    ),
]


def timed(box: Any, runs: int) -> float:
    """Microseconds per evaluation over ``runs`` passes of every expression."""
    started = time.perf_counter()
    for _ in range(runs):
        for mode, source in RUNS:
            if mode == "eval":
                box.evaluate(source, DATA)
            else:
                box.execute(source, dict(DATA))
    return (time.perf_counter() - started) / (runs * len(RUNS)) * 1e6


class Forced:
    """Every run through the worker pool, as a run outside the in-process subset."""

    def __init__(self, pool: EvaluatorPool) -> None:
        self.pool = pool

    def evaluate(self, source: str, names: dict[str, Any]) -> Any:
        return self.pool.run("eval", source, names, HELPERS, Sandbox().limits)

    def execute(self, source: str, variables: dict[str, Any]) -> None:
        changed, _ = self.pool.run("exec", source, variables, HELPERS, Sandbox().limits)
        variables.update(changed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pool = EvaluatorPool()
    boxes = {
        "in-process": Sandbox(HELPERS),
        "isolated": IsolatedSandbox(HELPERS, pool=pool),
        "worker": Forced(pool),
    }
    rounds: dict[str, list[float]] = {name: [] for name in boxes}
    with using_clock(ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI))):
        for box in boxes.values():
            timed(box, 50)  # warm up: parse caches, start the worker
        for _ in range(args.repeat):
            for name, box in boxes.items():
                rounds[name].append(timed(box, args.runs))
    pool.close()
    base = rounds["in-process"]
    print(f"{args.repeat} interleaved rounds of {args.runs} × {len(RUNS)} evaluations")
    for name, values in rounds.items():
        ratios = sorted(v / b for v, b in zip(values, base, strict=True))
        print(
            f"{name:10} {statistics.median(values):7.1f} µs per evaluation; "
            f"× in-process: median {statistics.median(ratios):.2f} "
            f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f})"
        )


if __name__ == "__main__":
    main()
