"""Who may enter, appeal and rule on a resident's rating (好差评, ``engine.ratings``).

The resident alone rates, through the case's one-time link (no account): no member of
staff may deliver the ``rating`` message as if it came from the resident
(``Reason.RESIDENT_ONLY``, ``case_refusal``). What staff may do instead:

* ENTER_RATING: enter a rating the resident gave on paper or on the counter's rating pad
  (录入), recorded with who entered it and flagged in the figures: who may change the
  case, in its front-desk role (``case_actor``);
* APPEAL_RATING: appeal a rating (申诉) for the township: the township staff (window,
  back office, leader) of the case's own township;
* DECIDE_APPEAL: rule on the appeal (裁定): the supervisor (效能监督), who sees the whole
  county and otherwise changes nothing.
"""

from __future__ import annotations

from engine.identity import Principal
from engine.policy.acting import case_actor
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import COUNTY_READERS
from engine.policy.scopes import changing_roles, sees_case
from engine.records import Actor, CaseRecord

APPEALING_ROLES = frozenset({"township_window", "township_backoffice", "township_leader"})
RESIDENT_ONLY = (
    "评价只能由群众本人通过评价链接提交，工作人员不能代为评价；"
    "群众在纸质评价表或窗口评价器上的评价，请通过「录入评价」登记"
)
_TEXTS = {
    Action.ENTER_RATING: "您对该办件只有查看权限，不能录入评价",
    Action.APPEAL_RATING: "只有办件所在乡镇便民服务中心的工作人员可以对评价提出申诉",
    Action.DECIDE_APPEAL: "只有效能监督人员可以裁定评价申诉",
}


def rating_refusal(principal: Principal, case: CaseRecord, action: Action) -> Refusal | None:
    """Why the caller may not enter (``ENTER_RATING``), appeal (``APPEAL_RATING``) or rule
    on an appeal of (``DECIDE_APPEAL``) the rating of ``case``; None: it may."""
    if not sees_case(principal, case):
        return refuse(action, principal, Reason.OUT_OF_SCOPE, case=case.id)
    roles = changing_roles(principal, case)
    if action is Action.ENTER_RATING:
        allowed = bool(roles)
    elif action is Action.APPEAL_RATING:
        allowed = bool(APPEALING_ROLES & roles)
    elif action is Action.DECIDE_APPEAL:
        allowed = principal.has_role(*COUNTY_READERS)
    else:
        raise ValueError(f"{action} is not a rating action")
    if allowed:
        return None
    reason = Reason.READ_ONLY if action is Action.ENTER_RATING else Reason.WRONG_ROLE
    return refuse(action, principal, reason, _TEXTS[action], case=case.id)


def rating_actor(principal: Principal, case: CaseRecord, action: Action) -> Actor:
    """The caller acting on a case's rating: entering it at the front desk; appealing in
    its township role (the leader first); ruling as the supervisor."""
    if action is Action.ENTER_RATING:
        return case_actor(principal, case)
    if action is Action.APPEAL_RATING:
        roles = changing_roles(principal, case)
        order = ("township_leader", "township_window", "township_backoffice")
        role = next((r for r in order if r in roles), None)
        return Actor(principal.user_id, role, unit=principal.unit)
    role = next((r for r in sorted(COUNTY_READERS) if principal.has_role(r)), None)
    return Actor(principal.user_id, role, unit=principal.unit)
