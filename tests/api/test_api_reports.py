"""Reports (报表) over the hand-built data set of tests/support/stats_world.py, with eight
more on-the-spot cases (RS010 社保卡挂失, handled and rated at the window the same day) in
November and December for the ranking:

            青丝乡 (511725201)                  丰乐乡 (511725202)
October     A very satisfied, B dissatisfied    no ratings
            (stats world): 1 / 2 = 0.5
Tue 10 Nov  q1 very satisfied, q2 very          f1, f2 very satisfied: 2 / 2 = 1.0
            dissatisfied: 1 / 2 = 0.5
Thu 10 Dec  q3 very satisfied, q4 satisfied:    f3, f4 very satisfied: 2 / 2 = 1.0
            2 / 2 = 1.0

With at least 2 rated cases to be ranked: October 青丝 1st, 丰乐 not ranked (no rating);
November 丰乐 1st, 青丝 2nd (was 1st: −1, figure 0.5 − 0.5 = 0); December both 1.0, tied
1st (青丝 +1, +0.5; 丰乐 0, 0). The other townships have no ratings: listed, not ranked.

The monthly tables and the devolved/proxy split are checked against ``/api/v1/stats``
for the same month and grouping.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from engine import Engine
from engine.reports import TABLES
from tests.support.databases import Databases
from tests.support.stats_world import FENGLE, QINGSI, Desk, World, local, stats_world
from webapi.cli import main

API = "/api/v1"
PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _on_the_spot(desk: Desk, user: str, village: str, level: int) -> int:
    case_id = desk.register(user, "RS010", village, "township_window")
    desk.do(case_id, "Task_check_materials", user, intake_decision="accept")
    desk.do(case_id, "Task_on_the_spot", user)
    desk.do(case_id, "Task_prepare_result", user, delivery_mode="window")
    desk.do(case_id, "Task_window_pickup", user)
    desk.rate(case_id, level, *(("slow",) if level <= 2 else ()))  # a bad one names a reason
    return case_id


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        desk = Desk(found.engine, found.clock, found.catalogue)
        for day, levels in (("2026-11-10", ((5, 1), (5, 5))), ("2026-12-10", ((5, 4), (5, 5)))):
            desk.at(f"{day} 09:00")
            for level in levels[0]:
                _on_the_spot(desk, "wang.fang", "511725201002", level)
            for level in levels[1]:
                _on_the_spot(desk, "pan.hong", "511725202001", level)
        found.clock.set(local("2026-12-10 17:00"))
        yield found


@pytest.fixture(scope="module")
def engine(world: World) -> Engine:
    return world.engine


def get(client: FlaskClient, tokens: dict[str, str], user: str, path: str) -> TestResponse:
    return client.get(f"{API}{path}", headers={"Authorization": f"Bearer {tokens[user]}"})


def stats(client: FlaskClient, tokens: dict[str, str], query: str, user: str = "sun.hong") -> Any:
    response = get(client, tokens, user, f"/stats?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ranking(client: FlaskClient, tokens: dict[str, str], query: str) -> list[dict[str, Any]]:
    response = get(client, tokens, "sun.hong", f"/reports/ranking?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["rows"]


def ranked(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(unit, rank, figure, cases, previous rank, rank change, figure change) of the
    ranked rows and of those with a figure."""
    return [
        (
            r["unit"],
            r["rank"],
            r["figure"],
            r["cases"],
            r["previous_rank"],
            r["rank_change"],
            r["figure_change"],
        )
        for r in rows
        if r["figure"] is not None
    ]


# -- ranking --------------------------------------------------------------------------


def test_ranking_by_satisfaction_with_the_change_from_the_month_before(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    october = ranking(client, tokens, "period=2026-10&min_cases=2")
    # September: 青丝 D basic, 1 / 1 = 1.0 but one rated case: not ranked, so no rank
    # change; the figure's change is still shown (0.5 − 1.0).
    assert ranked(october) == [(QINGSI, 1, 0.5, 2, None, None, -0.5)]
    november = ranking(client, tokens, "period=2026-11&min_cases=2")
    assert ranked(november) == [
        (FENGLE, 1, 1.0, 2, None, None, None),  # not ranked in October: no change
        (QINGSI, 2, 0.5, 2, 1, -1, 0.0),
    ]
    december = ranking(client, tokens, "period=2026-12&min_cases=2")
    assert ranked(december) == [  # tied: both 1st, by code
        (QINGSI, 1, 1.0, 2, 2, 1, 0.5),
        (FENGLE, 1, 1.0, 2, 1, 0, 0.0),
    ]
    # Every other township is listed after, without a rank, flagged.
    rest = december[2:]
    assert rest and all(r["rank"] is None and r["few_cases"] and r["cases"] == 0 for r in rest)
    assert [r["unit"] for r in rest] == sorted(r["unit"] for r in rest)


def test_a_tie_takes_up_the_ranks_it_shares(client: FlaskClient, tokens: dict[str, str]) -> None:
    """The fourth quarter: 青丝 A, B, q1–q4 = 4 satisfied of 6 (0.6667); 丰乐 f1–f4 = 1.0.
    On-time rate, December: every case on the spot, on time: 1.0 both, tied 1st."""
    quarter = ranking(client, tokens, "period=2026-Q4&min_cases=2")
    assert ranked(quarter)[:2] == [
        (FENGLE, 1, 1.0, 4, None, None, None),  # Q3: nothing rated in 丰乐
        (QINGSI, 2, 0.6667, 6, None, None, -0.3333),  # Q3: D basic, 1 / 1, not ranked
    ]
    on_time = ranking(client, tokens, "period=2026-12&measure=on_time&min_cases=2")
    assert [(r[0], r[1], r[2], r[3]) for r in ranked(on_time)] == [
        (QINGSI, 1, 1.0, 2),
        (FENGLE, 1, 1.0, 2),
    ]


def test_too_few_cases_are_listed_but_not_ranked(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    rows = ranking(client, tokens, "period=2026-12")  # the default: at least 5
    assert all(r["rank"] is None for r in rows)
    shown = {r["unit"]: r for r in rows}
    assert shown[QINGSI]["few_cases"] and shown[QINGSI]["figure"] == 1.0
    assert shown[QINGSI]["cases"] == 2


def test_the_ranking_is_the_supervisor_s(client: FlaskClient, tokens: dict[str, str]) -> None:
    for user in ("chen.jing", "lin.tao"):
        response = get(client, tokens, user, "/reports/ranking?period=2026-11")
        assert response.status_code == 403 and response.mimetype == PROBLEM
        assert response.get_json()["code"] == "forbidden"
    bad = get(client, tokens, "sun.hong", "/reports/ranking?period=2026-13&measure=speed")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"period", "measure"}


# -- the monthly tables -----------------------------------------------------------------


def monthly(
    client: FlaskClient, tokens: dict[str, str], query: str, user: str = "sun.hong"
) -> TestResponse:
    return get(client, tokens, user, f"/reports/monthly?{query}")


def test_the_monthly_workbook_equals_the_stats_of_the_month(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    response = monthly(client, tokens, "month=2026-10&format=xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == XLSX
    name = quote("渠县效能监督月报2026年10月.xlsx")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"monthly-2026-10.xlsx\"; filename*=UTF-8''{name}"
    )
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["表1", "表2", "表3", "表4", "表5", "表6"]
    for spec in TABLES:
        sheet = book[f"表{spec.number}"]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == f"表{spec.number} {spec.title}"
        assert "2026-10-01 至 2026-10-31" in rows[1][0]
        assert sheet.freeze_panes == "C4"
        shown = stats(client, tokens, f"from=2026-10-01&to=2026-10-31&group_by={spec.group_by}")
        assert len(rows[2]) == 2 + len(spec.figures)
        assert rows[-1][1] == "合计"
        assert rows[-1][2:] == [shown["total"][code] for code in spec.figures], spec.title
        assert [row[:2] for row in rows[3:-1]] == [[g["unit"], g["name"]] for g in shown["groups"]]
        assert [row[2:] for row in rows[3:-1]] == [
            [g["figures"][code] for code in spec.figures] for g in shown["groups"]
        ]
    first = [list(r) for r in book["表1"].iter_rows(values_only=True)]
    assert first[2][:4] == ["编码", "乡镇", "收件数（件）", "受理数（件）"]
    by_township = {row[0]: row for row in first[3:-1]}
    # October: 青丝 completed A (on time) and B (late); 丰乐 nothing; ratings 2, 0.
    assert by_township[QINGSI][4] == 2 and by_township[QINGSI][5] == 0.5
    assert book["表1"].cell(row=4, column=6).number_format == "0.00%"


def test_the_csv_tables_parse_and_add_up(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = monthly(client, tokens, "month=2026-11&format=csv")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names == [f"表{s.number}_{s.title}.csv" for s in TABLES]
    for spec, name in zip(TABLES, names, strict=True):
        raw = archive.read(name)
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        shown = stats(client, tokens, f"from=2026-11-01&to=2026-11-30&group_by={spec.group_by}")
        assert rows[-1][1] == "合计"
        assert rows[-1][2:] == [_csv(shown["total"][code], code) for code in spec.figures]
    kinds = list(csv.reader(io.StringIO(archive.read(names[5]).decode("utf-8-sig"))))
    # November: the four RS010 cases, devolved; nothing of the proxy items.
    assert kinds[0][:3] == ["编码", "事项类别", "收件数（件）"]
    assert [row[:3] for row in kinds[1:]] == [
        ["devolved", "下放乡镇管理事项", "4"],
        ["proxy", "下放代办服务职权", "0"],
        ["", "合计", "4"],
    ]


def _csv(value: Any, code: str) -> str:
    if value is None:
        return ""
    return f"{value * 100:.2f}" if code.endswith(("_rate", "_share")) else str(value)


def test_a_township_leader_gets_its_own_township(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    response = monthly(client, tokens, "month=2026-10", user="chen.jing")
    assert response.status_code == 200, response.get_json()
    book = load_workbook(io.BytesIO(response.data))
    first = [list(r) for r in book["表1"].iter_rows(values_only=True)]
    assert [row[0] for row in first[3:-1]] == [QINGSI]
    assert "填报单位：青丝乡" in first[1][0]
    villages = [list(r) for r in book["表3"].iter_rows(values_only=True)][3:-1]
    assert villages and all(str(row[0]).startswith(QINGSI) for row in villages)
    own = monthly(client, tokens, f"month=2026-10&township={QINGSI}", user="chen.jing")
    assert own.status_code == 200
    other = monthly(client, tokens, f"month=2026-10&township={FENGLE}", user="chen.jing")
    assert other.status_code == 404 and other.get_json()["code"] == "not_found"
    supervisor = monthly(client, tokens, f"month=2026-10&township={FENGLE}")
    assert supervisor.status_code == 200
    assert quote("丰乐乡效能监督月报2026年10月.xlsx") in supervisor.headers["Content-Disposition"]


def test_designers_are_refused_and_bad_months_listed(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    refused = monthly(client, tokens, "month=2026-10", user="lin.tao")
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    bad = monthly(client, tokens, "month=2026-Q4&format=pdf")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"month", "format"}


# -- devolved vs proxy -------------------------------------------------------------------


def test_stats_grouped_by_item_kind(client: FlaskClient, tokens: dict[str, str]) -> None:
    """September-October: MZ004 (a proxy item) A, E, F; ZF002 and RS010 (devolved) B, C,
    D, G, H. Of the proxy item's cases, A and F came through an agent."""
    shown = stats(client, tokens, "from=2026-09-01&to=2026-10-31&group_by=kind")
    assert shown["group_by_name"] == "事项类别（下放/代办）"
    groups = {g["unit"]: g for g in shown["groups"]}
    assert list(groups) == ["devolved", "proxy"]
    assert groups["proxy"]["name"] == "下放代办服务职权"
    assert groups["proxy"]["figures"]["registered"] == 3
    assert groups["proxy"]["figures"]["proxy_cases"] == 2
    assert groups["devolved"]["figures"]["registered"] == 5
    assert shown["total"]["registered"] == 8
    assert shown["total"]["ledger_recorded"] is None  # the ledger knows no items
    # Every case falls in one kind: the kinds add up to the county, step-level overdue and
    # warnings (counted by the database) included.
    county = stats(client, tokens, "from=2026-09-01&to=2026-10-31")["total"]
    ledger = ("ledger_recorded", "ledger_resolved", "ledger_resolution_rate")
    assert {k: v for k, v in shown["total"].items() if k not in ledger} == {
        k: v for k, v in county.items() if k not in ledger
    }
    assert (
        groups["devolved"]["figures"]["red_warnings"] + groups["proxy"]["figures"]["red_warnings"]
        == county["red_warnings"]
        > 0
    )


# -- the contact card (联系卡) -----------------------------------------------------------


def card(client: FlaskClient, tokens: dict[str, str], user: str, village: str) -> TestResponse:
    return get(client, tokens, user, f"/reports/contact-cards/{village}.pdf")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    found = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return re.sub(r"[ \u00a0]+", " ", found.stdout)


def test_the_contact_card_lists_the_agents_phones_and_items(
    client: FlaskClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    """新民村 (demo org): agents 邓明 13908182021 (stand-in 李桂华) and 李桂华 13908182022;
    青丝乡's window phones 0818-7451201 (王芳), 0818-7451202; the supervisor's 0818-7321001.
    Its residents' devolved cases in the last year: RS010 (D, q1-q4)."""
    response = card(client, tokens, "sun.hong", "511725201002")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    name = quote("青丝乡新民村代办服务联系卡.pdf")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"contact-card-511725201002.pdf\"; filename*=UTF-8''{name}"
    )
    text = pdf_text(response.data, tmp_path)
    for expected in (
        "代办服务联系卡",
        "渠县青丝乡新民村",
        "邓明 13908182021 李桂华 13908182022",
        "李桂华 13908182022 邓明 13908182021",
        "0818-7451201",
        "12345",
        "0818-7321001",
        "80周岁以上老年人高龄津贴发放",  # a proxy power (MZ004)
        "本村群众常办的其他事项：社会保障卡挂失",
        "第1页共1页",  # one page
    ):
        assert expected in text, expected


def test_the_contact_card_is_scoped(client: FlaskClient, tokens: dict[str, str]) -> None:
    own, other = "511725201001", "511725202001"  # 青丝社区, 丰乐社区
    assert card(client, tokens, "tan.xiaoyan", own).status_code == 200  # its own village
    assert card(client, tokens, "chen.jing", own).status_code == 200  # its township's
    for user, village in (
        ("tan.xiaoyan", "511725201002"),
        ("chen.jing", other),
        ("sun.hong", "511725201999"),  # no such village
        ("sun.hong", QINGSI),  # a township, not a village
    ):
        response = card(client, tokens, user, village)
        assert response.status_code == 404, (user, village)
        assert response.get_json()["code"] == "not_found"
    refused = card(client, tokens, "lin.tao", own)
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"


# -- the command line ------------------------------------------------------------------


def _cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_daiban_report_writes_what_the_api_answers(
    world: World,
    client: FlaskClient,
    tokens: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command line reads the database with the system clock, later than the periods
    asked for here (October, November), so it sees what the API sees."""
    db = ["--database-url", world.engine.store.url, "report"]
    out = tmp_path / "monthly.xlsx"
    assert main([*db, "monthly", "--month", "2026-10", "--out", str(out)]) == 0
    assert "渠县效能监督月报2026年10月：6 张表" in capsys.readouterr().out
    shown = monthly(client, tokens, "month=2026-10")
    assert _cells(out.read_bytes()) == _cells(shown.data)
    zipped = tmp_path / "monthly.zip"
    assert (
        main([*db, "monthly", "--month", "2026-10", "--format", "csv", "--out", str(zipped)]) == 0
    )
    api_zip = monthly(client, tokens, "month=2026-10&format=csv").data
    assert zipped.read_bytes() == api_zip  # fixed entry dates: the same bytes
    capsys.readouterr()
    assert main([*db, "ranking", "--period", "2026-11", "--min-cases", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["rows"] == ranking(client, tokens, "period=2026-11&min_cases=2")
    assert main([*db, "ranking", "--period", "2026-11", "--min-cases", "2"]) == 0
    text = capsys.readouterr().out
    assert "第1名 丰乐乡（511725202）满意率 100.00%（2 件）" in text
    assert "第2名 青丝乡（511725201）满意率 50.00%（2 件）  上期 第1名  名次变化 -1" in text
    card_file = tmp_path / "card.pdf"
    assert main([*db, "contact-card", "--village", "511725201002", "--out", str(card_file)]) == 0
    assert "邓明 13908182021" in pdf_text(card_file.read_bytes(), tmp_path)
    assert main([*db, "contact-card", "--village", QINGSI, "--out", str(card_file)]) == 2
    assert (
        main([*db, "monthly", "--month", "2026-10", "--township", "5117252", "--out", str(out)])
        == 2
    )
    with pytest.raises(SystemExit):
        main([*db, "ranking", "--period", "2026-13"])
    assert "统计期应为" in capsys.readouterr().err
