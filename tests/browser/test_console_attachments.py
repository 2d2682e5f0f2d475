"""材料附件 in the console, in a real browser under the console's strict policy: the
village agent attaches a PNG scan on the receipt right after registering and another on
the case page, sees them listed and opens one (fetched with the tab's token, shown from a
blob: URL); the county's supervisor sees the list without a way to open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from tests.support.api import make_app
from tests.support.console import Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.scans import pdf_with_metadata, png_with_gps
from tests.support.walks import PROXY_ITEM, QINGSI_COMMUNITY, WALKED, Counter

clock, engine = module_engine(WALKED)

AGENT = "tan.xiaoyan"  # the village agent of 青丝社区 (QINGSI_COMMUNITY)
MATERIAL = PROXY_ITEM.materials[0].name


@pytest.fixture(scope="module")
def counter(console: Console) -> Counter:
    return Counter(make_app(console.engine).test_client(), console.engine)


@pytest.fixture(scope="module")
def case(counter: Counter) -> dict[str, Any]:
    return counter.register(AGENT, PROXY_ITEM, QINGSI_COMMUNITY, "village_point")


def _scan(tmp_path: Path, seed: int, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(png_with_gps(seed, size=(120, 80)))
    return path


def _upload_on_a_new_case(
    console: Console, counter: Counter, scan: Path, note: str | None = None
) -> tuple[Desk, Locator]:
    """A new case's page for the agent, after uploading ``scan`` there: the tab, and the
    rows of the attachment list once it shows the one scan."""
    case = counter.register(AGENT, PROXY_ITEM, QINGSI_COMMUNITY, "village_point")
    desk = console.open(AGENT, f"/cases/{case['id']}")
    desk.ready()
    page = desk.page
    expect(page.locator("section.case-attachments h2")).to_contain_text("材料附件（0 个扫描件）")
    page.select_option("#attachment-material", MATERIAL)
    page.set_input_files("#attachment-file", str(scan))
    if note is not None:
        page.fill("#attachment-note", note)
    page.click("form.attachment-upload button[type=submit]")
    rows = page.locator("section.case-attachments tbody tr")
    expect(rows).to_have_count(1)
    return desk, rows


def test_a_scan_uploaded_on_the_case_page_is_listed_and_opens(
    console: Console, counter: Counter, tmp_path: Path
) -> None:
    scan = _scan(tmp_path, 9_701, "身份证正面.png")
    desk, row = _upload_on_a_new_case(console, counter, scan, note="正面")
    page = desk.page
    section = page.locator("section.case-attachments")
    expect(row.first).to_contain_text(MATERIAL)
    expect(row.first).to_contain_text("PNG 图片")
    expect(row.first).to_contain_text("谭晓燕")
    expect(row.first).to_contain_text("正面")
    # the case's history shows the new event
    expect(page.locator(".case-history")).to_contain_text("上传材料附件")

    row.first.get_by_role("button", name="查看").click()
    image = section.locator(".attachment-preview img")
    expect(image).to_be_visible()
    assert image.get_attribute("src", timeout=5000).startswith("blob:")
    page.wait_for_function(
        "() => { const i = document.querySelector('.attachment-preview img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    size = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert size == [120, 80]
    desk.close()


def test_a_pdf_scan_is_saved_from_its_blob(
    console: Console, counter: Counter, tmp_path: Path
) -> None:
    scan = tmp_path / "户口簿.jpg"  # a PDF, whatever its name says
    scan.write_bytes(pdf_with_metadata(9_705))
    desk, row = _upload_on_a_new_case(console, counter, scan)
    page = desk.page
    expect(row.first).to_contain_text("PDF")
    row.first.get_by_role("button", name="查看").click()
    save = page.locator(".attachment-preview a[download]")
    assert (save.get_attribute("href") or "").startswith("blob:")
    with page.expect_download() as download:
        save.click()
    saved = Path(download.value.path()).read_bytes()
    assert saved.startswith(b"%PDF") and b"/Author" not in saved
    desk.close()


def test_a_scan_is_attached_right_after_registration_on_the_receipt(
    console: Console, counter: Counter, tmp_path: Path
) -> None:
    registered = counter.register(AGENT, PROXY_ITEM, QINGSI_COMMUNITY, "village_point")
    desk = console.open(AGENT, f"/receipt/{registered['id']}")
    desk.ready()
    page = desk.page
    page.set_input_files(
        "#attachment-file",
        [str(_scan(tmp_path, 9_702, "page1.png")), str(_scan(tmp_path, 9_703, "page2.png"))],
    )
    page.click("form.attachment-upload button[type=submit]")
    expect(page.locator("section.case-attachments tbody tr")).to_have_count(2)
    expect(page.locator("section.case-attachments h2")).to_contain_text("2 个扫描件")
    desk.close()


def test_a_wrong_file_is_refused_with_the_reason(
    console: Console, case: dict[str, Any], tmp_path: Path
) -> None:
    desk = console.open(AGENT, f"/cases/{case['id']}")
    desk.ready()
    page = desk.page
    fake = tmp_path / "scan.png"
    fake.write_text("<html><body>not a scan</body></html>", encoding="utf-8")
    page.set_input_files("#attachment-file", str(fake))
    page.click("form.attachment-upload button[type=submit]")
    expect(page.locator("form.attachment-upload [role=alert]")).to_contain_text("PDF、JPEG 或 PNG")
    desk.close()


def test_the_supervisor_sees_the_list_only(
    console: Console, counter: Counter, case: dict[str, Any]
) -> None:
    counter.engine.attachments.attach(case["id"], _actor(), MATERIAL, png_with_gps(9_704))
    desk = console.open("sun.hong", f"/cases/{case['id']}")
    desk.ready()
    section = desk.page.locator("section.case-attachments")
    expect(section.locator("tbody tr").first).to_contain_text("无权查看")
    expect(section.get_by_role("button", name="查看")).to_have_count(0)
    expect(section.locator("form.attachment-upload")).to_have_count(0)
    desk.close()


def _actor() -> Any:
    from engine import Actor

    return Actor(AGENT, "village_agent", unit=QINGSI_COMMUNITY)
