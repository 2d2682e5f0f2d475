"""Separation of duties as data: the pairs of ``engine.elements.SEPARATED_STEPS``, both ways
round, and who they bar from a step (``engine.cases.duties``)."""

from __future__ import annotations

from engine import elements
from engine.cases import duties
from engine.elements import REVIEW_A, REVIEW_B, TaskRef
from tests.unit.test_elements import IDS  # the element ids of each process of the library


def test_the_a_and_b_reviews_bar_each_other() -> None:
    [(other, reason)] = duties.partners(REVIEW_A)
    assert other == REVIEW_B and "A岗" in reason and "B岗" in reason
    assert [other for other, _ in duties.partners(REVIEW_B)] == [REVIEW_A]
    assert duties.partners(elements.COUNTY_DECISION_TASK) == []


def test_who_completed_one_step_is_barred_from_the_other() -> None:
    done = duties.done_by(
        [
            (REVIEW_A.process, REVIEW_A.task, "liu.yang"),
            ("common_intake", "Task_check_materials", "wang.fang"),
        ]
    )
    assert set(duties.barred(done, REVIEW_B.process, REVIEW_B.task)) == {"liu.yang"}
    # the window clerk who accepted the case may do either review
    assert duties.barred(done, REVIEW_A.process, REVIEW_A.task) == {}


def test_every_separated_step_is_a_task_of_the_library() -> None:
    for rule in elements.SEPARATED_STEPS:
        for step in (rule.first, rule.second):
            assert isinstance(step, TaskRef) and step.task in IDS[step.process], step
