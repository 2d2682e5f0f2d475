"""The access policy (engine.policy) on records built in memory: scopes, rights per action
and role family, masking, the acting role, and what a refusal logs."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from engine import policy
from engine.identity import Principal
from engine.policy import Action, Reason
from engine.records import CaseRecord, IssueRecord, TaskRecord
from processes.org import Absence, Organization, load_org

COUNTY, QINGSI, FENGLE = "511725", "511725201", "511725202"
VILLAGE, OTHER_VILLAGE, FENGLE_VILLAGE = "511725201001", "511725201002", "511725202003"
NOW = datetime(2026, 9, 24, 2, 0, tzinfo=UTC)
DAY, ABSENT_DAY = date(2026, 9, 24), date(2026, 9, 29)  # wang.fang is away 28-30 Sep
PHONE = "13800001234"


def who(user: str, *roles: str, unit: str) -> Principal:
    return Principal(user, user, frozenset(roles), unit)


AGENT = who("tan.xiaoyan", "village_agent", unit=VILLAGE)
MOBILE = who("he.ping", "mobile_agent", unit=QINGSI)
WINDOW = who("wang.fang", "township_window", unit=QINGSI)
B_POST = who("liu.yang", "township_backoffice", "township_window", unit=QINGSI)
LEADER = who("chen.jing", "township_leader", unit=QINGSI)
FENGLE_WINDOW = who("pan.hong", "township_window", unit=FENGLE)
OFFICER = who("deng.hui", "county_officer", unit="MZ")
SUPERVISOR = who("sun.hong", "supervisor", unit=COUNTY)
DESIGNER = who("lin.tao", "designer", unit=COUNTY)
ADMIN = who("he.jun", "admin", unit=COUNTY)


@pytest.fixture(scope="module")
def org() -> Organization:
    return load_org()


def case(**fields: object) -> CaseRecord:
    """A 青丝乡 case of ``VILLAGE``, to be handed to 县民政局 (MZ), not yet there."""
    base = CaseRecord(
        id=7,
        uid="u-7",
        process_id="item_mz004",
        definition_hash="h",
        status="open",
        version=1,
        last_seq=1,
        last_hash="h",
        snapshot=b"",
        created_at=NOW,
        updated_at=NOW,
        org_unit=QINGSI,
        village=VILLAGE,
        department="MZ",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


HANDED = case(county_since=NOW)
ELSEWHERE = case(org_unit=FENGLE, village=FENGLE_VILLAGE, registered_unit=QINGSI)


def task(lane: str = "township_window", unit: str = QINGSI, **fields: object) -> TaskRecord:
    base = TaskRecord("t-1", 7, "Task_check_materials", "材料审查", "item_mz004", lane, unit, 1)
    return replace(base, **fields)  # type: ignore[arg-type]


def issue(level: str = "village", department: str | None = None) -> IssueRecord:
    return IssueRecord(
        id=3,
        number="TZ1",
        village=VILLAGE,
        township=QINGSI,
        department=department,
        level=level,
        status="open",
        resident_name="张三",
        resident_phone=PHONE,
        category="infrastructure",
        content="村道塌方",
        source="visit",
        recorded_by="tan.xiaoyan",
        recorded_at=NOW,
        updated_at=NOW,
        last_seq=1,
    )


# -- scopes ------------------------------------------------------------------------------


def test_one_scope_per_caller_for_cases_figures_and_issues() -> None:
    unit = frozenset({QINGSI})
    assert policy.case_scope(WINDOW).townships == unit
    assert policy.case_scope(WINDOW).registered_by == unit  # 全县域通办, read-only
    assert policy.figures_scope(WINDOW).registered_by == frozenset()
    assert policy.figures_scope(WINDOW).townships == unit
    assert policy.issue_scope(WINDOW).townships == unit
    assert policy.case_scope(AGENT).villages == frozenset({VILLAGE})
    assert policy.case_scope(OFFICER).departments == frozenset({"MZ"})
    for scope in (policy.case_scope, policy.figures_scope, policy.issue_scope):
        assert scope(SUPERVISOR).everything
        assert scope(DESIGNER).empty and scope(ADMIN).empty
        assert scope(who("both", "supervisor", "designer", unit=COUNTY)).everything


def test_who_sees_and_who_changes_a_case() -> None:
    assert policy.sees_case(AGENT, case()) and policy.may_change_case(AGENT, case())
    assert not policy.sees_case(who("deng.ming", "village_agent", unit=OTHER_VILLAGE), case())
    for staff in (MOBILE, WINDOW, B_POST, LEADER):
        assert policy.may_change_case(staff, case())
    # registered by 青丝乡's window for 丰乐乡: read-only for it, 丰乐乡 acts
    assert policy.sees_case(WINDOW, ELSEWHERE) and not policy.may_change_case(WINDOW, ELSEWHERE)
    assert policy.may_change_case(FENGLE_WINDOW, ELSEWHERE)
    # the department once the case is handed over, not before
    assert not policy.sees_case(OFFICER, case())
    assert policy.may_change_case(OFFICER, HANDED)
    assert policy.sees_case(SUPERVISOR, case()) and not policy.may_change_case(SUPERVISOR, case())
    assert not policy.sees_case(DESIGNER, case()) and not policy.sees_case(ADMIN, case())


def test_case_refusals_name_their_reason() -> None:
    assert policy.case_refusal(WINDOW, case(), Action.CHANGE_CASE) is None
    outside = policy.case_refusal(FENGLE_WINDOW, case(), Action.SEE_CASE)
    assert outside is not None and outside.reason is Reason.OUT_OF_SCOPE
    assert outside.message == ""  # the caller answers "not found" in its own words
    read_only = policy.case_refusal(SUPERVISOR, case(), Action.CHANGE_CASE)
    assert read_only is not None and read_only.reason is Reason.READ_ONLY
    assert read_only.message == "您对该办件只有查看权限，不能办理"
    decision = policy.case_refusal(WINDOW, HANDED, Action.DELIVER_MESSAGE, "county_decision")
    assert decision is not None and decision.reason is Reason.WRONG_ROLE
    assert policy.case_refusal(OFFICER, HANDED, Action.DELIVER_MESSAGE, "county_decision") is None
    assert policy.case_refusal(WINDOW, case(), Action.DELIVER_MESSAGE, "pledge_fulfilled") is None


# -- tasks -------------------------------------------------------------------------------


def test_who_works_a_task(org: Organization) -> None:
    assert policy.acts_on_task(org, WINDOW, task(), DAY) == "wang.fang"
    assert policy.acts_on_task(org, FENGLE_WINDOW, task(), DAY) is None
    claimed = task(claimed_by="wang.fang")
    assert policy.acts_on_task(org, B_POST, claimed, DAY) is None
    assert policy.acts_on_task(org, B_POST, claimed, ABSENT_DAY) == "wang.fang"  # stand-in
    refusal = policy.task_refusal(org, B_POST, claimed, case(), DAY, Action.WORK_TASK)
    assert refusal is not None and refusal.reason is Reason.CLAIMED
    assert refusal.message == "任务已由 wang.fang 认领"
    refusal = policy.task_refusal(org, LEADER, task(), case(), DAY, Action.WORK_TASK)
    assert refusal is not None and refusal.reason is Reason.NOT_YOUR_TASK
    assert policy.task_refusal(org, LEADER, task(), case(), DAY, Action.SEE_TASK) is None
    refusal = policy.task_refusal(org, FENGLE_WINDOW, task(), case(), DAY, Action.SEE_TASK)
    assert refusal is not None and refusal.reason is Reason.OUT_OF_SCOPE


def test_the_township_leader_assigns_to_who_can_work_the_lane(org: Organization) -> None:
    assert policy.task_refusal(org, LEADER, task(), case(), DAY, Action.ASSIGN_TASK) is None
    refusal = policy.task_refusal(org, WINDOW, task(), case(), DAY, Action.ASSIGN_TASK)
    assert refusal is not None and refusal.reason is Reason.WRONG_ROLE
    assert refusal.message == "只有本乡镇分管领导可以指派本乡镇的任务"
    # 丰乐乡's case that 青丝乡's window registered: its leader sees it, assigns nothing
    fengle_task = task(unit=FENGLE)
    refusal = policy.task_refusal(org, LEADER, fengle_task, ELSEWHERE, DAY, Action.ASSIGN_TASK)
    assert refusal is not None and refusal.reason is Reason.WRONG_ROLE
    fengle_leader = who("du.gang", "township_leader", unit=FENGLE)
    assert (
        policy.task_refusal(org, fengle_leader, fengle_task, ELSEWHERE, DAY, Action.ASSIGN_TASK)
        is None
    )
    refusal = policy.task_refusal(org, fengle_leader, task(), case(), DAY, Action.ASSIGN_TASK)
    assert refusal is not None and refusal.reason is Reason.OUT_OF_SCOPE
    assert policy.may_take(org, "liu.yang", task(), DAY)
    assert not policy.may_take(org, "yang.fan", task(), DAY)  # back office only
    assert not policy.may_take(org, "pan.hong", task(), DAY)  # another township


def test_the_work_queue_reaches_an_absent_colleagues_posts(org: Organization) -> None:
    usual = policy.queue_reach(org, B_POST, DAY)
    assert usual.people == ["liu.yang"]
    assert usual.posts == [("township_backoffice", QINGSI), ("township_window", QINGSI)]
    covering = policy.queue_reach(org, B_POST, ABSENT_DAY)
    assert covering.people == ["liu.yang", "wang.fang"]


# -- issues ------------------------------------------------------------------------------


def test_who_holds_an_issue_at_each_level() -> None:
    assert policy.holds_issue(AGENT, issue("village"))
    assert not policy.holds_issue(WINDOW, issue("village"))
    for staff in (MOBILE, WINDOW, B_POST, LEADER):
        assert policy.holds_issue(staff, issue("township"))
    assert policy.holds_issue(OFFICER, issue("county", "MZ"))
    assert not policy.holds_issue(
        who("tang.jian", "county_officer", unit="RS"), issue("county", "MZ")
    )


def test_issue_refusals() -> None:
    held_above = policy.issue_refusal(AGENT, issue("township"), Action.HANDLE_ISSUE)
    assert held_above is not None and held_above.reason is Reason.NOT_HELD_HERE
    read_only = policy.issue_refusal(SUPERVISOR, issue(), Action.HANDLE_ISSUE)
    assert read_only is not None and read_only.reason is Reason.READ_ONLY
    assert policy.issue_refusal(SUPERVISOR, issue(), Action.SEE_ISSUE) is None
    for blind in (DESIGNER, ADMIN, FENGLE_WINDOW):
        refusal = policy.issue_refusal(blind, issue(), Action.SEE_ISSUE)
        assert refusal is not None and refusal.reason is Reason.OUT_OF_SCOPE
    assert policy.recording_refusal(AGENT, VILLAGE) is None
    refusal = policy.recording_refusal(AGENT, OTHER_VILLAGE)
    assert refusal is not None and refusal.reason is Reason.WRONG_UNIT
    refusal = policy.recording_refusal(WINDOW, VILLAGE)
    assert refusal is not None and refusal.message == "问题台账由村（社区）代办员登记"


# -- registration, figures, exports, deploying -----------------------------------------


def test_who_registers_through_which_channel(org: Organization) -> None:
    qingsi, fengle = org.units[QINGSI], org.units[FENGLE]
    assert policy.registration_refusal(org, AGENT, "village_point", VILLAGE, qingsi) is None
    assert policy.registration_refusal(org, MOBILE, "mobile_post", OTHER_VILLAGE, qingsi) is None
    assert (
        policy.registration_refusal(org, WINDOW, "township_window", FENGLE_VILLAGE, fengle) is None
    )
    assert policy.registration_refusal(org, OFFICER, "county_centre", VILLAGE, qingsi) is None
    refusal = policy.registration_refusal(org, AGENT, "township_window", VILLAGE, qingsi)
    assert refusal is not None and refusal.reason is Reason.WRONG_ROLE
    assert refusal.message == "乡镇便民服务中心窗口只能由乡镇便民服务中心窗口（A岗）登记"
    refusal = policy.registration_refusal(org, MOBILE, "mobile_post", FENGLE_VILLAGE, fengle)
    assert refusal is not None and refusal.reason is Reason.WRONG_UNIT
    refusal = policy.registration_refusal(org, SUPERVISOR, "county_centre", VILLAGE, qingsi)
    assert refusal is not None and refusal.reason is Reason.WRONG_ROLE


@pytest.mark.parametrize(
    ("principal", "figures", "export", "deploy"),
    [
        (AGENT, True, True, False),
        (WINDOW, True, True, False),
        (OFFICER, True, True, False),
        (SUPERVISOR, True, True, False),
        (DESIGNER, False, False, True),
        (ADMIN, False, False, False),
    ],
    ids=lambda value: value.user_id if isinstance(value, Principal) else None,
)
def test_rights_without_an_object(
    principal: Principal, figures: bool, export: bool, deploy: bool
) -> None:
    assert policy.may(principal, Action.READ_FIGURES) is figures
    assert policy.may(principal, Action.EXPORT_CASES) is export
    assert policy.may(principal, Action.DEPLOY_DEFINITIONS) is deploy
    refusal = policy.refusal(principal, Action.DEPLOY_DEFINITIONS)
    assert (refusal is None) is deploy
    if refusal is not None:
        assert refusal.reason is Reason.WRONG_ROLE
        assert refusal.message == "只有流程设计员可以部署流程定义"


# -- people, absences, accounts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "people", "accounts"),
    [
        (ADMIN, True, True),
        (LEADER, True, False),
        (AGENT, False, False),
        (MOBILE, False, False),
        (WINDOW, False, False),
        (B_POST, False, False),
        (OFFICER, False, False),
        (SUPERVISOR, False, False),
        (DESIGNER, False, False),
    ],
    ids=lambda value: value.user_id if isinstance(value, Principal) else None,
)
def test_who_keeps_people_absences_and_accounts(
    principal: Principal, people: bool, accounts: bool
) -> None:
    for action in (Action.SEE_PEOPLE, Action.MANAGE_ABSENCES):
        assert policy.may(principal, action) is people
        refusal = policy.refusal(principal, action)
        assert (refusal is None) is people
        if refusal is not None:
            assert refusal.reason is Reason.WRONG_ROLE and "乡镇分管领导" in refusal.message
    assert policy.may(principal, Action.MANAGE_ACCOUNTS) is accounts
    refusal = policy.refusal(principal, Action.MANAGE_ACCOUNTS)
    assert (refusal is None) is accounts
    if refusal is not None:
        assert refusal.message == "只有系统管理员可以查看账号状态、重置密码或注销他人的令牌"


def test_whose_absences_a_caller_keeps(org: Organization) -> None:
    everyone = policy.people_scope(ADMIN)
    assert everyone.everything and not everyone.empty
    township = policy.people_scope(LEADER)
    assert township.units == {QINGSI}
    assert policy.people_scope(WINDOW).empty and policy.people_scope(SUPERVISOR).empty
    for person in ("wang.fang", "he.ping", "tan.xiaoyan", "zhao.gang"):  # staff, agents
        assert policy.sees_person(org, LEADER, person), person
        assert policy.absence_refusal(org, LEADER, person, Action.MANAGE_ABSENCES) is None
    for person in ("pan.hong", "cai.ping", "deng.hui", "he.jun", "nobody"):
        assert not policy.sees_person(org, LEADER, person), person
        refusal = policy.absence_refusal(org, LEADER, person, Action.MANAGE_ABSENCES)
        assert refusal is not None and refusal.reason is Reason.OUT_OF_SCOPE
    assert all(policy.sees_person(org, ADMIN, u) for u in org.users)
    assert not policy.sees_person(org, ADMIN, "nobody")
    assert not any(policy.sees_person(org, WINDOW, u) for u in org.users)


def test_registered_absences_join_the_organisation_files(org: Organization) -> None:
    """``with_absences`` gives a new organisation; the policy then sees both kinds."""
    registered = org.with_absences([Absence("zhang.min", DAY, DAY, "外出培训")])
    assert registered is not org and org.with_absences([]) is org
    assert registered.absences[:-1] == org.absences
    assert registered.is_absent("zhang.min", DAY) and not org.is_absent("zhang.min", DAY)
    assert registered.is_absent("wang.fang", ABSENT_DAY)  # the file's own still counts
    principal = who("huang.li", "township_backoffice", "township_window", unit=QINGSI)
    assert policy.queue_reach(registered, principal, DAY).people == ["huang.li", "zhang.min"]
    assert policy.queue_reach(org, principal, DAY).people == ["huang.li"]


# -- personal data -----------------------------------------------------------------------


def test_personal_data_in_clear_only_for_who_acts() -> None:
    assert not policy.masks_personal_data(AGENT, case())
    assert policy.masks_personal_data(SUPERVISOR, case())
    assert policy.masks_personal_data(WINDOW, ELSEWHERE)  # registered it, does not act
    assert not policy.masks_resident_phone(AGENT, issue())
    assert policy.masks_resident_phone(WINDOW, issue())  # sees it, held at the village


# -- the acting role ---------------------------------------------------------------------


def test_a_case_act_is_recorded_in_the_role_that_lets_the_caller_act() -> None:
    # 刘洋 holds the back office and the window: a cancellation is the window's (the front
    # desk), not whichever role sorts first.
    assert min(B_POST.roles) == "township_backoffice"
    assert policy.case_role(B_POST, case()) == "township_window"
    actor = policy.case_actor(B_POST, case())
    assert (actor.user, actor.role, actor.unit) == ("liu.yang", "township_window", QINGSI)
    assert policy.case_role(LEADER, case()) == "township_leader"
    assert policy.case_role(AGENT, case()) == "village_agent"
    assert policy.case_role(OFFICER, HANDED, "county_decision") == "county_officer"
    assert policy.case_role(SUPERVISOR, case()) is None  # acts on nothing


def test_a_mixed_principal_gets_the_role_of_the_place_it_acts_in() -> None:
    both = who("x", "township_window", "village_agent", unit=VILLAGE)
    # the unit is a village: only the village role reaches this case's place
    assert policy.case_role(both, case()) == "village_agent"


def test_task_assignment_and_registration_roles() -> None:
    assert policy.task_actor(B_POST, task(lane="township_backoffice")).role == "township_backoffice"
    assert policy.assigning_actor(LEADER).role == "township_leader"
    registering = policy.registering_actor(MOBILE, "mobile_post", "张三（110105********002X）")
    assert (registering.role, registering.unit) == ("mobile_agent", QINGSI)
    assert registering.on_behalf_of == "张三（110105********002X）"


# -- logging -----------------------------------------------------------------------------


def test_a_refusal_is_logged_with_identifiers_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="engine.policy"):
        policy.issue_refusal(SUPERVISOR, issue(), Action.HANDLE_ISSUE)
        assert policy.case_refusal(AGENT, case(), Action.SEE_CASE) is None
    (record,) = [r for r in caplog.records if r.name.startswith("engine.policy")]
    line = record.getMessage()
    assert line == "policy_refused action=handle_issue user=sun.hong reason=read_only issue=3"
    assert PHONE not in caplog.text
