"""Whether the engine finished a state change properly: a case is completed only by
reaching an end event.

SpiffWorkflow's task iterator stops ``SPIFF_MAX_DEPTH`` (1,000) levels down the task
tree, and every question it answers — which tasks are ready, is the workflow completed —
is blind below that depth. A loop without a wait state grows the tree one level per step,
so ``do_engine_steps`` stopped finding the next task and ``is_completed()`` answered true:
such a case was recorded ``completed`` with no end event reached. These checks look at
the full task tables instead and turn both situations into ``EngineStalled`` (an
incident; nothing of the change is kept).
"""

from __future__ import annotations

import inspect
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineStalled

SPIFF_MAX_DEPTH: int = inspect.signature(BpmnTaskIterator).parameters["max_depth"].default


def check_within_reach(workflow: Any) -> None:
    """Raise if a task is ready where SpiffWorkflow's iterator cannot see it.

    Below ``SPIFF_MAX_DEPTH`` levels ``do_engine_steps`` stops finding ready tasks and
    returns as if it were done (a loop without a wait state runs into it): that must be
    an incident, not a quiet stop."""
    workflows = [workflow, *workflow.get_active_subprocesses()]
    if sum(len(w.tasks) for w in workflows) < SPIFF_MAX_DEPTH:
        return  # a tree with fewer tasks than the depth limit cannot reach it
    ready = {t.id for w in workflows for t in w.tasks.values() if t.state == TaskState.READY}
    if ready - {t.id for t in workflow.get_tasks(state=TaskState.READY)}:
        raise EngineStalled(
            f"流程任务树超过 {SPIFF_MAX_DEPTH} 层，引擎无法继续（流程中可能有不经等待的循环）；"
            "办件保持不变"
        )


def check_ended(workflow: Any) -> None:
    """A workflow SpiffWorkflow calls completed must have reached an end event of the
    top-level process with nothing left unfinished; its depth-limited check alone would
    call a workflow lost below the limit completed."""
    tasks = workflow.tasks.values()
    ended = any(isinstance(t.task_spec, EndEvent) and t.state == TaskState.COMPLETED for t in tasks)
    if not ended or any(not t.has_state(TaskState.FINISHED_MASK) for t in tasks):
        raise EngineStalled("流程未到达结束事件就停止了，不能视为办结；办件保持不变")
