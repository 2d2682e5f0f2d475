"""Separation of duties as data: the pairs of ``engine.elements.SEPARATED_STEPS``, both ways
round, and who they bar from a step (``engine.cases.duties``)."""

from __future__ import annotations

from lxml import etree

from engine import elements
from engine.cases import duties
from engine.elements import HEARING, INVESTIGATE, LEGAL_REVIEW, REVIEW_A, REVIEW_B, TaskRef
from tests.support.paths import BPMN
from tests.unit.test_elements import DAIBAN_NS, IDS  # the element ids of each process


def test_the_a_and_b_reviews_bar_each_other() -> None:
    [(other, reason)] = duties.partners(REVIEW_A)
    assert other == REVIEW_B and "A岗" in reason and "B岗" in reason
    assert [other for other, _ in duties.partners(REVIEW_B)] == [REVIEW_A]
    assert duties.partners(elements.COUNTY_DECISION_TASK) == []


def test_who_completed_one_step_is_barred_from_the_other() -> None:
    done = duties.done_by(
        [
            (REVIEW_A.process, REVIEW_A.task, "liu.yang", {}),
            ("common_intake", "Task_check_materials", "wang.fang", {}),
        ]
    )
    assert set(duties.barred(done, REVIEW_B.process, REVIEW_B.task)) == {"liu.yang"}
    # the window clerk who accepted the case may do either review
    assert duties.barred(done, REVIEW_A.process, REVIEW_A.task) == {}


def test_every_separated_step_is_a_task_of_the_library() -> None:
    for rule in elements.SEPARATED_STEPS:
        for step in (rule.first, rule.second):
            assert isinstance(step, TaskRef) and step.task in IDS[step.process], step


def test_the_investigating_officers_may_neither_hold_the_hearing_nor_review_it() -> None:
    """第六十四条(四), 第五十八条: the officers named on the investigation — not only the one
    who completed it — are barred from the hearing and the legal review, and a reviewer
    from investigating again (补充调查)."""
    assert {other for other, _ in duties.partners(INVESTIGATE)} == {HEARING, LEGAL_REVIEW}
    named = {"investigator_1": "wu.qiang", "investigator_2": "xu.hui", "facts": "占道"}
    done = duties.done_by([(INVESTIGATE.process, INVESTIGATE.task, "wu.qiang", named)])
    hearing = duties.barred(done, HEARING.process, HEARING.task)
    assert set(hearing) == {"wu.qiang", "xu.hui"} and "第六十四条第四项" in hearing["xu.hui"]
    assert set(duties.barred(done, LEGAL_REVIEW.process, LEGAL_REVIEW.task)) == {
        "wu.qiang",
        "xu.hui",
    }
    reviewed = duties.done_by(
        [(LEGAL_REVIEW.process, LEGAL_REVIEW.task, "hu.jun", {"legal_reviewer": "ma.chao"})]
    )
    assert set(duties.barred(reviewed, INVESTIGATE.process, INVESTIGATE.task)) == {
        "hu.jun",
        "ma.chao",
    }


def test_every_doer_field_is_a_field_of_its_step() -> None:
    fields: dict[str, set[str]] = {}
    for path in BPMN.rglob("*.bpmn"):
        for field in etree.parse(str(path)).getroot().iter(f"{DAIBAN_NS}field"):
            task = next(a for a in field.iterancestors() if a.get("id"))
            fields.setdefault(task.get("id"), set()).add(field.get("name"))
    for step, names in elements.DOER_FIELDS.items():
        assert step.task in IDS[step.process] and set(names) <= fields[step.task], step
