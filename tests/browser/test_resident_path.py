"""The resident's path through daiban, in a real browser, end to end: a 高龄津贴 (MZ004)
application registered at 青丝社区's village point; its scanned ID card attached on the
case page; a one-time supplement notice (补正材料通知书) that lists exactly the missing
material; the 受理通知书 printed once the material is in, its text and QR link read back
from the PDF; the resident looking the case up on the public progress page by the QR's
address; and, after the result is delivered, the resident rating the case on a phone
through the link the 办结通知书 prints. The rating counts in the supervision figures as
the resident's; the notices of each moment wait in the outbox; ``verify`` passes over
every document and scan.

The steps nobody in this path sees (the township's review, the county's decision) are
worked through the API, as the other desks would."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from engine import Engine, ManualClock
from engine.records import NoticeQuery
from tests.support.api import make_app
from tests.support.console import PHONE, Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.scans import png_with_gps
from tests.support.walks import (
    APPLICANT,
    PROXY_ITEM,
    WALKED,
    Counter,
    at,
)

clock, engine = module_engine(WALKED)

AGENT = "tan.xiaoyan"  # 青丝社区's village agent
WINDOW = "wang.fang"  # 青丝乡's window
MISSING = "户口簿（原件）"


@pytest.fixture(scope="module")
def counter(console: Console) -> Counter:
    return Counter(make_app(console.engine).test_client(), console.engine)


def text_of(pdf: bytes) -> str:
    """The PDF's text as one line (pypdf puts spaces and breaks between CJK runs)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "").replace(" ", "").replace("\n", "")


def download(desk: Desk, kind: str, saved: Path) -> bytes:
    """下载 on the case page's 文书 list: the PDF the browser saves."""
    row = desk.page.locator(f"section.case-documents tr[data-kind={kind}]")
    expect(row.get_by_role("button", name="下载")).to_be_visible()
    with desk.page.expect_download() as waiting:
        row.get_by_role("button", name="下载").click()
    waiting.value.save_as(saved)
    expect(row).to_contain_text("已出具")
    return saved.read_bytes()


def signed_in(console: Console, user: str, path: str) -> Desk:
    desk = console.open()
    desk.go(path, wait="#login-user")
    console.sign_in(desk, user)
    desk.page.wait_for_selector("#page-title")
    desk.ready()
    return desk


def register_at_the_village_point(console: Console) -> tuple[Desk, int]:
    """谭晓燕 registers the application through 办件登记; the tab on its receipt."""
    desk = signed_in(console, AGENT, "/register")
    page = desk.page
    page.fill("#reg-item_code", PROXY_ITEM.code)
    page.click("#item-search")
    page.click(f'button.choose[data-code="{PROXY_ITEM.code}"]')
    page.fill("#reg-applicant_name", APPLICANT["name"])
    page.fill("#reg-applicant_id_number", APPLICANT["id_number"])
    page.fill("#reg-applicant_phone", APPLICANT["phone"])
    page.fill("#reg-applicant_address", APPLICANT["address"])
    for material in PROXY_ITEM.materials:
        if material.required:
            page.locator(f'tr[data-material="{material.name}"]').get_by_label(
                "已收", exact=True
            ).check()
    page.click("#register-submit")
    expect(page.locator("#page-title")).to_have_text("收件回执")
    return desk, int(page.url.rsplit("/", 1)[1])


def attach_scan(desk: Desk, case_id: int, scan: Path) -> None:
    """On the case page: the scan of the ID card uploaded, then listed."""
    desk.go(f"/cases/{case_id}")
    desk.ready()
    page = desk.page
    section = page.locator("section.case-attachments")
    page.select_option("#attachment-material", PROXY_ITEM.materials[0].name)
    page.set_input_files("#attachment-file", str(scan))
    page.click("form.attachment-upload button[type=submit]")
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(PROXY_ITEM.materials[0].name)
    expect(rows.first).to_contain_text("PNG")


def look_up(page: Page, base: str, qr_link: str, tail: str) -> None:
    """The resident scans the QR code (its address opens) and types the ID's last six."""
    assert qr_link.startswith("http://127.0.0.1:5000/progress?number=")
    page.goto(base + qr_link.removeprefix("http://127.0.0.1:5000"))
    page.fill("#id_tail", tail)
    page.click("button[type=submit]")


def notices_of(engine: Engine, case_id: int) -> list[str]:
    found, _ = engine.notices.find(NoticeQuery(case_id=case_id), 0, 50)
    return [notice.kind for notice in sorted(found, key=lambda notice: notice.id)]


def test_a_resident_is_served_from_the_village_point_to_the_rating(
    console: Console, counter: Counter, clock: ManualClock, tmp_path: Path
) -> None:
    engine = console.engine
    # Thu 24 Sep: the application at the village point, the ID card scanned there.
    at(clock, "2026-09-24")
    desk, case_id = register_at_the_village_point(console)
    number = counter.case(AGENT, case_id)["case_number"]
    scan = tmp_path / "身份证.png"
    scan.write_bytes(png_with_gps(4_211, size=(160, 100)))
    attach_scan(desk, case_id, scan)
    desk.close()
    counter.done[case_id] = []
    counter.act(AGENT, case_id, "Task_entrust", {"pickup_mode": "home",
                "entrustment_signed": True, "receipt_no": "DB-0924-07",
                "materials_received": 4})  # fmt: skip
    counter.act(AGENT, case_id, "Task_handover",
                {"handover_items": 4, "handover_originals": 1, "received_by": "王芳"})  # fmt: skip

    # The window finds the household register's original missing: one supplement notice.
    counter.act(WINDOW, case_id, "Task_check_materials",
                {"intake_decision": "supplement", "missing_materials": MISSING})  # fmt: skip
    counter.act(WINDOW, case_id, "Task_supplement_notice", {"supplement_notice_no": "BZ-0924-07"})
    desk = signed_in(console, WINDOW, f"/cases/{case_id}")
    notice = text_of(download(desk, "supplement", tmp_path / "supplement.pdf"))
    assert number in notice and APPLICANT["name"] in notice
    # The table of what to bring lists the one missing material, and nothing else.
    listed = re.search("序号需补正的材料(.*?)请自收到本通知书之日起", notice)
    assert listed is not None and listed.group(1) == "1" + MISSING

    # The resident brings it (the window records it); the recheck accepts the case.
    resubmitted = counter.message(WINDOW, case_id, "materials_resubmitted",
                                  {"materials": [MISSING]})  # fmt: skip
    assert resubmitted.status_code == 200, resubmitted.get_json()
    counter.act(WINDOW, case_id, "Task_recheck", {"intake_decision": "accept"})
    desk.page.reload()
    desk.ready()
    acceptance = text_of(download(desk, "acceptance", tmp_path / "acceptance.pdf"))
    assert "受理通知书" in acceptance and number in acceptance
    assert APPLICANT["name"] in acceptance and "青丝乡" in acceptance
    promised = counter.case(WINDOW, case_id)["due_date"]
    year, month, day = (int(part) for part in promised.split("-"))
    assert f"{year}年{month}月{day}日" in acceptance
    qr_link = f"http://127.0.0.1:5000/progress?number={number}"
    assert qr_link in acceptance
    # The scan attached at the village is on the case page for the window too.
    expect(desk.page.locator("section.case-attachments tbody tr")).to_have_count(1)
    desk.close()

    # The resident, at home, scans the notice's QR code and looks the case up.
    phone = console.open(viewport=PHONE)
    look_up(phone.page, console.base, qr_link, APPLICANT["id_number"][-6:])
    result = phone.page.locator(".result")
    expect(result.locator(".case-number")).to_have_text(number)
    expect(result.locator("ol.steps li.current")).to_contain_text("初审")
    expect(result).not_to_contain_text(APPLICANT["id_number"])
    phone.close()

    # The township, the county and the delivery: the desks nobody here sees.
    at(clock, "2026-10-08")
    counter.act("zhang.min", case_id, "Task_first_review", {"first_opinion": "材料齐全"})
    counter.act("yang.fan", case_id, "Task_backoffice_review", {"review_decision": "approve"})
    counter.act("liu.yang", case_id, "Task_county_handover",
                {"handover_items": 4, "first_review_opinion": "符合条件"})  # fmt: skip
    at(clock, "2026-10-12")
    counter.act("deng.hui", case_id, "Task_county_decision",
                {"county_decision": "approve", "document_no": "渠民高〔2026〕91号"})  # fmt: skip
    at(clock, "2026-10-13")
    counter.act("huang.li", case_id, "Task_prepare_result",
                {"delivery_mode": "home", "result_document_no": "渠民高〔2026〕91号"})  # fmt: skip
    case = counter.act("jiang.wei", case_id, "Task_home_delivery",
                       {"slip_signed": True, "received_by": "张秀兰"})  # fmt: skip
    assert case["waiting_messages"] == ["rating"]

    # The 办结通知书, handed over with the result, carries the resident's rating link.
    desk = signed_in(console, WINDOW, f"/cases/{case_id}")
    completion = text_of(download(desk, "completion", tmp_path / "completion.pdf"))
    desk.close()
    assert "办结通知书" in completion and number in completion
    found = re.search(r"http://127\.0\.0\.1:5000/rating#([A-Za-z0-9_-]+)", completion)
    assert found is not None, completion
    before = counter.get("sun.hong", "/api/v1/stats?from=2026-10-13&to=2026-10-13").get_json()

    # On the phone: the link from the notice, five stars, thanks.
    phone = console.open(viewport=PHONE)
    phone.page.goto(f"{console.base}/rating#{found.group(1)}")
    expect(phone.page.locator(".subject .unit")).to_have_text("青丝乡")
    phone.page.locator('input[name=level][value="5"]').check()
    phone.page.click("button[type=submit]")
    expect(phone.page.locator(".thanks .level-name")).to_have_text("非常满意")
    phone.close()

    # The figures count it as the resident's own; nothing entered by staff.
    after = counter.get("sun.hong", "/api/v1/stats?from=2026-10-13&to=2026-10-13").get_json()
    assert after["total"]["ratings"] == before["total"]["ratings"] + 1
    assert after["total"]["entered_ratings"] == before["total"]["entered_ratings"]
    events = counter.get("sun.hong", f"/api/v1/cases/{case_id}/history").get_json()["events"]
    [rating] = [e for e in events if e["type"] == "message_received"
                and e["data"]["name"] == "rating"]  # fmt: skip
    assert rating["actor"] == "resident"
    assert counter.case(AGENT, case_id)["status"] == "completed"

    # In the history: every document handed over and the scan, each by its SHA-256, and
    # verify proves them all; each moment left its notice for the resident.
    kinds = [e["data"]["kind"] for e in events if e["type"] == "document_issued"]
    assert kinds == ["supplement", "acceptance", "completion"]
    assert [e["type"] for e in events].count("attachment_added") == 1
    assert engine.audit.verify(case_id).ok
    assert notices_of(engine, case_id) == ["supplement", "accepted", "result_ready"]
