"""Who may attach scanned materials (材料附件) to a case, and who may open them.

A scan holds what the ID numbers and phones of a case hold, and more (the photo on an
ID card, a household register's pages): it is opened only by who may act on the case,
the rule of ``masks_personal_data``. Others who see the case (the county's supervisor,
a window that registered it for another township) see the list of attachments and
cannot download them.

Attaching is for who may act on the case, and for the unit that registered it (a window
or the county centre registering for another township under 全县域通办 holds the paper
and scans it there), in the role the desk order gives (``DESK_ORDER``).
"""

from __future__ import annotations

from engine.identity import Principal
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import CASE_BLIND, DESK_ORDER, unit_kinds
from engine.policy.scopes import case_scope, changing_roles, may_change_case, sees_case
from engine.records import Actor, CaseRecord


def registered_here(principal: Principal, case: CaseRecord) -> bool:
    """Whether the caller works at the window (or centre) that registered the case."""
    return case.registered_unit is not None and case.registered_unit in (
        case_scope(principal).registered_by
    )


def attach_refusal(principal: Principal, case: CaseRecord) -> Refusal | None:
    """Why the caller may not attach a scan to ``case`` (None: it may)."""
    if not sees_case(principal, case):
        return refuse(Action.ATTACH_SCAN, principal, Reason.OUT_OF_SCOPE, case=case.id)
    if may_change_case(principal, case) or registered_here(principal, case):
        return None
    text = "您对该办件只有查看权限，不能上传材料附件"
    return refuse(Action.ATTACH_SCAN, principal, Reason.READ_ONLY, text, case=case.id)


def scan_refusal(principal: Principal, case: CaseRecord) -> Refusal | None:
    """Why the caller may not open the scans of ``case`` (None: it may)."""
    if not sees_case(principal, case):
        return refuse(Action.SEE_SCAN, principal, Reason.OUT_OF_SCOPE, case=case.id)
    if may_change_case(principal, case):
        return None
    text = "材料附件含申请人的证件等个人材料，只有办理该办件的人员可以查看；您只能看到附件清单"
    return refuse(Action.SEE_SCAN, principal, Reason.WRONG_ROLE, text, case=case.id)


def withholds_scans(principal: Principal, case: CaseRecord) -> bool:
    """Whether the caller sees the attachments of ``case`` only as a list, without file
    names, notes or downloads."""
    return not may_change_case(principal, case)


def attaching_actor(principal: Principal, case: CaseRecord) -> Actor:
    """The caller attaching a scan: in its role that lets it change the case, else (the
    registering unit) in its desk role, the front desk first."""
    roles = changing_roles(principal, case) or frozenset(
        role for role in principal.roles - CASE_BLIND if unit_kinds(role)
    )
    role = next((role for role in DESK_ORDER if role in roles), None)
    return Actor(principal.user_id, role, unit=principal.unit)
