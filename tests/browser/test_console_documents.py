"""文书 on the case page in a real browser: the list of the case's documents, 下载 giving
the PDF (fetched with the tab's token, handed over as a blob: URL under the page's strict
policy) and recording its issue, 打印 opening it in a new tab; the resident's progress
page taking the case number from the QR code's address."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from playwright.sync_api import expect

from engine import Engine, ManualClock
from tests.support.api import make_app
from tests.support.console import Console
from tests.support.module_fixtures import module_engine
from tests.support.walks import APPLICANT, QINGSI_COMMUNITY, WALKED, WINDOW_ITEM, Counter

clock, engine = module_engine(WALKED)


@pytest.fixture(scope="module")
def world(engine: Engine, clock: ManualClock) -> dict[str, Any]:
    """A window licence of 青丝社区, accepted at the window."""
    counter = Counter(make_app(engine).test_client(), engine)
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    counter.act("wang.fang", case["id"], "Task_check_materials", {"intake_decision": "accept"})
    return {"counter": counter, "case": case}


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "").replace(" ", "").replace("\n", "")


def issued(engine: Engine, case_id: int) -> list[str]:
    with engine.store.unit_of_work(write=False) as uow:
        events = [event for event, _ in uow.events.of_case(case_id)]
    return [str(e.payload["document_id"]) for e in events if e.type == "document_issued"]


def test_the_case_page_prints_its_documents(
    console: Console, world: dict[str, Any], tmp_path: Path
) -> None:
    case = world["case"]
    case_id, number = case["id"], case["case_number"]
    desk = console.open("wang.fang", f"/cases/{case_id}")
    page = desk.page
    section = page.locator("section.case-documents")
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(3)
    assert rows.locator("th").all_inner_texts() == ["收件回执", "受理通知书", "办结通知书"]
    pending = section.locator("tr[data-kind=completion]")
    expect(pending).to_contain_text("尚未到出具环节")
    expect(pending.get_by_role("button")).to_have_count(0)

    row = section.locator("tr[data-kind=acceptance]")
    with page.expect_download() as waiting:
        row.get_by_role("button", name="下载").click()
    download = waiting.value
    assert download.suggested_filename == f"受理通知书-{number}.pdf"
    saved = tmp_path / "acceptance.pdf"
    download.save_as(saved)
    pdf = saved.read_bytes()
    text = text_of(pdf)
    assert number in text and APPLICANT["name"] in text and "受理通知书" in text
    assert f"http://127.0.0.1:5000/progress?number={number}" in text
    # The first fetch issued it: the row says so, the history has it, once.
    expect(row).to_contain_text("已出具")
    assert issued(console.engine, case_id) == ["acceptance-3"]

    # 打印: the same PDF in a new tab, at a blob: address of the console's origin.
    with page.expect_popup() as opening:
        row.get_by_role("button", name="打印").click()
    tab = opening.value
    tab.wait_for_url(re.compile("^blob:" + re.escape(console.base) + "/"))
    # Chromium's PDF viewer shows it: the page's policy (inherited by its blob:) allows it.
    assert tab.evaluate("document.contentType") == "application/pdf"
    assert issued(console.engine, case_id) == ["acceptance-3"]
    link = row.locator("a.document-link")
    expect(link).to_have_text(f"受理通知书-{number}.pdf")
    tab.close()
    desk.close()


def test_a_read_only_supervisor_sees_the_list(console: Console, world: dict[str, Any]) -> None:
    desk = console.open("sun.hong", f"/cases/{world['case']['id']}")
    rows = desk.page.locator("section.case-documents tbody tr")
    expect(rows).to_have_count(3)
    desk.close()


def test_the_progress_page_takes_the_number_from_the_qr_code(
    console: Console, world: dict[str, Any]
) -> None:
    number = world["case"]["case_number"]
    desk = console.open()
    desk.page.goto(f"{console.base}/progress?number={number}")
    expect(desk.page.locator("#number")).to_have_value(number)
    desk.close()
