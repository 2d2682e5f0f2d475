"""Scanned materials (材料附件) over HTTP: multipart upload, the list, the download, the
limits and refusals, who sees what, and the history's record that ``verify`` checks."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from engine import DirectoryStore, Engine
from tests.api.test_api_cases import PROXY_ITEM, register
from tests.support.api import Tokens, make_app, shared_app, shared_tokens
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import LIBRARY
from tests.support.scans import (
    EXE,
    GPS_IFD,
    HTML,
    jpeg_with_gps,
    noisy_png,
    pdf_with_metadata,
    png_with_gps,
)
from tests.support.servers import served
from webapi.headers import QuietRequestHandler

clock, engine = module_engine(LIBRARY)

AGENT = "tan.xiaoyan"  # village agent of 511725201001, where the cases are registered
MATERIAL = PROXY_ITEM.materials[0].name
_seeds = count(9_100)


def seed() -> int:
    """Bytes of this module's own: the test file store is shared and content-addressed."""
    return next(_seeds)


@pytest.fixture(scope="module")
def case_id(shared_client: FlaskClient, shared_tokens_: Tokens) -> int:
    return int(register(shared_client, shared_tokens_, AGENT)["id"])


@pytest.fixture(scope="module")
def shared_client(engine: Engine, databases: Databases) -> FlaskClient:
    return shared_app(databases, engine).test_client()


@pytest.fixture(scope="module")
def shared_tokens_(engine: Engine, databases: Databases) -> Tokens:
    return shared_tokens(databases, engine)


def upload(
    client: FlaskClient,
    tokens: Tokens,
    case: int,
    data: bytes,
    *,
    user: str = AGENT,
    name: str = "scan.jpg",
    content_type: str = "image/jpeg",
    material: str = MATERIAL,
    note: str | None = None,
) -> Any:
    file = FileStorage(io.BytesIO(data), filename=name, content_type=content_type)
    form: dict[str, Any] = {"material": material, "file": file}
    if note is not None:
        form["note"] = note
    # encoded here in memory: the test client would spool a large body to a file it
    # never closes
    boundary, body = encode_multipart(MultiDict(form))
    return client.post(
        f"/api/v1/cases/{case}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=tokens.headers(user),
    )


def test_a_png_is_stored_without_its_exif_and_downloads_as_stored(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int, engine: Engine
) -> None:
    sent = png_with_gps(seed())
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)
    # a PNG named and sent as a PDF is a PNG: the content decides
    answer = upload(
        shared_client,
        shared_tokens_,
        case_id,
        sent,
        name="证件.pdf",
        content_type="application/pdf",
        note="正反面",
    )
    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["media_type"] == "image/png" and shown["material"] == MATERIAL
    assert shown["name"] == f"{MATERIAL}-{shown['id']}.png" and shown["note"] == "正反面"
    assert shown["added_by"] == AGENT and shown["added_by_name"] == "谭晓燕"

    got = shared_client.get(shown["href"], headers=shared_tokens_.headers(AGENT))
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert hashlib.sha256(got.data).hexdigest() == shown["sha256"]
    assert engine.files.get(shown["sha256"]) == got.data and len(got.data) == shown["size"]
    assert got.headers["ETag"] == f'"{shown["sha256"]}"'
    cleaned = Image.open(io.BytesIO(got.data))
    assert not cleaned.getexif() and "exif" not in cleaned.info
    assert cleaned.size == (60, 40)

    listed = shared_client.get(
        f"/api/v1/cases/{case_id}/attachments", headers=shared_tokens_.headers(AGENT)
    ).get_json()
    assert shown in listed["items"]
    assert MATERIAL in listed["materials"] and "办结单" in listed["materials"]
    assert listed["may_attach"] is True and listed["max_bytes"] == 10 * 1024 * 1024


def test_a_jpeg_is_turned_upright_and_loses_its_gps(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int
) -> None:
    sent = jpeg_with_gps(seed(), orientation=6)  # taken turned: 60×40 stored, 40×60 seen
    answer = upload(shared_client, shared_tokens_, case_id, sent)
    assert answer.status_code == 201, answer.get_json()
    got = shared_client.get(answer.get_json()["href"], headers=shared_tokens_.headers(AGENT))
    cleaned = Image.open(io.BytesIO(got.data))
    assert cleaned.format == "JPEG" and cleaned.size == (40, 60)
    assert not cleaned.getexif() and "exif" not in cleaned.info


def test_a_pdf_named_jpg_is_a_pdf_without_its_document_information(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int
) -> None:
    answer = upload(shared_client, shared_tokens_, case_id, pdf_with_metadata(seed()))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["media_type"] == "application/pdf"
    got = shared_client.get(answer.get_json()["href"], headers=shared_tokens_.headers(AGENT))
    assert got.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(got.data))
    assert reader.metadata is None and "/Metadata" not in reader.trailer["/Root"]
    assert len(reader.pages) == 1 and "张三".encode("utf-16-be") not in got.data


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (HTML, 415, "unsupported_file_type"),
        (EXE, 415, "unsupported_file_type"),
        (b"just some text, called scan.jpg", 415, "unsupported_file_type"),
        (png_with_gps(1)[:120], 422, "unreadable_file"),
        (b"%PDF-1.4\n1 0 obj broken", 422, "unreadable_file"),
        (pdf_with_metadata(2, javascript=True), 422, "unreadable_file"),
        (pdf_with_metadata(3, password="1234"), 422, "unreadable_file"),
    ],
    ids=["html", "exe", "text", "damaged-png", "damaged-pdf", "javascript-pdf", "encrypted-pdf"],
)
def test_what_is_not_a_clean_scan_is_refused_with_a_reason(
    shared_client: FlaskClient,
    shared_tokens_: Tokens,
    case_id: int,
    data: bytes,
    status: int,
    code: str,
) -> None:
    answer = upload(shared_client, shared_tokens_, case_id, data)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["code"] == code and not problem["detail"].isascii()


def test_the_same_file_again_is_the_attachment_already_there(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int, engine: Engine
) -> None:
    sent = png_with_gps(seed())
    first = upload(shared_client, shared_tokens_, case_id, sent)
    events = engine.audit.history(case_id)[1]
    again = upload(shared_client, shared_tokens_, case_id, sent)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(engine.audit.history(case_id)[1]) == len(events)


def test_the_history_records_the_file_and_verify_passes(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int, engine: Engine
) -> None:
    shown = upload(shared_client, shared_tokens_, case_id, png_with_gps(seed())).get_json()
    history = shared_client.get(
        f"/api/v1/cases/{case_id}/history", headers=shared_tokens_.headers(AGENT)
    ).get_json()
    event = next(e for e in history["events"] if e["seq"] == shown["id"])
    assert event["type"] == "attachment_added"
    assert event["data"]["files"] == [
        {"sha256": shown["sha256"], "name": shown["name"], "size": shown["size"]}
    ]
    assert event["data"]["material"] == MATERIAL
    assert engine.audit.verify(case_id).ok


def test_material_and_file_are_checked(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int
) -> None:
    wrong = upload(shared_client, shared_tokens_, case_id, png_with_gps(seed()), material="菜谱")
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["material"]
    missing = shared_client.post(
        f"/api/v1/cases/{case_id}/attachments",
        data={"material": MATERIAL},
        content_type="multipart/form-data",
        headers=shared_tokens_.headers(AGENT),
    )
    assert missing.status_code == 422
    assert "file" in {e["field"] for e in missing.get_json()["errors"]}
    as_json = shared_client.post(
        f"/api/v1/cases/{case_id}/attachments",
        json={"material": MATERIAL},
        headers=shared_tokens_.headers(AGENT),
    )
    assert as_json.status_code in (415, 422) and as_json.mimetype == "application/problem+json"


def test_a_file_past_the_general_body_limit_but_within_its_own_is_taken(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int
) -> None:
    big = noisy_png(seed(), (800, 600))  # about 1.4 MB: over the 1 MiB of other requests
    assert len(big) > 1024 * 1024
    answer = upload(shared_client, shared_tokens_, case_id, big)
    assert answer.status_code == 201, answer.get_json()


def test_past_the_attachment_limit_is_413_problem(engine: Engine) -> None:
    app: Flask = make_app(engine, ATTACHMENT_MAX_BYTES=200_000)
    client, tokens = app.test_client(), Tokens(engine)
    case = int(register(client, tokens, AGENT)["id"])
    just_over = noisy_png(seed(), (120, 200))  # ~72 KB
    app.config["ATTACHMENT_MAX_BYTES"] = len(just_over) - 1  # body within the allowance
    answer = upload(client, tokens, case, just_over)
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "payload_too_large"
    assert str(len(just_over) - 1) in answer.get_json()["detail"]
    app.config["ATTACHMENT_MAX_BYTES"] = 1000  # the body itself is over limit + allowance
    far_over = upload(client, tokens, case, noisy_png(seed(), (200, 200)))
    assert far_over.status_code == 413 and far_over.get_json()["code"] == "payload_too_large"
    assert engine.attachments.list(case) == []


def test_scope_and_who_sees_the_scans(
    shared_client: FlaskClient, shared_tokens_: Tokens, case_id: int
) -> None:
    shown = upload(shared_client, shared_tokens_, case_id, png_with_gps(seed())).get_json()
    base = f"/api/v1/cases/{case_id}/attachments"
    # another village's agent: the case does not exist for it
    other = "deng.ming"
    assert shared_client.get(base, headers=shared_tokens_.headers(other)).status_code == 404
    assert (
        shared_client.get(shown["href"], headers=shared_tokens_.headers(other)).status_code == 404
    )
    refused = upload(shared_client, shared_tokens_, case_id, png_with_gps(seed()), user=other)
    assert refused.status_code == 404
    # the township's window acts on the case: sees and opens the scans
    window = shared_client.get(shown["href"], headers=shared_tokens_.headers("wang.fang"))
    assert window.status_code == 200
    # the county's supervisor sees the list without names, notes or links, opens nothing
    listed = shared_client.get(base, headers=shared_tokens_.headers("sun.hong")).get_json()
    mine = next(item for item in listed["items"] if item["id"] == shown["id"])
    assert mine["withheld"] is True and mine["href"] is None
    assert mine["name"] == shown["name"]  # composed by the server: nothing of the resident's
    assert mine["sha256"] == shown["sha256"] and listed["may_attach"] is False
    opened = shared_client.get(shown["href"], headers=shared_tokens_.headers("sun.hong"))
    assert opened.status_code == 403 and opened.mimetype == "application/problem+json"
    assert "个人材料" in opened.get_json()["detail"]
    sent = upload(shared_client, shared_tokens_, case_id, png_with_gps(seed()), user="sun.hong")
    assert sent.status_code == 403 and sent.get_json()["code"] == "read_only"
    # no such attachment, no such case
    assert (
        shared_client.get(base + "/99999", headers=shared_tokens_.headers(AGENT)).status_code == 404
    )
    assert (
        shared_client.get("/api/v1/cases/99999/attachments", headers=shared_tokens_.headers(AGENT))
    ).status_code == 404


def test_a_cancelled_case_takes_no_more_scans(
    shared_client: FlaskClient, shared_tokens_: Tokens
) -> None:
    case = int(register(shared_client, shared_tokens_, AGENT)["id"])
    cancelled = shared_client.post(
        f"/api/v1/cases/{case}/cancel",
        json={"reason": "申请人撤回"},
        headers=shared_tokens_.headers(AGENT),
    )
    assert cancelled.status_code == 200
    answer = upload(shared_client, shared_tokens_, case, png_with_gps(seed()))
    assert answer.status_code == 409 and answer.get_json()["code"] == "invalid_state"
    proof = upload(shared_client, shared_tokens_, case, png_with_gps(seed()), material="办结单")
    assert proof.status_code == 409
    listed = shared_client.get(
        f"/api/v1/cases/{case}/attachments", headers=shared_tokens_.headers(AGENT)
    ).get_json()
    assert listed["materials"] == [] and listed["may_attach"] is False


def test_verify_detects_a_scan_replaced_or_removed_on_disk(
    shared_client: FlaskClient, shared_tokens_: Tokens, engine: Engine
) -> None:
    case = int(register(shared_client, shared_tokens_, AGENT)["id"])
    shown = upload(shared_client, shared_tokens_, case, png_with_gps(seed())).get_json()
    assert engine.audit.verify(case).ok
    store = engine.files
    assert isinstance(store, DirectoryStore)
    path = store.path(shown["sha256"])
    original = path.read_bytes()
    try:
        path.write_bytes(png_with_gps(seed()))  # another scan put in its place
        report = engine.audit.verify(case)
        assert not report.ok and report.problems[0].seq == shown["id"]
        assert "被改动" in report.problems[0].message
        served = shared_client.get(shown["href"], headers=shared_tokens_.headers(AGENT))
        assert served.status_code == 503 and served.get_json()["reason"] == "file_changed"

        path.unlink()
        report = engine.audit.verify(case)
        assert not report.ok and "不在存储中" in report.problems[0].message
        served = shared_client.get(shown["href"], headers=shared_tokens_.headers(AGENT))
        assert served.status_code == 503 and served.get_json()["reason"] == "file_missing"
    finally:
        path.write_bytes(original)
    assert engine.audit.verify(case).ok


def test_the_window_that_registered_for_another_township_attaches_but_does_not_open(
    shared_client: FlaskClient, shared_tokens_: Tokens
) -> None:
    # 全县域通办: 青丝乡's window registers a case of 石桥乡's village and holds the paper
    case = register(
        shared_client,
        shared_tokens_,
        "wang.fang",
        village="511725202003",
        channel="township_window",
    )
    sent = upload(shared_client, shared_tokens_, case["id"], png_with_gps(seed()), user="wang.fang")
    assert sent.status_code == 201, sent.get_json()
    shown = sent.get_json()
    base = f"/api/v1/cases/{case['id']}/attachments"
    theirs = shared_client.get(base, headers=shared_tokens_.headers("wang.fang")).get_json()
    assert theirs["may_attach"] is True and theirs["items"][0]["withheld"] is True
    opened = shared_client.get(shown["href"], headers=shared_tokens_.headers("wang.fang"))
    assert opened.status_code == 403
    # the township that handles it opens it
    handling = shared_client.get(shown["href"], headers=shared_tokens_.headers("pan.hong"))
    assert handling.status_code == 200 and handling.mimetype == "image/png"


def test_a_chunked_upload_past_the_limit_is_cut_off_with_413(engine: Engine) -> None:
    """No Content-Length to refuse up front: the server stops reading at the limit."""
    app = make_app(engine, ATTACHMENT_MAX_BYTES=1000)
    tokens = Tokens(engine)
    case = int(register(app.test_client(), tokens, AGENT)["id"])
    head = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )
    body = head + noisy_png(seed(), (200, 200)) + b"\r\n--b--\r\n"  # ~120 KB
    with served(app, QuietRequestHandler) as base:
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        connection.request(
            "POST",
            f"/api/v1/cases/{case}/attachments",
            body=(body[i : i + 8192] for i in range(0, len(body), 8192)),
            headers={
                **tokens.headers(AGENT),
                "Content-Type": "multipart/form-data; boundary=b",
            },
            encode_chunked=True,
        )
        answer = connection.getresponse()
        problem = json.loads(answer.read())
        connection.close()
    assert answer.status == 413 and answer.getheader("Content-Type") == "application/problem+json"
    assert problem["code"] == "payload_too_large"
    assert engine.attachments.list(case) == []
