"""Separation of duties (不相容岗位分离): one person may not do both steps of a pair of
``engine.elements.SEPARATED_STEPS`` in one case.

Who did a step is whoever completed it and the people its form names as having taken
part (``engine.elements.DOER_FIELDS``: the two investigating officers, the legal reviewer),
read from the case's history (its ``task_completed`` events and their form data). The
engine applies the rule inside the transaction of a claim, an assignment or a completion
(``check``; a completion also checks the people it names), so no path around the API can
break it; the task candidates leave out who is barred (``barred``), so nobody is offered a
step they may not take. The work queue leaves out the steps barred to its reader by a
completion (``engine.store.tasks``); one barred only by being named finds the step there
and is refused when taking it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.elements import DOER_FIELDS, SEPARATED_STEPS, TaskRef
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


def named(step: TaskRef, data: Mapping[str, Any]) -> set[str]:
    """The people a completion of ``step`` names as having taken part (``DOER_FIELDS``)."""
    return {
        value
        for name in DOER_FIELDS.get(step, ())
        if isinstance(value := data.get(name), str) and value
    }


def done_by(rows: Iterable[tuple[str, str, str, Mapping[str, Any]]]) -> Done:
    """Who did each step — completed it or is named by its form — from
    ``TaskRepository.completed_by`` rows."""
    found: dict[TaskRef, set[str]] = {}
    for process_id, spec_id, user, data in rows:
        step = TaskRef(process_id, spec_id)
        found.setdefault(step, set()).update({user, *named(step, data)})
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
    person a step of the case barred to them — for a completion, also anyone its form
    names as having taken part. A task that is not ready is left to the workflow to
    refuse.

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
    step = TaskRef(task.process_id, task.spec_id)
    people = [user]
    if event_type == "task_completed":
        people += sorted(named(step, payload.get("data") or {}) - {user})
    bars = barred(done_by(uow.tasks.completed_by(case_id)), task.process_id, task.spec_id)
    for person in people:
        reason = bars.get(person)
        if reason is not None:
            raise SeparationOfDuties(
                f"{person} 已办理本办件的相关环节，不能再办理“{task.name}”：{reason}",
                task_id=task.id,
                user=person,
            )
