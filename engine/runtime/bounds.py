"""How much engine work one state change may do, and how loops are bounded at deploy.

A script's own budget (:mod:`engine.scripting.limits`) bounds one evaluation; these
bounds are about the flow around the scripts: a loop without a wait state, a standard
loop whose condition stays true or a multi-instance over a huge collection would
otherwise keep a worker busy for ever, one cheap step at a time.

The unit is the *engine step*: a task SpiffWorkflow runs by itself (script, gateway,
event, call activity ...) or a loop or multi-instance instance it creates. Steps, not
wall time, because replay must reach the same outcome on any machine: a change that
stays within the limit live stays within it at replay, as long as the limit is not
lowered (the values come from the composition root, which passes the same ones to the
live path and to replay).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from engine.errors import EngineStepLimitExceeded

# The catalogue items need at most 15 steps in any one change (measured over every
# item's simulated path and the shared-activity scenarios; docs/security.md). 500 leaves
# room for a full standard loop at the cap (two steps a turn) and more, while a runaway
# loop stops after about a second: SpiffWorkflow walks the whole task tree for every
# step, so the cost of a change grows with the square of its steps.
DEFAULT_MAX_STEPS = 500
# Largest ``loopMaximum`` of a standard loop and largest literal multi-instance
# cardinality lint accepts.
DEFAULT_LOOP_MAXIMUM = 100


@dataclass(frozen=True)
class EngineBounds:
    """Bounds on the engine work of one state change (see the module docstring)."""

    max_steps: int = DEFAULT_MAX_STEPS  # engine steps per state change
    loop_maximum: int = DEFAULT_LOOP_MAXIMUM  # largest loopMaximum / static cardinality

    def __post_init__(self) -> None:
        for name in ("max_steps", "loop_maximum"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")


class StepBudget:
    """The steps one state change has used; raises once it goes past the limit."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, task: Any) -> None:
        """Count one step for ``task`` (a SpiffWorkflow task about to run or created)."""
        self.used += 1
        if self.used > self.limit:
            spec = task.task_spec
            element = getattr(spec, "bpmn_id", None) or spec.name
            raise EngineStepLimitExceeded(
                f"单次办理超过引擎步数上限（{self.limit} 步），停在 {element}："
                "流程中可能有不经等待的循环或过大的多实例；办件保持不变",
                element_id=element,
                limit=self.limit,
            )


_active: ContextVar[StepBudget | None] = ContextVar("daiban_step_budget", default=None)


@contextmanager
def step_budget(limit: int) -> Iterator[StepBudget]:
    """The budget of one state change; loop and multi-instance specs charge it too."""
    budget = StepBudget(limit)
    token = _active.set(budget)
    try:
        yield budget
    finally:
        _active.reset(token)


def charge_step(task: Any) -> None:
    """Charge one step for ``task``: a task the engine is about to run, or a loop or
    multi-instance instance about to be created.

    Outside a state change (no budget active) nothing runs a workflow, so nothing is
    charged."""
    budget = _active.get()
    if budget is not None:
        budget.charge(task)
