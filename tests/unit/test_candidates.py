"""Who may take a task now (``engine.policy.candidates``): the holders of its post, an
absent A post replaced by its stand-in, a claimed task its holder or the holder's stand-in."""

from __future__ import annotations

from datetime import date

from engine.policy import Candidate, candidates
from engine.records import TaskRecord
from processes.org import OFFICES, Absence, Organization, OrgUnit, User

QINGSI, VILLAGE = "511725201", "511725201001"
AWAY = Absence("a.post", date(2026, 10, 8), date(2026, 10, 9), "出差")
BOTH_AWAY = Absence("b.post", date(2026, 10, 9), date(2026, 10, 9), "病假")


def org(*absences: Absence) -> Organization:
    """A township whose A post (甲) alone holds the back office role; its B post (乙) holds
    only the window; a second window (丙) without a partner; a village with two agents."""
    units = {
        "511725": OrgUnit("511725", "渠县", "county"),
        QINGSI: OrgUnit(QINGSI, "青丝乡", "township", "511725", tuple(OFFICES)),
        VILLAGE: OrgUnit(VILLAGE, "青丝社区", "community", QINGSI),
    }
    users = [
        User(
            "a.post",
            "甲",
            ("township_window", "township_backoffice"),
            QINGSI,
            "social_affairs",
            ab_partner="b.post",
        ),
        User("b.post", "乙", ("township_window",), QINGSI, "social_affairs", ab_partner="a.post"),
        User("c.post", "丙", ("township_window",), QINGSI, "party_government"),
        User("agent.one", "丁", ("village_agent",), VILLAGE, stand_in="agent.two"),
        User("agent.two", "戊", ("village_agent",), VILLAGE, stand_in="agent.one"),
    ]
    return Organization(units, {u.id: u for u in users}, absences)


def task(lane: str, unit: str | None = QINGSI, claimed_by: str | None = None) -> TaskRecord:
    return TaskRecord("t1", 1, "Task_x", "环节", "p", lane, unit, 1, claimed_by=claimed_by)


def test_the_holders_of_the_post_in_its_unit() -> None:
    present = org()
    assert candidates(present, task("township_window"), date(2026, 10, 7)) == [
        Candidate("a.post", "甲"),
        Candidate("b.post", "乙"),
        Candidate("c.post", "丙"),
    ]
    # A township holder does not work a village's agent task, and the other way round.
    agents = candidates(present, task("village_agent", VILLAGE), date(2026, 10, 7))
    assert [c.user for c in agents] == ["agent.one", "agent.two"]
    assert candidates(present, task("village_agent"), date(2026, 10, 7)) == []
    assert candidates(present, task("county_officer"), date(2026, 10, 7)) == []


def test_an_absent_a_post_is_replaced_by_its_stand_in() -> None:
    away = org(AWAY)
    day = date(2026, 10, 8)
    # The back office post is the A post's alone: its B post takes it for the absent A post.
    assert candidates(away, task("township_backoffice"), day) == [
        Candidate("b.post", "乙", "a.post", "甲")
    ]
    # The window: the A post is left out, the others hold it in their own right.
    assert candidates(away, task("township_window"), day) == [
        Candidate("b.post", "乙"),
        Candidate("c.post", "丙"),
    ]
    # Before and after the absence, the A post itself.
    for other_day in (date(2026, 10, 7), date(2026, 10, 10)):
        assert candidates(away, task("township_backoffice"), other_day) == [
            Candidate("a.post", "甲")
        ]


def test_a_claimed_task_lists_its_holder_or_the_holders_stand_in() -> None:
    away = org(AWAY)
    claimed = task("township_window", claimed_by="a.post")
    assert candidates(away, claimed, date(2026, 10, 7)) == [Candidate("a.post", "甲")]
    assert candidates(away, claimed, date(2026, 10, 8)) == [
        Candidate("b.post", "乙", "a.post", "甲")
    ]
    # 丙 holds the window post but the task is 甲's: only 甲 or 甲's stand-in.
    assert candidates(away, task("township_window", claimed_by="c.post"), date(2026, 10, 8)) == [
        Candidate("c.post", "丙")
    ]


def test_nobody_when_both_partners_are_away() -> None:
    both = org(AWAY, BOTH_AWAY)
    day = date(2026, 10, 9)
    assert candidates(both, task("township_backoffice"), day) == []
    assert candidates(both, task("township_window", claimed_by="a.post"), day) == []
    assert candidates(both, task("township_window"), day) == [Candidate("c.post", "丙")]


def test_a_task_without_a_lane_or_unit_has_no_candidates() -> None:
    assert candidates(org(), task("township_window", unit=None), date(2026, 10, 7)) == []
