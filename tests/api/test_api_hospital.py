"""残疾人证新办 (CL001) with the designated hospital (残疾评定定点医院) as a participant
(issue 14, part "hospital"): the township (or its village point) accepts, 县残联 issues the
assessment form, and the case is handed to the hospital serving the applicant's township,
whose doctor (评定医生) fills the assessment in daiban; the 残联 then reviews it and makes
the card. The doctors see only the cases handed to their hospital, from the handover on;
the 残联 officer cannot fill the assessment for them."""

from __future__ import annotations

import pytest

from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, SHIQIAO, Counter, specs

CARD = CATALOGUE["CL001"]  # 残疾人证新办
YULONG = "511725202002"  # 丰乐乡玉皇村: 县中医医院 (CL-02) serves 丰乐乡

ENTRUST = {
    "pickup_mode": "fixed_point",
    "entrustment_signed": True,
    "receipt_no": "DB-1003-02",
    "materials_received": 4,
}
HANDOVER = {"handover_items": 4, "handover_originals": 1, "received_by": "王芳"}
ASSESSED = {
    "assessment_result": "disabled",
    "disability_category": "physical",
    "disability_level": "3",
    "assessed_on": "2026-09-28",
    "assessing_doctor": "高敏",
    "assessment_opinion": "右下肢截肢（膝下），肢体残疾三级",
}


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"{CARD.process_id}.bpmn")


def _unseen(counter: Counter, case_id: int, *users: str) -> None:
    """None of ``users`` finds the case: it does not exist for them (404)."""
    for user in users:
        assert counter.get(user, f"/api/v1/cases/{case_id}").status_code == 404, user


def _reviewed_at_qingsi(counter: Counter) -> int:
    """石桥村's village point (its agent 何东) takes the application; 青丝乡 accepts and
    reviews it (A and B posts); the case waits for the handover to 县残联."""
    case = counter.register("he.dong", CARD, SHIQIAO, "village_point")
    case_id = int(case["id"])
    counter.act("he.dong", case_id, "Task_entrust", ENTRUST)
    counter.act("he.dong", case_id, "Task_handover", HANDOVER)
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    counter.act("zhang.min", case_id, "Task_first_review", {"first_opinion": "材料齐全"})
    counter.act("yang.fan", case_id, "Task_backoffice_review", {"review_decision": "approve"})
    return case_id


def test_the_doctor_of_the_serving_hospital_assesses_and_the_canlian_makes_the_card(
    counter: Counter,
) -> None:
    # 石桥村 (青丝乡): 县人民医院 (CL-01) serves 青丝乡.
    case_id = _reviewed_at_qingsi(counter)
    shown = counter.case("wang.fang", case_id)
    assert (shown["assessment_unit"], shown["assessment_since"]) == ("CL-01", None)
    # Nobody at a hospital sees the case before 县残联 issues the assessment form.
    _unseen(counter, case_id, "gao.min", "luo.bin", "xie.yun")
    case = counter.act(
        "liu.yang",
        case_id,
        "Task_county_handover",
        {"handover_items": 4, "first_review_opinion": "经初审，符合残疾人证申领条件"},
    )
    assert specs(case) == ["Task_assessment_form"]
    # 县残联 issues the form: the case is handed to the hospital serving 青丝乡.
    case = counter.act(
        "feng.qin",
        case_id,
        "Task_assessment_form",
        {"assessment_form_no": "CL-2026-0917", "applicant_told": True},
        hidden_from=("gao.min", "wang.fang"),
    )
    assert specs(case) == ["Task_disability_assessment"]
    assert case["assessment_since"] is not None
    [task] = counter.queue("gao.min", case_id)
    assert (task["role"], task["org_unit"]) == ("assessment_doctor", "CL-01")
    assert (task["role_name"], task["org_unit_name"]) == (
        "评定医生",
        "渠县人民医院（残疾评定定点医院）",
    )
    # Both doctors of 县人民医院 (A/B posts) have it; the doctor of 县中医医院 (serving 丰乐乡
    # only) does not even see the case (404), nor does another township's window.
    assert [t["spec_id"] for t in counter.queue("luo.bin", case_id)] == [
        "Task_disability_assessment"
    ]
    _unseen(counter, case_id, "xie.yun", "pan.hong", "li.jing")
    # The 残联 officer and the township see the case but cannot fill the assessment (403
    # not_your_task); the other hospital cannot even find it (404).
    case = counter.act(
        "gao.min",
        case_id,
        "Task_disability_assessment",
        ASSESSED,
        hidden_from=("feng.qin", "wang.fang", "chen.jing", "xie.yun", "pan.hong"),
    )
    assert specs(case) == ["Task_county_decision"]
    # The doctor keeps reading the case it assessed, but has nothing more to do on it and
    # may not decide it: the card is the 残联's.
    assert counter.queue("gao.min", case_id) == []
    assert counter.get("gao.min", f"/api/v1/cases/{case_id}").status_code == 200
    decision = {"approved": True, "opinion": "同意", "document_no": "残证〔2026〕17号"}
    refused = counter.message("gao.min", case_id, "county_decision", decision)
    assert refused.status_code == 403
    case = counter.act(
        "feng.qin",
        case_id,
        "Task_county_decision",
        {"county_decision": "approve", "document_no": "51172519491231002X43"},
        hidden_from=("gao.min", "luo.bin", "xie.yun"),
    )
    assert specs(case) == ["Task_prepare_result"]
    data = counter.engine.cases.get(case_id).data  # the county's part has ended
    assert data["county_approved"] is True
    assert (data["assessment_result"], data["disability_category"]) == ("disabled", "physical")
    assert (data["disability_level"], data["assessing_doctor"]) == ("3", "高敏")
    _unseen(counter, case_id, "xie.yun")
    counter.check_history(case_id)


def test_a_resident_of_fengle_is_assessed_by_the_hospital_serving_fengle(
    counter: Counter,
) -> None:
    case = counter.register("pan.hong", CARD, YULONG, "township_window")
    case_id = int(case["id"])
    assert counter.case("pan.hong", case_id)["assessment_unit"] == "CL-02"
    counter.act("pan.hong", case_id, "Task_check_materials", {"intake_decision": "accept"})
    for spec_id, data in (
        ("Task_first_review", {"first_opinion": "材料齐全"}),
        ("Task_backoffice_review", {"review_decision": "approve"}),
        ("Task_county_handover", {"handover_items": 4, "first_review_opinion": "符合条件"}),
    ):
        [task] = [t for t in counter.case("pan.hong", case_id)["tasks"] if t["spec_id"] == spec_id]
        user = task["candidates"][0]["user"]
        counter.act(user, case_id, spec_id, data)
    counter.act(
        "feng.qin",
        case_id,
        "Task_assessment_form",
        {"assessment_form_no": "CL-2026-0918", "applicant_told": True},
    )
    # 县中医医院's doctor assesses; 县人民医院's doctors never see the case.
    case = counter.act(
        "xie.yun",
        case_id,
        "Task_disability_assessment",
        {
            "assessment_result": "not_disabled",
            "assessed_on": "2026-09-29",
            "assessing_doctor": "谢云",
            "assessment_opinion": "双眼矫正视力0.5，未达视力残疾标准",
        },
        hidden_from=("gao.min", "luo.bin", "feng.qin"),
    )
    assert specs(case) == ["Task_county_decision"]
    _unseen(counter, case_id, "gao.min", "luo.bin")
    counter.check_history(case_id)


def test_a_category_and_level_are_required_when_the_resident_is_disabled(
    counter: Counter,
) -> None:
    case_id = _reviewed_at_qingsi(counter)
    handover = {"handover_items": 4, "first_review_opinion": "符合"}
    counter.act("liu.yang", case_id, "Task_county_handover", handover)
    form = {"assessment_form_no": "CL-2026-0919", "applicant_told": True}
    counter.act("feng.qin", case_id, "Task_assessment_form", form)
    [task] = counter.queue("gao.min", case_id)
    incomplete = {k: v for k, v in ASSESSED.items() if k != "disability_level"}
    refused = counter.post("gao.min", f"/api/v1/tasks/{task['id']}/complete", incomplete)
    assert refused.status_code == 422
    assert "disability_level" in str(refused.get_json())
