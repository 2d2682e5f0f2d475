"""When a resident hears of the case: the moments of the shared activities that cause a
notice (``engine.elements``), found from the change being written.

- accepted (受理): the materials check or the recheck completed with an accepting decision;
- supplement (需补正): the materials check decided on a one-time supplement notice
  (一次性告知), with the materials it found missing (from the completion itself: the
  resident hears at once, while the paper notice is being made);
- refused (不予受理): the refusal notice issued;
- result ready (办结/可领取): a delivery task of the result delivery reached (the result
  is made and its delivery chosen), once per case;
- rating invitation (评价邀请): the evaluation's invitation sent after 3 days without a
  rating (the case waits at ``Receive_rating_invited``), once per case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import elements
from engine.records import TaskKey
from engine.records.notices import (
    ACCEPTED,
    RATING_INVITATION,
    REFUSED,
    RESULT_READY,
    SUPPLEMENT,
)
from engine.runtime.case import EventInput, LiveCase

# Kinds that belong to reaching a step rather than to one event: given once per case.
ONCE_PER_CASE = frozenset({RESULT_READY, RATING_INVITATION})
_DELIVERY_SPECS = {ref.task for ref in elements.DELIVERY_TASKS}


@dataclass(frozen=True)
class Moment:
    kind: str
    params: dict[str, str] = field(default_factory=dict)


def completed_moment(key: TaskKey, data: Mapping[str, Any]) -> Moment | None:
    """The moment a completed task is, if any (``key``: its process id and spec id;
    ``data``: the form data it was completed with)."""
    ref = elements.TaskRef(*key)
    if ref in (elements.CHECK_MATERIALS, elements.RECHECK):
        decision = data.get(elements.INTAKE_DECISION)
        if decision in elements.ACCEPTING_DECISIONS:
            return Moment(ACCEPTED)
        if decision == "supplement":
            missing = data.get("missing_materials")
            return Moment(
                SUPPLEMENT, {"missing": missing.strip() if isinstance(missing, str) else ""}
            )
        return None
    if ref == elements.REFUSAL_NOTICE:
        return Moment(REFUSED)
    return None


def reached_moments(live: LiveCase, event: EventInput) -> list[Moment]:
    """The once-per-case moments the case is at after ``event`` (the caller drops those
    the case was already given)."""
    found = []
    for task in live.ready_tasks():
        if task.process_id == elements.RESULT_DELIVERY and task.spec_id in _DELIVERY_SPECS:
            found.append(Moment(RESULT_READY, {"delivery": task.name}))
            break
    # The invitation follows a timer: only a timer can have brought the case there.
    if event.type == "timers_fired":
        invited = elements.RATING_INVITED
        if live.element_states().get(invited.process, {}).get(invited.task) == "active":
            found.append(Moment(RATING_INVITATION))
    return found
