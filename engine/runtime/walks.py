"""What SpiffWorkflow looks up per state change, without walking the whole task tree.

``do_engine_steps`` asks every workflow for its ready tasks (``get_tasks(state=READY)``)
again and again per state change, every completed task makes the workflow update its
waiting tasks (``update_waiting_tasks``), and ``is_completed`` looks for an unfinished
task; SpiffWorkflow answers each by iterating the task tree from the root, over every
task the case ever had, so a case that loops paid more for each event than for the one
before. ``fast_ready_tasks`` installs, on one workflow instance (never on SpiffWorkflow's
classes), answers read from the workflow's task tables instead, in the iterator's order
where order matters: depth first, children in order, a called subprocess's tasks before
the children of the task that called it. Every other query goes to SpiffWorkflow.

Where the iterator cannot see a task (``SPIFF_MAX_DEPTH`` levels down; see
``engine.runtime.completion``) the answer is the iterator's own, so that a case stalls
exactly where it stalled before.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.runtime.completion import SPIFF_MAX_DEPTH

_READY, _WAITING = TaskState.READY, TaskState.WAITING
_NOT_FINISHED = TaskState.NOT_FINISHED_MASK
_REACH = SPIFF_MAX_DEPTH - 10  # below this many levels the iterator itself answers


def fast_ready_tasks(workflow: Any) -> None:
    """Install the fast ``get_tasks`` on ``workflow`` (a top-level ``BpmnWorkflow``) and
    on each subprocess it has or creates."""
    _install(workflow, workflow)
    for sub in workflow.subprocesses.values():
        _install(sub, workflow)
    create = workflow.create_subprocess

    def create_subprocess(my_task: Any, spec_name: str) -> Any:
        sub = create(my_task, spec_name)
        _install(sub, workflow)
        return sub

    workflow.create_subprocess = create_subprocess


def _install(workflow: Any, top: Any) -> None:
    if "get_tasks" not in vars(workflow):
        workflow.get_tasks = partial(_get_tasks, workflow, top, workflow.get_tasks)
        workflow.update_waiting_tasks = partial(
            _update_waiting_tasks, workflow, workflow.update_waiting_tasks
        )
        workflow.is_completed = partial(_is_completed, workflow, workflow.is_completed)


def _update_waiting_tasks(workflow: Any, original: Any) -> None:
    """SpiffWorkflow's ``update_waiting_tasks`` (run after every completed task): update
    each waiting task of the workflow's own tree. With none there is nothing to do; one
    within reach is updated directly; several go to the iterator, which updates them in
    its order as the tree changes."""
    waiting = [t for t in workflow.tasks.values() if t._state == _WAITING]
    if not waiting:
        return
    if len(waiting) == 1 and _within_reach(waiting[0], workflow):
        task = waiting[0]
        task.task_spec._update(task)
        return
    original()


def _is_completed(workflow: Any, original: Any) -> bool:
    """SpiffWorkflow's ``is_completed``: false while an unfinished task is within the
    iterator's reach (the iterator stops at the first one it meets)."""
    if workflow.completed:
        return True
    for task in workflow.tasks.values():
        if task._state & _NOT_FINISHED and _within_reach(task, workflow):
            return False
    return bool(original())


def _within_reach(task: Any, workflow: Any) -> bool:
    """Whether the iterator from ``workflow``'s root (not into subprocesses) meets ``task``."""
    if len(workflow.tasks) < _REACH:
        return True
    depth, tasks = 0, workflow.tasks
    while task._parent is not None and depth < _REACH:
        task, depth = tasks[task._parent], depth + 1
    return depth < _REACH


_ASKED = frozenset({"state", "manual"})


def _get_tasks(
    workflow: Any, top: Any, original: Any, first_task: Any = None, **kwargs: Any
) -> Any:
    if first_task is not None or kwargs.get("state") != _READY or not kwargs.keys() <= _ASKED:
        return original(first_task, **kwargs)
    ready = _ready(workflow, top)
    if ready is None:
        return original(first_task, **kwargs)
    manual = kwargs.get("manual")
    if manual is None:
        return ready
    return [task for task in ready if task.task_spec.manual == manual]


def _ready(workflow: Any, top: Any) -> list[Any] | None:
    """The ready tasks the iterator would list from ``workflow``'s root, in its order;
    None where the iterator's depth limit may matter."""
    workflows = [workflow, *_nested(workflow, top)]
    found = [t for w in workflows for t in w.tasks.values() if t._state == _READY]
    if len(found) <= 1 and sum(len(w.tasks) for w in workflows) < _REACH:
        return found  # fewer tasks than the depth limit: the iterator sees them all
    keyed = [(_path(task, workflow, top), task) for task in found]
    if any(len(path) >= _REACH for path, _ in keyed):
        return None
    keyed.sort(key=lambda pair: pair[0])
    return [task for _, task in keyed]


def _nested(workflow: Any, top: Any) -> list[Any]:
    """The subprocesses called from ``workflow``, at any depth."""
    if not top.subprocesses:
        return []
    if workflow is top:
        return list(top.subprocesses.values())
    found, frontier = [], [workflow]
    while frontier:
        current = frontier.pop()
        for task_id, sub in top.subprocesses.items():
            if task_id in current.tasks:
                found.append(sub)
                frontier.append(sub)
    return found


def _path(task: Any, workflow: Any, top: Any) -> list[int]:
    """The position of ``task`` in a depth-first walk from ``workflow``'s root: the child
    index at each level, -1 where the walk enters a called subprocess (before the
    calling task's children)."""
    path = []
    while True:
        owner = task.workflow
        if task._parent is None:
            if owner is workflow:
                break
            path.append(-1)
            task = top.get_task_from_id(owner.parent_task_id)
            continue
        parent = owner.tasks[task._parent]
        path.append(parent._children.index(task.id))
        task = parent
    path.reverse()
    return path
