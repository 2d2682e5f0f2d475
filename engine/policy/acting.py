"""In which role and unit an act is recorded: the actor of every event in the hash-chained
history (``actor_role``, ``actor_unit``), so it is chosen by rule, never picked from a set."""

from __future__ import annotations

from engine.elements import COUNTY_DECISION
from engine.identity import Principal
from engine.policy.roles import ASSIGNING_ROLE, DECIDING_ROLE, DESK_ORDER
from engine.policy.scopes import changing_roles
from engine.records import Actor, CaseRecord, TaskRecord
from processes.channels import CHANNEL_ROLES


def case_role(principal: Principal, case: CaseRecord, message: str | None = None) -> str | None:
    """The role of an act on the case as a whole (cancel; deliver ``message``): the county
    officer's for the county's decision; otherwise the caller's role that lets it change
    this case, the front desk first (``DESK_ORDER``). None if no role lets it."""
    if message == COUNTY_DECISION and principal.has_role(DECIDING_ROLE):
        return DECIDING_ROLE
    roles = changing_roles(principal, case)
    return next((role for role in DESK_ORDER if role in roles), None)


def case_actor(principal: Principal, case: CaseRecord, message: str | None = None) -> Actor:
    """The caller acting on the case as a whole, in ``case_role`` and its own unit."""
    return Actor(principal.user_id, case_role(principal, case, message), unit=principal.unit)


def task_actor(principal: Principal, task: TaskRecord) -> Actor:
    """The caller claiming, releasing or completing a task: in the task's lane."""
    return Actor(principal.user_id, task.lane, unit=principal.unit)


def assigning_actor(principal: Principal) -> Actor:
    """The caller assigning a task: in the township leader's role."""
    return Actor(principal.user_id, ASSIGNING_ROLE, unit=principal.unit)


def registering_actor(principal: Principal, channel: str, on_behalf_of: str) -> Actor:
    """The caller registering a case for a resident: in the channel's role."""
    return Actor(
        principal.user_id, CHANNEL_ROLES[channel], on_behalf_of=on_behalf_of, unit=principal.unit
    )
