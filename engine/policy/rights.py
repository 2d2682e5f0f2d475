"""Who may do what to a case, a task, or the county's processes and figures."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.elements import COUNTY_DECISION, RATING
from engine.identity import Principal
from engine.policy.people import people_scope
from engine.policy.ratings import RESIDENT_ONLY
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import ADMIN_ROLE, ASSIGNING_ROLE, DECIDING_ROLE, DEPLOYING_ROLE
from engine.policy.runs import SEE_RUNS_REFUSED, run_scope
from engine.policy.scopes import case_scope, figures_scope, may_change_case, sees_case
from engine.records import CaseRecord, TaskRecord
from processes.channels import CHANNEL_ROLES, CHANNELS
from processes.org import ROLES, Organization, OrgUnit

_GLOBAL_REFUSALS = {  # actions without an object: the message when the caller may not
    Action.READ_FIGURES: "您的角色不能查看效能监督统计",
    Action.EXPORT_CASES: "您的角色不能查看办件，不能导出办件日志",
    Action.DEPLOY_DEFINITIONS: "只有流程设计员可以部署流程定义",
    Action.MANAGE_CLOCK: "只有系统管理员可以查看或调整培训时钟",
    Action.SEE_PEOPLE: "只有系统管理员和乡镇分管领导可以查看人员及其离岗登记",
    Action.MANAGE_ABSENCES: "只有系统管理员和乡镇分管领导可以登记离岗、返岗",
    Action.MANAGE_ACCOUNTS: "只有系统管理员可以查看账号状态、重置密码或注销他人的令牌",
    Action.MANAGE_NOTICES: "只有系统管理员可以查看短信通知的发送情况或重发通知",
    Action.SEE_RUNS: SEE_RUNS_REFUSED,
}


def may(principal: Principal, action: Action) -> bool:
    """Whether the caller may do an action that has no object (figures, exports, deploy,
    the training clock, accounts) or has one for somebody (people, absences)."""
    if action is Action.READ_FIGURES:
        return not figures_scope(principal).empty
    if action is Action.EXPORT_CASES:
        return not case_scope(principal).empty
    if action is Action.DEPLOY_DEFINITIONS:
        return principal.has_role(DEPLOYING_ROLE)
    if action in (Action.MANAGE_CLOCK, Action.MANAGE_ACCOUNTS, Action.MANAGE_NOTICES):
        return principal.has_role(ADMIN_ROLE)
    if action in (Action.SEE_PEOPLE, Action.MANAGE_ABSENCES):
        return not people_scope(principal).empty
    if action is Action.SEE_RUNS:
        return not run_scope(principal).empty
    raise ValueError(f"{action} needs an object")


def refusal(principal: Principal, action: Action) -> Refusal | None:
    """Why the caller may not read the figures, export cases, deploy, see and move the
    training clock, see people, keep absences or manage accounts at all (None: it may)."""
    if may(principal, action):
        return None
    return refuse(action, principal, Reason.WRONG_ROLE, _GLOBAL_REFUSALS[action])


def may_deliver(principal: Principal, case: CaseRecord, name: str) -> bool:
    """Whether the caller may deliver message ``name`` to a case it may change: the county's
    decision (``county_decision``) only an officer of the department it was handed to; the
    rating (``rating``) nobody: the resident rates through the link (``engine.ratings``)."""
    if name == RATING:
        return False
    if name == COUNTY_DECISION:
        return principal.has_role(DECIDING_ROLE) and principal.unit == case.department
    return True


def case_refusal(
    principal: Principal, case: CaseRecord, action: Action, name: str | None = None
) -> Refusal | None:
    """Why the caller may not see (``SEE_CASE``), change (``CHANGE_CASE``) or deliver
    message ``name`` to (``DELIVER_MESSAGE``) ``case``; None: it may."""
    if not sees_case(principal, case):
        return refuse(action, principal, Reason.OUT_OF_SCOPE, case=case.id)
    if action is Action.SEE_CASE:
        return None
    if action is Action.DELIVER_MESSAGE and name == RATING:
        return refuse(
            action, principal, Reason.RESIDENT_ONLY, RESIDENT_ONLY, case=case.id, message=name
        )
    if not may_change_case(principal, case):
        text = "您对该办件只有查看权限，不能办理"
        return refuse(action, principal, Reason.READ_ONLY, text, case=case.id)
    if action is Action.DELIVER_MESSAGE and not may_deliver(principal, case, name or ""):
        text = "只有承办该办件的县级部门可以回传审批决定"
        return refuse(action, principal, Reason.WRONG_ROLE, text, case=case.id, message=name)
    return None


def masks_personal_data(principal: Principal, case: CaseRecord) -> bool:
    """Whether ID numbers and phones in the case are shown masked: to all but those who
    may act on it."""
    return not may_change_case(principal, case)


def acts_on_task(
    org: Organization, principal: Principal, task: TaskRecord, day: date
) -> str | None:
    """On whose behalf the caller may work the task (itself, or an absent A post it covers).

    The task's role and org unit decide; a claimed task only for its holder or the holder's
    stand-in on a day the holder is absent."""
    return _acting_for(org, principal.user_id, task, day)


def _acting_for(org: Organization, user_id: str, task: TaskRecord, day: date) -> str | None:
    """The rule of ``acts_on_task`` for any user (the caller or a candidate)."""
    if task.lane is None or task.org_unit is None:
        return None
    if task.claimed_by is not None:
        return task.claimed_by if org.may_act_for(user_id, task.claimed_by, day) else None
    holder = org.acts_for(user_id, task.lane, task.org_unit, day)
    return holder.id if holder is not None else None


@dataclass(frozen=True)
class Candidate:
    """Someone who may take a task on a day: in their own right, or standing in for an
    absent colleague (``stand_in_for``) whose post the task is."""

    user: str
    name: str
    stand_in_for: str | None = None
    stand_in_for_name: str | None = None


def candidates(
    org: Organization, task: TaskRecord, day: date, barred: Collection[str] = ()
) -> list[Candidate]:
    """The people who may take the task on ``day`` and are not registered absent then,
    nor ``barred`` from it (separation of duties: ``engine.cases.duties``).

    An unclaimed task: the holders of its lane's role in a unit containing the task's,
    and for a holder who is absent, the stand-in (the A post's B post) who acts for it;
    a claimed task: its holder, or on a day of absence the holder's stand-in. Who may act
    is decided by the same rule as ``acts_on_task``; absent people are left out, since
    they cannot take it now (empty: nobody present may; the leader can assign it)."""
    if task.lane is None or task.org_unit is None:
        return []
    if task.claimed_by is not None:
        pool = [task.claimed_by]
    else:
        pool = [user.id for user in org.holders(task.lane, task.org_unit)]
    pool += [deputy.id for user_id in pool if (deputy := org.stand_in(user_id, day))]
    found: dict[str, Candidate] = {}
    for user_id in pool:
        if user_id in found or user_id in barred or org.is_absent(user_id, day):
            continue
        acting = _acting_for(org, user_id, task, day)
        if acting is None:
            continue
        found[user_id] = Candidate(
            user_id,
            _name(org, user_id),
            None if acting == user_id else acting,
            None if acting == user_id else _name(org, acting),
        )
    return list(found.values())


def _kind(org: Organization, code: str) -> str | None:
    unit = org.units.get(code)
    return unit.kind if unit is not None else None


def _name(org: Organization, user_id: str) -> str:
    user = org.users.get(user_id)
    return user.name if user is not None else user_id


def may_assign(org: Organization, principal: Principal, task: TaskRecord, case: CaseRecord) -> bool:
    """The township leader assigns the tasks of its own township's cases."""
    return (
        principal.has_role(ASSIGNING_ROLE)
        and case.org_unit == principal.unit
        and org.contains(principal.unit, task.org_unit or "")
    )


def may_take(org: Organization, user_id: str, task: TaskRecord, day: date) -> bool:
    """Whether ``user_id`` may be assigned the task: it could work the task's lane there."""
    return (
        task.lane is not None
        and task.org_unit is not None
        and org.may_act(user_id, task.lane, task.org_unit, day)
    )


def task_refusal(
    org: Organization,
    principal: Principal,
    task: TaskRecord,
    case: CaseRecord,
    day: date,
    action: Action,
) -> Refusal | None:
    """Why the caller may not see (``SEE_TASK``), work (``WORK_TASK``: claim, release,
    complete) or assign (``ASSIGN_TASK``) an open task; None: it may."""
    acts = acts_on_task(org, principal, task, day) is not None
    ids: dict[str, Any] = {"case": case.id, "task": task.id}
    if not acts and not sees_case(principal, case):
        return refuse(action, principal, Reason.OUT_OF_SCOPE, **ids)
    if action is Action.WORK_TASK and not acts:
        if task.claimed_by is not None:
            text = f"任务已由 {task.claimed_by} 认领"
            return refuse(action, principal, Reason.CLAIMED, text, **ids)
        text = "您不担任此任务的岗位，不能办理"
        return refuse(action, principal, Reason.NOT_YOUR_TASK, text, **ids)
    if action is Action.ASSIGN_TASK and not may_assign(org, principal, task, case):
        text = "只有本乡镇分管领导可以指派本乡镇的任务"
        return refuse(action, principal, Reason.WRONG_ROLE, text, **ids)
    return None


def registration_refusal(
    org: Organization,
    principal: Principal,
    channel: str,
    village: str,
    township: OrgUnit | None,
) -> Refusal | None:
    """Why the caller may not register through ``channel`` for a resident of ``village``
    (``township``: the village's, None when the village is not the county's — reported
    on its own); None: it may."""
    role = CHANNEL_ROLES[channel]
    if role not in principal.roles:
        text = f"{CHANNELS[channel]}只能由{ROLES.get(role, role)}登记"
        return refuse(Action.REGISTER_CASE, principal, Reason.WRONG_ROLE, text, channel=channel)
    if township is None:
        return None
    if channel == "village_point" and principal.unit != village:
        text = "村代办员只能为本村（社区）居民登记"
    elif channel == "mobile_post" and not org.contains(principal.unit, village):
        text = "流动代办员只能为本乡镇各村（社区）居民登记"
    elif channel == "township_window" and org.township_of(principal.unit) is None:
        text = "窗口人员不属于任何乡镇"
    elif channel == "industrial_park_window" and _kind(org, principal.unit) != "park_window":
        text = "工业园小窗口人员不属于任何工业园小窗口"
    else:
        return None
    return refuse(Action.REGISTER_CASE, principal, Reason.WRONG_UNIT, text, channel=channel)


@dataclass(frozen=True)
class QueueReach:
    """Where the caller's work queue looks: the posts (role, unit) whose unclaimed tasks
    it may take, and the users whose claimed tasks it may work (itself, and absent
    colleagues it stands in for)."""

    posts: list[tuple[str, str]]
    people: list[str]


def queue_reach(org: Organization, principal: Principal, day: date) -> QueueReach:
    """The posts and people whose tasks the caller's work queue lists on ``day``."""
    absent = org.standing_in_for(principal.user_id, day)
    posts = {(role, principal.unit) for role in principal.roles}
    for colleague in absent:
        posts |= {(role, colleague.unit) for role in colleague.roles}
    return QueueReach(sorted(posts), [principal.user_id, *(u.id for u in absent)])
