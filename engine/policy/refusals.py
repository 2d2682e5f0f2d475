"""The actions the policy rules on, and what it says when it refuses one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.identity import Principal
from engine.logs import get_logger

log = get_logger(__name__)


class Action(StrEnum):
    """Everything the policy rules on; ``engine.policy`` gives the rule of each."""

    SEE_CASE = "see_case"
    CHANGE_CASE = "change_case"
    DELIVER_MESSAGE = "deliver_message"
    ENTER_RATING = "enter_rating"
    APPEAL_RATING = "appeal_rating"
    DECIDE_APPEAL = "decide_appeal"
    SEE_TASK = "see_task"
    WORK_TASK = "work_task"
    ASSIGN_TASK = "assign_task"
    REGISTER_CASE = "register_case"
    SEE_ISSUE = "see_issue"
    RECORD_ISSUE = "record_issue"
    HANDLE_ISSUE = "handle_issue"
    READ_FIGURES = "read_figures"
    EXPORT_CASES = "export_cases"
    DEPLOY_DEFINITIONS = "deploy_definitions"
    MANAGE_CLOCK = "manage_clock"
    SEE_PEOPLE = "see_people"
    MANAGE_ABSENCES = "manage_absences"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_NOTICES = "manage_notices"
    ATTACH_SCAN = "attach_scan"
    SEE_SCAN = "see_scan"
    OPEN_BATCH = "open_batch"
    CHANGE_BATCH = "change_batch"
    SEE_RUNS = "see_runs"
    COMPLETE_RUN = "complete_run"


class Reason(StrEnum):
    """Why an action is refused; stable, for programs and logs."""

    OUT_OF_SCOPE = "out_of_scope"  # answered like a missing object, so it cannot be probed
    READ_ONLY = "read_only"  # sees it, may change nothing
    WRONG_ROLE = "wrong_role"  # no role the action needs
    WRONG_UNIT = "wrong_unit"  # the role, but for another village or township
    NOT_YOUR_TASK = "not_your_task"  # holds no post of the task's lane and unit
    CLAIMED = "claimed"  # another user holds the task
    NOT_HELD_HERE = "not_held_here"  # the issue is held at another level or unit
    RESIDENT_ONLY = "resident_only"  # the resident's own act (the rating), never staff's


@dataclass(frozen=True)
class Refusal:
    """The policy's no. ``message`` (Chinese, for people) is empty where the caller words
    it: out of scope (the caller's own "not found") and an issue held elsewhere (the
    ledger names the level)."""

    action: Action
    reason: Reason
    message: str = ""


def refuse(
    action: Action, principal: Principal, reason: Reason, text: str = "", **ids: Any
) -> Refusal:
    """A refusal with message ``text``, logged with identifiers only (case, task, issue
    ids; never personal data)."""
    log.info("policy_refused", action=action, user=principal.user_id, reason=reason, **ids)
    return Refusal(action, reason, text)
