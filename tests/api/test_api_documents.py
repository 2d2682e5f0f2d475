"""Documents (文书) through the API: the list of a case's documents as it moves, the PDF
issued on first download and recorded in the history with its SHA-256, the same bytes on
every later download, scoped like the case, and ``verify`` catching a changed file."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pypdf
import pytest
from werkzeug.test import TestResponse

from engine import DirectoryStore, ManualClock
from tests.support.databases import Deployed
from tests.support.walks import (
    APPLICANT,
    PROXY_ITEM,
    QINGSI_COMMUNITY,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def documents(counter: Counter, user: str, case_id: int) -> list[dict[str, Any]]:
    response = counter.get(user, f"/api/v1/cases/{case_id}/documents")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["case_id"] == case_id
    listed: list[dict[str, Any]] = body["documents"]
    return listed


def download(counter: Counter, user: str, case_id: int, document_id: str) -> TestResponse:
    return counter.get(user, f"/api/v1/cases/{case_id}/documents/{document_id}")


def text_of(pdf: bytes) -> str:
    """The PDF's text, without spaces. pypdf reads the two-byte codes of fpdf2's embedded
    CMap as pairs of one-byte codes, the first a NUL: those are dropped too."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "").replace(" ", "").replace("\n", "")


def issued_events(counter: Counter, case_id: int) -> list[dict[str, Any]]:
    with counter.engine.store.unit_of_work(write=False) as uow:
        events = [event for event, _ in uow.events.of_case(case_id)]
    return [
        {"seq": e.seq, "actor": e.actor, **e.payload} for e in events if e.type == "document_issued"
    ]


def accepted_window_case(counter: Counter) -> dict[str, Any]:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    counter.act("wang.fang", case["id"], "Task_check_materials", {"intake_decision": "accept"})
    return case


def test_the_acceptance_notice_is_issued_once_and_served_the_same(
    counter: Counter, clock: ManualClock
) -> None:
    at(clock, "2026-09-24")
    case = accepted_window_case(counter)
    case_id, number = case["id"], case["case_number"]
    listed = documents(counter, "wang.fang", case_id)
    by_kind = {d["kind"]: d for d in listed}
    assert [d["kind"] for d in listed] == ["receipt", "acceptance", "completion"]
    acceptance = by_kind["acceptance"]
    assert acceptance["title"] == "受理通知书" and acceptance["available"] is True
    assert acceptance["document_id"] == "acceptance-3" and acceptance["issued"] is None
    assert by_kind["completion"] == {
        "kind": "completion",
        "title": "办结通知书",
        "document_id": None,
        "available": False,
        "issued": None,
    }

    first = download(counter, "wang.fang", case_id, "acceptance-3")
    assert first.status_code == 200, first.get_json()
    assert first.mimetype == "application/pdf"
    pdf = first.get_data()
    assert pdf.startswith(b"%PDF-")
    name = f"受理通知书-{number}.pdf"
    assert first.headers["Content-Disposition"] == (
        f"inline; filename=\"acceptance-3.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    [event] = issued_events(counter, case_id)
    digest = event["files"][0]["sha256"]
    assert event == {
        "seq": 4,
        "actor": "wang.fang",
        "kind": "acceptance",
        "document_id": "acceptance-3",
        "files": [{"sha256": digest, "name": name, "size": len(pdf)}],
    }
    assert first.headers["ETag"] == f'"{digest}"'
    assert counter.engine.files.get(digest) == pdf

    text = text_of(pdf)
    for expected in (number, APPLICANT["name"], WINDOW_ITEM.name, "受理通知书", "盖章处"):
        assert expected in text, expected
    assert "110105********002X" in text and APPLICANT["id_number"] not in text
    assert f"http://127.0.0.1:5000/progress?number={number}" in text
    due = counter.case("wang.fang", case_id)["due_date"]  # 2026-09-30
    assert "2026年9月30日" in text and due == "2026-09-30"

    # Later: the same bytes, no new event, whoever asks (the window's B post too).
    at(clock, "2026-10-09")
    again = download(counter, "liu.yang", case_id, "acceptance-3")
    assert again.status_code == 200 and again.get_data() == pdf
    assert len(issued_events(counter, case_id)) == 1
    issued = {d["kind"]: d for d in documents(counter, "wang.fang", case_id)}["acceptance"]
    assert issued["issued"] == {
        "at": "2026-09-24T09:00:00+08:00",
        "by": "wang.fang",
        "by_name": counter.engine.org.users["wang.fang"].name,
        "seq": 4,
        "sha256": digest,
        "name": name,
        "size": len(pdf),
    }
    # The history names the event.
    history = counter.get("wang.fang", f"/api/v1/cases/{case_id}/history").get_json()
    assert history["events"][3]["type_name"] == "出具文书"
    counter.done[case_id].append(("document_issued", "wang.fang", ""))
    counter.check_history(case_id)


def test_rendering_again_gives_the_same_bytes(counter: Counter) -> None:
    case = accepted_window_case(counter)
    pdf = download(counter, "wang.fang", case["id"], "acceptance-3").get_data()
    service = counter.engine.documents
    assert service.render(case["id"], "acceptance-3") == pdf
    assert service.render(case["id"], "receipt-1") == service.render(case["id"], "receipt-1")


def test_a_supplement_notice_lists_exactly_the_missing_materials(counter: Counter) -> None:
    case = counter.register("wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window")
    case_id = case["id"]
    missing = "户口簿（原件）、居住证明；身份证复印件"
    counter.act(
        "wang.fang",
        case_id,
        "Task_check_materials",
        {"intake_decision": "supplement", "missing_materials": missing},
    )
    listed = documents(counter, "wang.fang", case_id)
    assert [d["document_id"] for d in listed if d["available"]] == ["receipt-1", "supplement-3"]
    response = download(counter, "wang.fang", case_id, "supplement-3")
    assert response.status_code == 200, response.get_json()
    text = text_of(response.get_data())
    assert "1户口簿（原件）2居住证明3身份证复印件" in text
    assert "4" not in text.split("身份证复印件")[1][:2]  # nothing listed after them
    assert "一次告知需要补正的全部材料" in text or "一次性告知" in text


def test_a_refusal_notice_gives_the_reasons_and_the_appeal_routes(counter: Counter) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    reason = "申请设置的摊点位于消防通道，不符合设置条件"
    counter.act(
        "wang.fang",
        case["id"],
        "Task_check_materials",
        {"intake_decision": "refuse", "refuse_reason": reason},
    )
    kinds = [d["kind"] for d in documents(counter, "wang.fang", case["id"])]
    assert kinds == ["receipt", "refusal"]  # no acceptance or completion to come
    text = text_of(download(counter, "wang.fang", case["id"], "refusal-3").get_data())
    assert reason in text
    assert "六十日内向渠县人民政府申请行政复议" in text
    assert "六个月内直接向渠县人民法院提起行政诉讼" in text


def test_a_proxy_case_has_the_entrustment_and_the_handover(counter: Counter) -> None:
    case = counter.register("tan.xiaoyan", PROXY_ITEM, QINGSI_COMMUNITY, "village_point")
    case_id = case["id"]
    kinds = [(d["kind"], d["available"]) for d in documents(counter, "tan.xiaoyan", case_id)]
    assert kinds[:2] == [("receipt", True), ("entrustment", True)]
    assert ("handover", False) in kinds
    text = text_of(download(counter, "tan.xiaoyan", case_id, "entrustment-1").get_data())
    assert "委托人签字" in text and APPLICANT["name"] in text
    assert counter.engine.org.users["tan.xiaoyan"].name in text


def test_scope_and_unknown_documents(counter: Counter) -> None:
    case = accepted_window_case(counter)
    case_id = case["id"]
    for outsider in ("pan.hong", "cai.ping"):  # another township, another department
        for path in ("documents", "documents/acceptance-3"):
            response = counter.get(outsider, f"/api/v1/cases/{case_id}/{path}")
            assert response.status_code == 404, (outsider, path)
            assert response.mimetype == "application/problem+json"
    for unknown in ("acceptance-2", "completion-3", "nothing", "receipt-0", "refusal-3"):
        response = download(counter, "wang.fang", case_id, unknown)
        assert response.status_code == 404, unknown
        assert response.get_json()["code"] == "not_found"
        assert response.get_json()["detail"] == "没有这份文书"
    assert issued_events(counter, case_id) == []
    missing = counter.get("wang.fang", "/api/v1/cases/999999/documents")
    assert missing.status_code == 404


def test_verify_finds_a_document_whose_bytes_were_changed(
    counter: Counter, clock: ManualClock
) -> None:
    # A day no other test registers on: the test engines share one file store, and this
    # document's bytes (so its file) are this test's alone.
    at(clock, "2026-11-03")
    case = accepted_window_case(counter)
    case_id = case["id"]
    pdf = download(counter, "wang.fang", case_id, "acceptance-3").get_data()
    verified = counter.get("wang.fang", f"/api/v1/cases/{case_id}/verify").get_json()
    assert verified["ok"] is True
    [event] = issued_events(counter, case_id)
    store = counter.engine.files
    assert isinstance(store, DirectoryStore)
    path = store.path(event["files"][0]["sha256"])
    path.write_bytes(pdf + b"\n% changed\n")

    report = counter.get("wang.fang", f"/api/v1/cases/{case_id}/verify").get_json()
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "seq": 4,
            "message": f"文件“{event['files'][0]['name']}”的内容被改动（与记录的 SHA-256 不符）",
        }
    ]
    # The changed file is never handed out as the document.
    refused = download(counter, "wang.fang", case_id, "acceptance-3")
    assert refused.status_code == 503 and refused.get_json()["code"] == "service_unavailable"
    path.write_bytes(pdf)  # put back: the store is shared by the tests' engines
    assert counter.get("wang.fang", f"/api/v1/cases/{case_id}/verify").get_json()["ok"] is True
