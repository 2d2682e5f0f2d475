"""The reports (报表) of the supervision page in a real browser, over the data set of the
reports tests (``tests/support/reports_world.py``; the clock at Thu 10 Dec 2026 17:00):
the monthly tables downloaded as .xlsx and as CSV, the township ranking with its change
from the period before, the devolved vs proxy split (grouping by kind) and a village's
contact card. Each is compared with what the public API answers the same person.

The ranking, by satisfaction with at least 2 rated cases (hand-derived in the reports
world): November 丰乐乡 1st (not ranked in October: no change), 青丝乡 2nd (was 1st: ↓1,
0.5 − 0.5 = 持平); December both 1.0, tied 1st (青丝 ↑1, +50.0 points; 丰乐 持平).
"""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from engine import Engine, ManualClock
from tests.support.console import Console, Desk
from tests.support.databases import Databases
from tests.support.reports_world import reports_world
from tests.support.stats_world import FENGLE, QINGSI, World

NOVEMBER = "/dashboard?from=2026-11-01&to=2026-11-30"


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    with reports_world(databases) as found:
        yield found


@pytest.fixture(scope="module")
def engine(world: World) -> Engine:
    return world.engine


@pytest.fixture(scope="module")
def clock(world: World) -> ManualClock:
    return world.clock


def api(console: Console, user: str, path: str, **query: Any) -> Any:
    """GET ``/api/v1{path}`` as ``user``: the JSON body, or the bytes of a file."""
    token = console.engine.identity.issue_token(user).token
    address = f"{console.base}/api/v1{path}"
    if query:
        address += "?" + urlencode(query)
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        kind = response.headers.get("Content-Type", "")
    return json.loads(body) if kind.startswith("application/json") else body


def downloaded(desk: Desk, link: str) -> tuple[str, bytes]:
    """Click the download link: the file's suggested name and its bytes."""
    desk.page.wait_for_selector(link)
    with desk.page.expect_download() as started:
        desk.page.click(link)
    return started.value.suggested_filename, started.value.path().read_bytes()


def ranking_rows(desk: Desk) -> list[tuple[str, str, str, str, str]]:
    rows = desk.page.locator("#report-ranking tbody tr")
    return [
        (
            row.get_attribute("data-unit") or "",
            row.locator("td.rank").inner_text(),
            row.locator("td.figure").inner_text(),
            row.locator("td.move").inner_text().split("（")[0].strip(),
            row.locator("td.figure-change").inner_text().split("（")[0].strip(),
        )
        for row in rows.all()
    ]


def test_the_monthly_tables_download_as_the_api_gives_them(console: Console) -> None:
    desk = console.open("sun.hong", NOVEMBER)
    desk.ready()
    page = desk.page
    assert page.input_value("#report-month") == "2026-11"  # the page's month
    page.click(".report-monthly button[data-format='xlsx']")
    name, body = downloaded(desk, "#report-monthly-download")
    assert name == "渠县效能监督月报2026年11月.xlsx"
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["表1", "表2", "表3", "表4", "表5", "表6"]
    first = [list(r) for r in book["表1"].iter_rows(values_only=True)]
    county = api(console, "sun.hong", "/stats", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert first[-1][1] == "合计" and first[-1][2] == county["total"]["registered"] == 4
    # The CSV tables: the same bytes as the API's (the zip's entries carry a fixed date).
    page.fill("#report-month", "2026-10")
    page.click(".report-monthly button[data-format='csv']")
    name, body = downloaded(desk, "#report-monthly-download")
    assert name == "渠县效能监督月报2026年10月.zip"
    assert body == api(console, "sun.hong", "/reports/monthly", month="2026-10", format="csv")
    assert len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == 6
    # One township's tables.
    page.select_option("#report-township", FENGLE)
    page.click(".report-monthly button[data-format='xlsx']")
    name, body = downloaded(desk, "#report-monthly-download")
    assert name == "丰乐乡效能监督月报2026年10月.xlsx"
    first = [list(r) for r in load_workbook(io.BytesIO(body))["表1"].iter_rows(values_only=True)]
    assert [row[0] for row in first[3:-1]] == [FENGLE]
    desk.close()


def test_the_township_ranking_with_its_change(console: Console) -> None:
    desk = console.open("sun.hong", NOVEMBER)
    desk.ready()
    page = desk.page
    # The month's ranking at the default threshold (5): nobody has 5 ratings.
    page.wait_for_selector("#report-ranking")
    shown = api(console, "sun.hong", "/reports/ranking", period="2026-11")
    assert all(r["rank"] is None and r["few_cases"] for r in shown["rows"])
    assert page.locator("#report-ranking .few-cases").count() == len(shown["rows"])
    # At least 2 rated cases: 丰乐乡 first, 青丝乡 down one place.
    page.fill("#ranking-min", "2")
    page.click(".report-ranking button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#report-ranking tbody tr')?.dataset.rank === '1'"
    )
    desk.ready()
    shown = api(console, "sun.hong", "/reports/ranking", period="2026-11", min_cases=2)
    rows = ranking_rows(desk)
    assert [r[0] for r in rows] == [r["unit"] for r in shown["rows"]]
    assert rows[:2] == [
        (FENGLE, "第 1 名", "100.0%", "上期未排名", "—"),
        (QINGSI, "第 2 名", "50.0%", "↓1 位", "持平"),
    ]
    assert page.locator(f"#report-ranking tr[data-unit='{QINGSI}'] .few-cases").count() == 0
    # December: tied first; 青丝乡 up one place and 50 points.
    page.fill("#ranking-period", "2026-12")
    page.click(".report-ranking button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#ranking-period-line')?.textContent.includes('2026-12（')"
    )
    desk.ready()
    assert ranking_rows(desk)[:2] == [
        (QINGSI, "第 1 名", "100.0%", "↑1 位", "↑50.0 个百分点"),
        (FENGLE, "第 1 名", "100.0%", "持平", "持平"),
    ]
    desk.shoot("supervision-reports")
    assert desk.axe() == []
    # A period the API refuses: its reason beside the field.
    page.fill("#ranking-period", "2026-13")
    page.click(".report-ranking button[type=submit]")
    page.wait_for_selector("#ranking-period-error")
    assert page.get_attribute("#ranking-period", "aria-invalid") == "true"
    desk.close()


def test_devolved_and_proxy_items_side_by_side(console: Console) -> None:
    desk = console.open("sun.hong", "/dashboard?from=2026-09-01&to=2026-10-31&group_by=kind")
    desk.ready()
    page = desk.page
    shown = api(
        console, "sun.hong", "/stats", **{"from": "2026-09-01", "to": "2026-10-31"}, group_by="kind"
    )
    rows = page.locator("#group-table tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.unit)") == ["devolved", "proxy"]
    for group in shown["groups"]:
        row = page.locator(f"#group-table tr[data-unit='{group['unit']}']")
        assert row.locator("th").inner_text() == group["name"]
        registered = row.locator("td[data-figure='registered']")
        assert registered.inner_text() == str(group["figures"]["registered"])
        assert registered.locator("a").count() == 0  # the case search cannot filter by kind
    assert page.inner_text("#group-table tfoot td[data-figure='registered']") == "8"
    desk.close()


def test_contact_cards_for_the_villages_one_may(console: Console) -> None:
    # The township leader: 青丝乡's villages only, and no ranking (the supervisor's).
    desk = console.open("chen.jing", "/dashboard")
    desk.ready()
    page = desk.page
    assert page.locator("#report-ranking-title").count() == 0
    assert page.locator("#report-township").count() == 0  # its own township's tables
    page.wait_for_selector("#card-village option[value='511725201002']", state="attached")
    offered = page.locator("#card-village option").evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    assert offered and all(code.startswith(QINGSI) for code in offered)
    page.click(".report-cards button[type=submit]")  # nothing chosen: said beside the field
    page.wait_for_selector("#card-village-error")
    assert page.get_attribute("#card-village", "aria-invalid") == "true"
    page.select_option("#card-village", "511725201002")
    page.click(".report-cards button[type=submit]")
    name, body = downloaded(desk, "#report-card-download")
    assert name == "青丝乡新民村代办服务联系卡.pdf"
    assert body.startswith(b"%PDF")
    desk.shoot("supervision-contact-card")
    assert desk.axe() == []
    desk.close()
