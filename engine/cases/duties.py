"""Separation of duties (不相容岗位分离): one person may not complete both steps of a pair
of ``engine.elements.SEPARATED_STEPS`` in one case.

The engine applies the rule inside the transaction of a claim, an assignment or a
completion (``check``), so no path around the API can break it; the task candidates
leave out who is barred (``barred``), so nobody is offered a step they may not take.
Who completed a step is read from the case's history (its ``task_completed`` events).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.elements import SEPARATED_STEPS, TaskRef
from engine.errors import SeparationOfDuties
from engine.records import Actor
from engine.runtime.case import LiveCase
from engine.store import UnitOfWork

# The events that give a task to a person, and who that person is in each.
_TAKING = {"task_claimed", "task_assigned", "task_completed"}

Done = Mapping[TaskRef, frozenset[str]]


def partners(step: TaskRef) -> list[tuple[TaskRef, str]]:
    """The steps a person who completed ``step`` may not complete in the same case, each
    with the rule's reason."""
    found = []
    for rule in SEPARATED_STEPS:
        if step == rule.first:
            found.append((rule.second, rule.reason))
        elif step == rule.second:
            found.append((rule.first, rule.reason))
    return found


def done_by(rows: Iterable[tuple[str, str, str]]) -> Done:
    """Who completed each step, from ``TaskRepository.completed_by`` rows."""
    found: dict[TaskRef, set[str]] = {}
    for process_id, spec_id, user in rows:
        found.setdefault(TaskRef(process_id, spec_id), set()).add(user)
    return {step: frozenset(users) for step, users in found.items()}


def barred(done: Done, process_id: str, spec_id: str) -> dict[str, str]:
    """The people barred from the step (process ``process_id``, element ``spec_id``), each
    with the reason in Chinese."""
    found: dict[str, str] = {}
    for other, reason in partners(TaskRef(process_id, spec_id)):
        for user in done.get(other, ()):
            found.setdefault(user, reason)
    return found


def check(
    uow: UnitOfWork,
    case_id: int,
    live: LiveCase,
    event_type: str,
    payload: Mapping[str, Any],
    actor: Actor,
) -> None:
    """Refuse (``SeparationOfDuties``) a claim, assignment or completion that gives a
    person a step of the case barred to them. A task that is not ready is left to the
    workflow to refuse.

    The rule binds acts done in a post: an actor with a role, as every act through the
    API is (``engine.policy.task_actor``). The engine's own runs act in no post — a dry
    run (``daiban simulate``), the command line's ``complete --user``, scenario tests — and
    are not bound by it."""
    if event_type not in _TAKING or actor.role is None:
        return
    task = next((t for t in live.ready_tasks() if t.id == payload.get("task_id")), None)
    if task is None or not partners(TaskRef(task.process_id, task.spec_id)):
        return
    user = payload["user"] if event_type == "task_assigned" else actor.user
    done = done_by(uow.tasks.completed_by(case_id))
    reason = barred(done, task.process_id, task.spec_id).get(user)
    if reason is not None:
        raise SeparationOfDuties(
            f"{user} 已办理本办件的相关环节，不能再办理“{task.name}”：{reason}",
            task_id=task.id,
            user=user,
        )
