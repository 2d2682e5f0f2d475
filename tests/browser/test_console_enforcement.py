"""执法立案 in a real browser: an enforcement officer of 青丝乡 opens a case of an item
officers open (ZF013 占道经营) against a business — the party's credit code checked as
typed (GB 32100-2015) — with the facts and the place; the page goes on to the case, where
the officers choose the procedure (当场处罚 or 报请立案审批)."""

from __future__ import annotations

from playwright.sync_api import expect

from engine import Engine, ManualClock
from engine.definitions.form_formats import uscc_check_character
from tests.support.console import Console
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, SHIQIAO, WALKED, at

STREET = CATALOGUE["ZF013"]  # 对擅自占道经营、堆放物料的处罚
clock, engine = module_engine((*WALKED, BPMN / "items" / f"{STREET.process_id}.bpmn"))
COMPANY = "91511725MA6ABCDE1"
USCC = COMPANY + uscc_check_character(COMPANY)


def test_an_officer_opens_a_case_against_a_business(
    console: Console, engine: Engine, clock: ManualClock
) -> None:
    at(clock, "2026-09-24")
    desk = console.open()
    desk.go("/register", wait="#login-user")
    console.sign_in(desk, "wu.qiang")
    desk.page.wait_for_selector("#page-title")
    desk.ready()
    page = desk.page
    expect(page.locator("#register-intro")).to_contain_text("执法人员依职权立案")
    page.fill("#reg-item_code", STREET.code)
    page.click("#item-search")
    page.click(f'button.choose[data-code="{STREET.code}"]')
    expect(page.locator(".chosen-item")).to_contain_text(STREET.name)
    expect(page.locator(".register-item")).to_contain_text("立案之日起 90 个自然日内作出决定")
    page.check("#reg-applicant_kind_organisation")
    page.fill("#reg-applicant_name", "渠县青丝石材加工厂")
    uscc = page.locator("#reg-applicant_uscc")
    uscc.fill(USCC[:-1] + ("0" if USCC[-1] != "0" else "1"))
    uscc.blur()
    expect(page.locator("#reg-applicant_uscc-error")).to_contain_text("GB 32100-2015")
    uscc.fill(USCC)
    uscc.blur()
    expect(page.locator("#reg-applicant_uscc-error")).to_have_count(0)
    page.fill("#reg-applicant_legal_representative", "李大山")
    page.select_option("#reg-applicant_village", SHIQIAO)
    page.fill("#reg-facts", "巡查发现该厂在村道旁占道堆放石料")
    page.fill("#reg-place", "石桥村三组村道旁")
    page.click("#register-submit")
    expect(page.locator(".case-clue")).to_have_text("巡查发现该厂在村道旁占道堆放石料")
    expect(page.locator(".applicant-uscc")).to_have_text(USCC)
    case_id = int(page.url.rsplit("/", 1)[1])
    case = engine.cases.get(case_id)
    assert case.org_unit == "511725201" and case.data["channel"] == "enforcement"
    assert case.data["applicant"]["uscc"] == USCC
    assert case.data["clue"]["place"] == "石桥村三组村道旁"
    assert [t.spec_id for t in case.tasks] == ["Task_procedure"]
    desk.close()
