"""Who may open a yearly payout list (年度发放清册, ``engine.batch``) and change its lines.

- open one: a village agent for its own village; the township's window (A post) or back
  office (B post) for a village of its township;
- add, strike and correct lines while the village compiles the list: the village's agent
  and the township's window and back office; while the township reviews it: the back
  office only (the reviewer corrects, the village no longer writes);
- record the 一卡通 payment results: the township's back office (its 财政所 staff) while
  the payment step is open.

Which step is open is the list's (``engine.batch``); here only who acts in it. The acting
role recorded is the caller's first role, in ``DESK_ORDER``, that the step admits.
"""

from __future__ import annotations

from engine.identity import Principal
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import DESK_ORDER
from engine.policy.scopes import changing_roles, sees_case
from engine.records import Actor, CaseRecord
from processes.org import Organization

AGENT, WINDOW, BACKOFFICE = "village_agent", "township_window", "township_backoffice"
# The roles that may change the lines in each step of a list (engine.batch.STEPS).
STEP_ROLES: dict[str, frozenset[str]] = {
    "compile": frozenset({AGENT, WINDOW, BACKOFFICE}),
    "review": frozenset({BACKOFFICE}),
    "payment": frozenset({BACKOFFICE}),
}
_OPENING_ROLES = frozenset({AGENT, WINDOW, BACKOFFICE})


def batch_open_refusal(org: Organization, principal: Principal, village: str) -> Refusal | None:
    """Why the caller may not open a list for ``village`` (None: it may)."""
    township = org.township_of(village)
    if principal.has_role(AGENT) and principal.unit == village:
        return None
    if principal.has_role(WINDOW, BACKOFFICE) and township and principal.unit == township.code:
        return None
    text = "只有本村代办员或所属乡镇的窗口、后台人员可以编制本村的发放清册"
    return refuse(Action.OPEN_BATCH, principal, Reason.WRONG_UNIT, text, village=village)


def batch_line_refusal(principal: Principal, case: CaseRecord, step: str) -> Refusal | None:
    """Why the caller may not change the lines of ``case`` in ``step`` (None: it may)."""
    if not sees_case(principal, case):
        return refuse(Action.CHANGE_BATCH, principal, Reason.OUT_OF_SCOPE, case=case.id)
    if may_change_lines(principal, case, step):
        return None
    text = (
        "清册审核、发放登记阶段只有乡镇后台（B岗）可以修改清册"
        if step != "compile"
        else "只有本村代办员或所属乡镇的窗口、后台人员可以编制清册"
    )
    return refuse(Action.CHANGE_BATCH, principal, Reason.WRONG_ROLE, text, case=case.id)


def may_change_lines(principal: Principal, case: CaseRecord, step: str) -> bool:
    """Whether the caller may change the lines of ``case`` in ``step`` (nothing logged)."""
    return bool(changing_roles(principal, case) & STEP_ROLES.get(step, frozenset()))


def batch_actor(principal: Principal, roles: frozenset[str]) -> Actor:
    """The caller acting on a list in the first of ``roles`` it holds (desk order)."""
    role = next((r for r in DESK_ORDER if r in roles and r in principal.roles), None)
    return Actor(principal.user_id, role, unit=principal.unit)


def opening_actor(principal: Principal) -> Actor:
    return batch_actor(principal, _OPENING_ROLES)


def line_actor(principal: Principal, case: CaseRecord, step: str) -> Actor:
    return batch_actor(principal, changing_roles(principal, case) & STEP_ROLES[step])
