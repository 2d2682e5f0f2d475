"""Who may record, see and handle the issues of the ledger (问题台账)."""

from __future__ import annotations

from engine.identity import Principal
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import RECORDING_ROLE, reads_county, roles_acting_in
from engine.policy.scopes import sees_issue
from engine.records import IssueRecord


def holds_issue(principal: Principal, issue: IssueRecord) -> bool:
    """Whether the caller acts at the issue's current level, in the unit holding it: the
    village's agents, the township's staff and mobile agents, the department's officers."""
    unit: str | None
    if issue.level == "village":
        kind, unit = "village", issue.village
    elif issue.level == "township":
        kind, unit = "township", issue.township
    else:
        kind, unit = "department", issue.department
    return principal.has_role(*roles_acting_in(kind)) and principal.unit == unit


def masks_resident_phone(principal: Principal, issue: IssueRecord) -> bool:
    """Whether the resident's phone is shown masked: to all but who holds the issue."""
    return not holds_issue(principal, issue)


def issue_refusal(principal: Principal, issue: IssueRecord, action: Action) -> Refusal | None:
    """Why the caller may not see (``SEE_ISSUE``) or handle (``HANDLE_ISSUE``: answer,
    transfer, resolve, reopen) the issue; None: it may."""
    if not sees_issue(principal, issue):
        return refuse(action, principal, Reason.OUT_OF_SCOPE, issue=issue.id)
    if action is Action.SEE_ISSUE or holds_issue(principal, issue):
        return None
    if reads_county(principal):
        text = "您对问题台账只有查看权限，不能办理"
        return refuse(action, principal, Reason.READ_ONLY, text, issue=issue.id)
    return refuse(action, principal, Reason.NOT_HELD_HERE, issue=issue.id, level=issue.level)


def recording_refusal(principal: Principal, village: str) -> Refusal | None:
    """Why the caller may not record an issue for ``village`` (a village of the county);
    None: it may. Only a village agent records, for its own village."""
    if not principal.has_role(RECORDING_ROLE):
        text = "问题台账由村（社区）代办员登记"
        return refuse(Action.RECORD_ISSUE, principal, Reason.WRONG_ROLE, text)
    if principal.unit != village:
        text = "村（社区）代办员只能登记本村（社区）群众反映的问题"
        return refuse(Action.RECORD_ISSUE, principal, Reason.WRONG_UNIT, text)
    return None
