"""Process definitions over HTTP: reading versions and their BPMN, deploying as a designer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.support.databases import Deployed
from tests.support.paths import BPMN

ITEM = "item_mz001"
ITEM_FILE = BPMN / "items" / f"{ITEM}.bpmn"
ORIGINAL = ITEM_FILE.read_bytes()


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", ITEM_FILE)


def auth(engine: Engine, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {engine.identity.issue_token(user).token}"}


def upload(
    client: FlaskClient,
    engine: Engine,
    *files: tuple[bytes, str],
    user: str = "lin.tao",
    query: str = "",
) -> Any:
    data = {"files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post(
        f"/api/v1/definitions{query}",
        data=data,
        content_type="multipart/form-data",
        headers=auth(engine, user),
    )


def versions(engine: Engine) -> list[tuple[str, int]]:
    return [(v.process_id, v.version) for v in engine.definitions.versions()]


def renamed(name: str) -> bytes:
    """The item's file with another process name: a real change, a new version."""
    old = f'<bpmn:process id="{ITEM}" name="最低生活保障审核确认"'
    changed = ORIGINAL.replace(old.encode(), f'<bpmn:process id="{ITEM}" name="{name}"'.encode())
    assert changed != ORIGINAL
    return changed


def test_list_and_read_versions(client: FlaskClient, engine: Engine) -> None:
    headers = auth(engine, "wang.fang")  # any signed-in user reads definitions
    page = client.get("/api/v1/definitions?page_size=5", headers=headers).get_json()
    assert page["total"] == 13  # the 12 shared activities and the item
    assert [d["process_id"] for d in page["items"]] == sorted(
        d["process_id"] for d in page["items"]
    )
    found = client.get("/api/v1/definitions?q=最低生活", headers=headers).get_json()
    assert [(d["process_id"], d["version"], d["versions"]) for d in found["items"]] == [
        (ITEM, 1, 1)
    ]

    detail = client.get(f"/api/v1/definitions/{ITEM}", headers=headers).get_json()
    (v1,) = detail["versions"]
    assert v1["deployed_by"] == "system" and v1["deployed_at"].endswith("+08:00")
    paths = [f["path"] for f in v1["files"]]
    assert str(ITEM_FILE) in paths and any("common_intake" in p for p in paths)

    xml = client.get(f"/api/v1/definitions/{ITEM}/1", headers=headers)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.data == ORIGINAL and xml.headers["ETag"] == f'"{v1["hash"]}"'


@pytest.mark.parametrize(
    "path", [f"{ITEM}/2", f"{ITEM}/0", f"{ITEM}/99999999999999999999", "nope", "nope/1"]
)
def test_unknown_definitions_are_not_found(client: FlaskClient, engine: Engine, path: str) -> None:
    response = client.get(f"/api/v1/definitions/{path}", headers=auth(engine, "wang.fang"))
    assert response.status_code == 404
    assert (
        response.mimetype == "application/problem+json"
        and response.get_json()["code"] == "not_found"
    )


def test_only_designers_deploy(client: FlaskClient, engine: Engine) -> None:
    before = versions(engine)
    for user in ("wang.fang", "chen.jing", "sun.hong", "he.jun", "deng.hui"):
        response = upload(client, engine, (renamed("改名"), "item_mz001.bpmn"), user=user)
        assert response.status_code == 403, user
        assert response.get_json()["code"] == "forbidden"
    assert versions(engine) == before
    assert client.post("/api/v1/definitions").status_code == 401


def test_deploy_one_changed_file_calls_the_deployed_activities(
    client: FlaskClient, engine: Engine
) -> None:
    same = upload(client, engine, (ORIGINAL, "item_mz001.bpmn"))
    assert same.status_code == 200
    assert same.get_json()["deployed"][0] | {"hash": None} == {
        "process_id": ITEM, "version": 1, "hash": None, "created": False
    }  # fmt: skip

    trial = upload(client, engine, (renamed("试改"), "item_mz001.bpmn"), query="?dry_run=true")
    assert trial.status_code == 200 and trial.get_json()["deployed"][0]["version"] == 2
    assert (ITEM, 2) not in versions(engine)

    response = upload(client, engine, (renamed("最低生活保障审核确认（新）"), "item_mz001.bpmn"))
    assert response.status_code == 201
    (result,) = response.get_json()["deployed"]
    assert result["version"] == 2 and result["created"] is True
    record = engine.definitions.version(ITEM, 2)
    assert record.deployed_by == "lin.tao" and record.name == "最低生活保障审核确认（新）"
    # the shared activities are the deployed ones, unchanged
    old = dict(engine.definitions.version(ITEM, 1).files)
    new = dict(record.files)
    assert new.pop("item_mz001.bpmn") != old.pop(str(ITEM_FILE))
    assert new == old
    assert engine.definitions.compiled(record.hash).process_id == ITEM  # it runs
    assert [v for p, v in versions(engine) if p == "common_intake"] == [1]


def test_a_broken_file_is_reported_by_line_and_nothing_is_deployed(
    client: FlaskClient, engine: Engine
) -> None:
    before = versions(engine)
    broken = ORIGINAL.replace(b'targetRef="Gateway_via_proxy"', b'targetRef="Gateway_missing"', 1)
    assert broken != ORIGINAL
    response = upload(client, engine, (broken, "item_mz001.bpmn"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_definition"
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if b"Gateway_missing" in text)
    texts = [p["text"] for p in body["problems"]]
    assert f"item_mz001.bpmn:{line}: Flow_Start_item_Gateway_via_proxy: " in "\n".join(texts)
    assert any(t.startswith("item_mz001.bpmn:") and "Gateway_via_proxy: " in t for t in texts)
    assert all(p["path"] == "item_mz001.bpmn" for p in body["problems"])
    assert versions(engine) == before


def test_unknown_lane_role_is_refused(client: FlaskClient, engine: Engine) -> None:
    changed = ORIGINAL.replace(b'daiban:role="village_agent"', b'daiban:role="village_boss"', 1)
    assert changed != ORIGINAL
    response = upload(client, engine, (changed, "item_mz001.bpmn"))
    assert response.status_code == 422
    assert any("village_boss" in p["message"] for p in response.get_json()["problems"])


def test_hostile_xml_is_refused_without_expanding(client: FlaskClient, engine: Engine) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;'
        b"</bpmn:definitions>"
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;'
        b"</bpmn:definitions>"
    )
    for content in (bomb, external):
        response = upload(client, engine, (content, "evil.bpmn"))
        assert response.status_code == 422
        assert "root:" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([(b"<x/>", "notes.txt")], "文件名应以 .bpmn 结尾"),
        ([(ORIGINAL, "a.bpmn"), (ORIGINAL, "a.bpmn")], "同名文件上传了两次"),
    ],
)
def test_bad_uploads(
    client: FlaskClient, engine: Engine, files: list[tuple[bytes, str]], reason: str
) -> None:
    response = upload(client, engine, *files)
    assert response.status_code == 422
    assert reason in [p["message"] for p in response.get_json()["problems"]]


def test_deploy_needs_multipart(client: FlaskClient, engine: Engine) -> None:
    headers = auth(engine, "lin.tao")
    form = client.post("/api/v1/definitions", data={"files": "x"}, headers=headers)
    assert form.status_code == 415 and "multipart/form-data" in form.get_json()["detail"]
    empty = client.post("/api/v1/definitions", json={}, headers=headers)
    assert empty.status_code == 422
    assert empty.get_json()["errors"] == [{"field": "files", "in": "files", "reason": "必填"}]
