"""Item-specific statutory steps (docs/item-steps.md), on the shipped processes: 低保
(MZ001), 临时救助 (MZ003), 宅基地 (NL001) and 残疾人证 (CL001) through the engine, with the real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from tests.support.databases import Deployed
from tests.support.driving import do, ready
from tests.support.paths import BPMN
from tests.support.shipped import shipped_catalogue

CATALOGUE = shipped_catalogue()
ALLOWANCE, RELIEF = CATALOGUE.items["MZ001"], CATALOGUE.items["MZ003"]
HOMESTEAD, DISABILITY_CARD = CATALOGUE.items["NL001"], CATALOGUE.items["CL001"]


@pytest.fixture
def deployed() -> Deployed:
    return (
        BPMN / "common",
        BPMN / "items" / f"{ALLOWANCE.process_id}.bpmn",
        BPMN / "items" / f"{RELIEF.process_id}.bpmn",
        BPMN / "items" / f"{HOMESTEAD.process_id}.bpmn",
        BPMN / "items" / f"{DISABILITY_CARD.process_id}.bpmn",
    )


def start(engine: Engine, code: str, emergency: bool = False) -> CaseView:
    item = CATALOGUE.items[code]
    data = {"item": item.process_data(), "via_proxy": False, "emergency": emergency}
    return engine.cases.start(item.process_id, data, Actor("tester"))


def lanes(view: CaseView) -> dict[str, str | None]:
    return {t.spec_id: t.lane for t in view.tasks}


def surveyed(engine: Engine, clock: ManualClock, *, doubtful: bool) -> CaseView:
    """A 低保 case accepted, surveyed (``doubtful``: the survey leaves doubt) and checked
    by the county's checking agency."""
    view = start(engine, "MZ001")
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    assert ready(view) == ["Task_household_survey"]
    view = do(engine, view, "Task_household_survey", clock, review_needed=doubtful)
    # 家庭经济状况核对 is the county's (核对平台), after the household survey.
    assert lanes(view) == {"Task_income_check": "county_officer"}
    return do(engine, view, "Task_income_check", clock, check_conclusion="match")


# -- 低保 (MZ001) ---------------------------------------------------------------------------


def test_allowance_without_doubt_skips_the_democratic_review(
    engine: Engine, clock: ManualClock
) -> None:
    view = surveyed(engine, clock, doubtful=False)
    assert ready(view) == ["Task_first_review"]


def test_allowance_failed_vote_ends_in_a_refusal_with_appeal_rights(
    engine: Engine, clock: ManualClock
) -> None:
    view = surveyed(engine, clock, doubtful=True)
    assert lanes(view) == {"Task_democratic_review": "village_agent"}
    view = do(engine, view, "Task_democratic_review", clock, democratic_result="fail")
    # The township decides, with its reasons: here it refuses.
    assert lanes(view) == {"Task_vote_failed": "township_leader"}
    view = do(engine, view, "Task_vote_failed", clock, vote_decision="refuse",
              vote_reason="经核实家庭有未申报的经营收入")  # fmt: skip
    assert ready(view) == ["Task_vote_refusal"]
    view = do(engine, view, "Task_vote_refusal", clock, refusal_reason="家庭人均收入高于低保标准")
    assert view.status == "completed"
    assert view.data["appeal_informed"] is True
    assert "review_result" not in view.data  # never reached the township review
    assert engine.audit.verify(view.id).ok


def test_allowance_failed_vote_the_township_may_overrule_with_reasons(
    engine: Engine, clock: ManualClock
) -> None:
    view = surveyed(engine, clock, doubtful=True)
    view = do(engine, view, "Task_democratic_review", clock, democratic_result="fail")
    view = do(engine, view, "Task_vote_failed", clock, vote_decision="continue",
              vote_reason="评议意见与入户调查、信息核对结果不符，经核实符合条件")  # fmt: skip
    assert ready(view) == ["Task_first_review"]


def test_allowance_opinion_is_signed_by_the_leader_and_the_spot_check_sends_it_back(
    engine: Engine, clock: ManualClock
) -> None:
    view = surveyed(engine, clock, doubtful=False)
    view = do(engine, view, "Task_first_review", clock)
    view = do(engine, view, "Task_backoffice_review", clock, review_decision="approve")
    # Not a licence, yet the township's opinion on 低保 is the leader's to sign.
    assert lanes(view) == {"Task_leader_approval": "township_leader"}
    view = do(engine, view, "Task_leader_approval", clock, leader_decision="approve")
    view = do(engine, view, "Task_publish_notice", clock)
    # 7 calendar days of notice from Thu 24 Sep end on Thu 1 Oct, a holiday: the period
    # runs to the end of the next working day, Thu 8 Oct (1-7 Oct National Day).
    clock.set(datetime(2026, 10, 9, 0, 1, tzinfo=SHANGHAI))
    engine.cases.tick()
    view = engine.cases.get(view.id)
    view = do(engine, view, "Task_county_handover", clock)
    # The county reviews and draws its sample before it decides; this household is in it
    # and the visit finds the survey wrong: back to the township's household survey.
    assert lanes(view) == {"Task_county_spot_check": "county_officer"}
    view = do(engine, view, "Task_county_spot_check", clock, spot_sampled=True,
              spot_check_result="returned", spot_check_note="入户核实发现家庭有机动车未申报")  # fmt: skip
    assert ready(view) == ["Task_household_survey"]
    assert view.data["county_returned"] is True
    assert "county_approved" not in view.data
    # Surveyed again, all the way to the county, which now confirms.
    view = do(engine, view, "Task_household_survey", clock, review_needed=False)
    view = do(engine, view, "Task_income_check", clock, check_conclusion="match")
    for spec_id in ("Task_first_review", "Task_backoffice_review", "Task_leader_approval"):
        view = do(engine, view, spec_id, clock)
    view = do(engine, view, "Task_publish_notice", clock)
    clock.advance(timedelta(days=10))  # the second notice, 7 days and a weekend
    engine.cases.tick()
    view = do(engine, engine.cases.get(view.id), "Task_county_handover", clock)
    view = do(engine, view, "Task_county_spot_check", clock, spot_check_result="confirmed")
    assert ready(view) == ["Task_county_decision"]
    view = do(engine, view, "Task_county_decision", clock, county_decision="approve")
    assert view.data["county_approved"] is True and view.data["county_returned"] is False
    assert engine.audit.verify(view.id).ok


# -- 临时救助 (MZ003) ------------------------------------------------------------------------


def assessed(engine: Engine, clock: ManualClock, view: CaseView, *, over: bool) -> CaseView:
    """Survey and amount assessment, then the A and B reviews and the leader's sign-off."""
    view = do(engine, view, "Task_household_survey", clock)
    view = do(engine, view, "Task_relief_assessment", clock, relief_amount=5000 if over else 800,
              over_township_limit=over)  # fmt: skip
    view = do(engine, view, "Task_first_review", clock)
    view = do(engine, view, "Task_backoffice_review", clock, review_decision="approve")
    # Cash help: the leader in charge signs it off.
    assert lanes(view) == {"Task_leader_approval": "township_leader"}
    return do(engine, view, "Task_leader_approval", clock, leader_decision="approve")


def notice_over(engine: Engine, clock: ManualClock) -> None:
    """3 calendar days of notice from Thu 24 Sep end on Sun 27 Sep (25 Sep 中秋节, then the
    weekend): the period runs to the end of the next working day, Mon 28 Sep."""
    clock.set(datetime(2026, 9, 29, 0, 1, tzinfo=SHANGHAI))
    engine.cases.tick()


def test_relief_over_the_township_amount_goes_to_the_county(
    engine: Engine, clock: ManualClock
) -> None:
    view = start(engine, "MZ003")
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    view = assessed(engine, clock, view, over=True)
    assert ready(view) == ["Task_publish_notice"]  # 公示 before the county decides
    view = do(engine, view, "Task_publish_notice", clock)
    notice_over(engine, clock)
    view = do(engine, engine.cases.get(view.id), "Task_county_handover", clock)
    assert lanes(view) == {"Task_county_decision": "county_officer"}  # 县民政局 approves
    view = do(engine, view, "Task_county_decision", clock, county_decision="approve")
    assert ready(view) == ["Task_prepare_result"]


def test_relief_within_the_township_amount_is_decided_by_the_township(
    engine: Engine, clock: ManualClock
) -> None:
    view = start(engine, "MZ003")
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    view = assessed(engine, clock, view, over=False)
    view = do(engine, view, "Task_publish_notice", clock)
    notice_over(engine, clock)
    view = engine.cases.get(view.id)
    assert ready(view) == ["Task_prepare_result"]
    assert "county_sent_on" not in view.data


def test_emergency_help_first_and_the_paperwork_late_warns_the_leader(
    engine: Engine, clock: ManualClock
) -> None:
    view = start(engine, "MZ003", emergency=True)
    assert ready(view) == ["Task_emergency_relief"]
    view = do(engine, view, "Task_emergency_relief", clock, relief_amount=1000)
    # Helped on Thu 24 Sep; the paperwork is due within 5 working days: 25 Sep is 中秋节
    # and 26-27 the weekend, so Mon 28 (1), Tue 29 (2), Wed 30 (3); 1-7 Oct are the
    # National Day holiday, so Thu 8 Oct (4), Fri 9 Oct (5): late from Sat 10 Oct 00:00.
    assert view.data["relief_given_on"] == "2026-09-24"
    assert view.data["paperwork_due"] == "2026-10-10T00:00:00+08:00"
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    view = do(engine, view, "Task_household_survey", clock)
    view = do(engine, view, "Task_relief_assessment", clock, over_township_limit=False)
    assert ready(view) == ["Task_first_review"]
    clock.set(datetime(2026, 10, 9, 23, 0, tzinfo=SHANGHAI))
    engine.cases.tick()
    assert ready(engine.cases.get(view.id)) == ["Task_first_review"]  # not late yet
    clock.set(datetime(2026, 10, 10, 0, 1, tzinfo=SHANGHAI))
    engine.cases.tick()
    view = engine.cases.get(view.id)
    # Still under review: the leader is warned (督办), the review goes on.
    assert lanes(view) == {
        "Task_first_review": "township_window",
        "Task_paperwork_late": "township_leader",
    }
    view = do(engine, view, "Task_paperwork_late", clock, escalation_note="限两日内补齐")
    for spec_id in ("Task_first_review", "Task_backoffice_review", "Task_leader_approval"):
        view = do(engine, view, spec_id, clock)
    # Help already given in an emergency: no public notice before it is paid.
    assert ready(view) == ["Task_prepare_result"]
    assert view.data["notice_done"] is False


# -- 宅基地 (NL001) --------------------------------------------------------------------------


def reviewed(engine: Engine, clock: ManualClock, decision: str) -> CaseView:
    view = start(engine, "NL001")
    for spec_id in ("Task_check_materials", "Task_site_survey", "Task_joint_review",
                    "Task_first_review"):  # fmt: skip
        view = do(engine, view, spec_id, clock)
    view = do(engine, view, "Task_backoffice_review", clock, review_decision="approve")
    return do(engine, view, "Task_leader_approval", clock, leader_decision=decision,
              leader_opinion="超出省定面积标准")  # fmt: skip


def test_homestead_issues_the_planning_permit_and_sets_the_site_out(
    engine: Engine, clock: ManualClock
) -> None:
    view = reviewed(engine, clock, "approve")
    # One application form, one decision: the permit is issued with the approval.
    assert lanes(view) == {"Task_planning_permit": "township_backoffice"}
    view = do(engine, view, "Task_planning_permit", clock, permit_no="乡字第511725202600012号",
              permit_area=120)  # fmt: skip
    # 三到场: after the approval, staff set the site out on the ground (丈量批放).
    assert lanes(view) == {"Task_site_setout": "township_backoffice"}
    view = do(engine, view, "Task_site_setout", clock, setout_area=110,
              setout_record="东至村道，南至张某宅，西至林地，北至水渠；已定点放线")  # fmt: skip
    assert ready(view) == ["Task_prepare_result"]
    assert view.data["permit_no"] == "乡字第511725202600012号"
    assert view.data["setout_done"] is True
    assert view.data["review_result"] == "approved"


def test_a_refused_homestead_gets_no_permit_and_no_setting_out(
    engine: Engine, clock: ManualClock
) -> None:
    view = reviewed(engine, clock, "reject")
    assert ready(view) == ["Task_refusal_decision"]
    view = do(engine, view, "Task_refusal_decision", clock)
    assert view.status == "completed"
    assert "permit_no" not in view.data and "setout_done" not in view.data


# -- 残疾人证新办 (CL001) -----------------------------------------------------------------------


def test_disability_card_is_assessed_after_the_township_hands_it_over(
    engine: Engine, clock: ManualClock
) -> None:
    view = start(engine, "CL001")
    for spec_id in ("Task_check_materials", "Task_first_review", "Task_backoffice_review"):
        view = do(engine, view, spec_id, clock)
    # The township accepted it and hands it to 县残联; nothing is assessed before that.
    assert "disability_category" not in view.data
    view = do(engine, view, "Task_county_handover", clock)
    assert lanes(view) == {"Task_assessment_form": "county_officer"}  # 残联 issues the form
    view = do(engine, view, "Task_assessment_form", clock, assessment_form_no="CL-2026-0917")
    # The designated hospital assesses: its doctor's task (tests/api/test_api_hospital.py).
    assert lanes(view) == {"Task_disability_assessment": "assessment_doctor"}
    view = do(engine, view, "Task_disability_assessment", clock, assessment_result="disabled",
              disability_category="physical", disability_level="3", assessing_doctor="高敏",
              assessment_opinion="右下肢功能障碍")  # fmt: skip
    # Then 残联 reviews and makes the card; the township delivers it.
    assert lanes(view) == {"Task_county_decision": "county_officer"}
    view = do(engine, view, "Task_county_decision", clock, county_decision="approve")
    assert lanes(view) == {"Task_prepare_result": "township_window"}
    assert (view.data["disability_category"], view.data["disability_level"]) == ("physical", "3")
