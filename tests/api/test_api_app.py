"""The HTTP API skeleton: app factory, OpenAPI document and docs page, problem+json
errors, the catalogue endpoints and bearer-token authentication."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi

from engine import (
    ConflictError,
    DataValidationError,
    DefinitionError,
    Engine,
    EngineError,
    InvalidState,
    IssuedToken,
    ManualClock,
    NotAuthenticated,
    NotFound,
    Principal,
    Problem,
    ScriptError,
)
from processes.catalogue import load_catalogue
from processes.yamlfile import DataFileError
from webapi import create_app
from webapi.config import ConfigError, load_settings
from webapi.field_errors import translate
from webapi.services import services

PROBLEM = "application/problem+json"
WANG = Principal("window.wang", "王芳", frozenset({"township_window"}), "511822101")


class FakeIdentity:
    """An identity service with one user and tokens in a dict."""

    def __init__(self) -> None:
        self.tokens: dict[str, Principal] = {}
        self.revoked: list[str] = []

    def login(self, user_id: str, password: str, client: str | None = None) -> IssuedToken:
        if (user_id, password) != (WANG.user_id, "correct horse"):
            raise NotAuthenticated("用户名或密码错误")
        token = f"token-{len(self.tokens) + 1}"
        self.tokens[token] = WANG
        return IssuedToken(token, user_id, datetime(2026, 9, 24, 13, 0, tzinfo=UTC))

    def authenticate(self, token: str) -> Principal:
        if token not in self.tokens:
            raise NotAuthenticated("令牌无效")
        return self.tokens[token]

    def revoke(self, token: str) -> None:
        self.revoked.append(token)
        self.tokens.pop(token, None)


@pytest.fixture
def identity() -> FakeIdentity:
    return FakeIdentity()


def make_app(config: dict[str, Any]) -> Flask:
    return create_app({"SECRET_KEY": "test", "TESTING": True, **config})


@pytest.fixture
def app(engine: Engine, identity: FakeIdentity) -> Flask:
    """The app on the test's engine with the fake identity service (the app building its
    own engine from ``DATABASE_URL`` is tested below)."""
    return make_app({"ENGINE": engine, "IDENTITY": identity})


@pytest.fixture
def auth(identity: FakeIdentity) -> dict[str, str]:
    identity.tokens["good-token"] = WANG
    return {"Authorization": "Bearer good-token"}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status and body["code"] == code
    assert body["type"].endswith("/" + code) and body["title"] and body["detail"]
    return body


# OpenAPI document and docs page


def test_openapi_document_is_valid_openapi_3(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    validate_openapi(spec)
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/health",
        "/api/v1/items",
        "/api/v1/items/{code}",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
    ):
        assert path in spec["paths"], path
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation["responses"], (path, method)
            assert operation.get("summary"), (path, method)
    schemas = spec["components"]["schemas"]
    assert {"Problem", "ItemPage", "ItemDetail", "Login", "Token", "User"} <= set(schemas)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/items"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []  # open, explicitly
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert list(unauthorized["content"]) == [PROBLEM]


def test_docs_page_and_its_assets_are_served_locally(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert '"validatorUrl": null' in html  # Swagger UI must not call validator.swagger.io
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for url in assets:
        assert url.startswith("/api/docs/assets/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        # Swagger UI's files, and our small script starting it (no inline script: CSP)
        assert len(response.data) > (100 if url.endswith("/daiban/swagger-init.js") else 1000)
        response.close()
    missing = client.get("/api/docs/assets/nope.js")
    assert_problem(missing, 404, "not_found")


def test_health_needs_no_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}


# Catalogue


def test_items_list_pages_through_the_whole_catalogue(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    catalogue = load_catalogue()
    first = client.get("/api/v1/items", headers=auth)
    assert first.status_code == 200
    body = first.get_json()
    assert (body["page"], body["page_size"], body["total"]) == (1, 20, len(catalogue))
    assert len(body["items"]) == 20
    codes: list[str] = []
    for page in range(1, len(catalogue) // 50 + 2):
        found = client.get(f"/api/v1/items?page={page}&page_size=50", headers=auth).get_json()
        codes += [item["code"] for item in found["items"]]
    assert codes == sorted(item.code for item in catalogue)
    beyond = client.get("/api/v1/items?page=99", headers=auth).get_json()
    assert beyond["items"] == [] and beyond["total"] == len(catalogue)
    summary = body["items"][0]
    assert set(summary) == {
        "code",
        "name",
        "kind",
        "kind_name",
        "type",
        "type_name",
        "decided_at",
        "decided_at_name",
        "department",
        "department_code",
        "promised_limit",
        "limit_unit",
        "limit_unit_name",
        "on_the_spot",
        "proxy_allowed",
    }


def test_items_filters(client: FlaskClient, auth: dict[str, str]) -> None:
    catalogue = load_catalogue()

    def listed(query: str) -> list[dict[str, Any]]:
        body = client.get(f"/api/v1/items?page_size=100&{query}", headers=auth).get_json()
        assert body["total"] == len(body["items"])
        items: list[dict[str, Any]] = body["items"]
        return items

    proxy = listed("kind=proxy")
    assert len(proxy) == catalogue.count("proxy") and {i["kind"] for i in proxy} == {"proxy"}
    by_code = listed("department=MZ")
    assert by_code and {i["department_code"] for i in by_code} == {"MZ"}
    assert listed(f"department={by_code[0]['department']}") == by_code
    disability = listed("q=残疾人证")
    assert disability and all("残疾人证" in i["name"] for i in disability)
    both = listed("q=残疾人证&kind=proxy")
    assert 0 < len(both) < len(disability)
    assert listed("q=没有这个事项") == []


def test_item_detail_is_the_full_entry(client: FlaskClient, auth: dict[str, str]) -> None:
    entry = load_catalogue().get("CL001")
    assert entry is not None
    response = client.get("/api/v1/items/CL001", headers=auth)
    assert response.status_code == 200
    item = response.get_json()
    assert item["name"] == entry.name and item["type_name"] == entry.type_name
    assert [m["name"] for m in item["materials"]] == [m.name for m in entry.materials]
    assert set(item["materials"][0]) >= {"name", "required", "form", "tolerable", "copies"}
    assert item["limits"]["statutory"] == entry.statutory_limit
    assert item["limits"]["steps"] == dict(entry.step_limits)
    assert item["fees"] == entry.fees
    assert item["result"]["document"] == entry.result_document
    assert item["proxy"] == {
        "allowed": entry.proxy_allowed,
        "pickup": list(entry.pickup),
        "urgent": entry.urgent,
    }
    assert item["legal_basis"] == list(entry.legal_basis)
    assert "public_notice" in item and "appeal" in item
    assert "source" not in item and "line" not in item  # no file paths
    assert client.get("/api/v1/items/cl001", headers=auth).get_json()["code"] == "CL001"


def test_item_with_a_public_notice(client: FlaskClient, auth: dict[str, str]) -> None:
    entry = next(i for i in load_catalogue() if i.public_notice_days)
    notice = client.get(f"/api/v1/items/{entry.code}", headers=auth).get_json()["public_notice"]
    assert notice["days"] == entry.public_notice_days and notice["unit"] in (
        "working_days",
        "calendar_days",
    )


def test_unknown_item_is_a_404_problem(client: FlaskClient, auth: dict[str, str]) -> None:
    body = assert_problem(client.get("/api/v1/items/ZZ999", headers=auth), 404, "not_found")
    assert "ZZ999" in body["detail"]


# Authentication


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic d2FuZzpwYXNz"},
        {"Authorization": "Bearer not-a-token"},
    ],
    ids=["missing", "empty", "basic", "unknown"],
)
def test_items_need_a_valid_token(client: FlaskClient, headers: dict[str, str]) -> None:
    for url in ("/api/v1/items", "/api/v1/items/CL001", "/api/v1/auth/me"):
        response = client.get(url, headers=headers)
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_authentication_comes_before_validation(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/items?page=0"), 401, "unauthenticated")


def test_login_me_logout_with_an_injected_identity(
    client: FlaskClient, identity: FakeIdentity
) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"user": "window.wang", "password": "correct horse"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token"] == "token-1"
    assert body["expires_at"] == "2026-09-24T21:00:00+08:00"  # shown in Asia/Shanghai
    assert body["user"] == {
        "id": "window.wang",
        "name": "王芳",
        "roles": ["township_window"],
        "role_names": ["乡镇便民服务中心窗口（A岗）"],
        "org_unit": "511822101",
        "org_unit_name": None,  # a unit the app's organisation does not have
    }
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).get_json() == body["user"]
    logout = client.post("/api/v1/auth/logout", headers=headers)
    assert logout.status_code == 204 and logout.data == b""
    assert identity.revoked == ["token-1"]
    assert_problem(client.get("/api/v1/auth/me", headers=headers), 401, "unauthenticated")


def test_wrong_password_is_a_401_problem(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"user": "window.wang", "password": "x"})
    body = assert_problem(response, 401, "unauthenticated")
    assert body["detail"] == "用户名或密码错误"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_logout_with_the_engine_identity_service(
    database_url: str, clock: ManualClock
) -> None:
    engine = Engine(database_url, clock)
    try:
        user = sorted(engine.org.users)[0]
        engine.identity.set_password(user, "a long password")
        client = make_app({"ENGINE": engine, "TOKEN_HOURS": 2}).test_client()
        login = client.post(
            "/api/v1/auth/login", json={"user": user, "password": "a long password"}
        )
        assert login.status_code == 200, login.get_data(as_text=True)
        body = login.get_json()
        expires = datetime.fromisoformat(body["expires_at"])
        assert expires == clock.now() + timedelta(hours=2)  # DAIBAN_TOKEN_HOURS
        assert body["user"]["id"] == user and body["user"]["roles"]
        headers = {"Authorization": f"Bearer {body['token']}"}
        assert client.get("/api/v1/auth/me", headers=headers).get_json() == body["user"]
        assert client.get("/api/v1/items?page_size=1", headers=headers).status_code == 200
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert_problem(client.get("/api/v1/auth/me", headers=headers), 401, "unauthenticated")
        for _ in range(4):
            wrong = client.post("/api/v1/auth/login", json={"user": user, "password": "wrong one!"})
            assert_problem(wrong, 401, "unauthenticated")
        locked = client.post("/api/v1/auth/login", json={"user": user, "password": "wrong one!"})
        body = assert_problem(locked, 429, "login_locked")
        assert locked.headers["Retry-After"] == "900" and "15 分钟" in body["detail"]
        right = client.post(
            "/api/v1/auth/login", json={"user": user, "password": "a long password"}
        )
        assert_problem(right, 429, "login_locked")
    finally:
        engine.close()


# Errors


def test_unknown_route_and_wrong_method(client: FlaskClient, auth: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")
    assert_problem(client.get("/favicon.ico"), 404, "not_found")
    response = client.delete("/api/v1/items", headers=auth)
    body = assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"] and "DELETE" in body["detail"]


def test_non_json_body_is_415(client: FlaskClient) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = client.post(
            "/api/v1/auth/login", data="user=a&password=b", content_type=content_type
        )
        assert_problem(response, 415, "unsupported_media_type")


def test_too_large_body_is_413(client: FlaskClient) -> None:
    body = '{"user": "' + "x" * (1024 * 1024) + '", "password": "p"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_max_content_length_is_configurable(database_url: str, identity: FakeIdentity) -> None:
    app = make_app({"DATABASE_URL": database_url, "IDENTITY": identity, "MAX_CONTENT_LENGTH": 64})
    try:
        response = app.test_client().post(
            "/api/v1/auth/login", json={"user": "window.wang", "password": "p" * 80}
        )
        assert_problem(response, 413, "payload_too_large")
    finally:
        app.extensions["daiban"].close()


@pytest.mark.parametrize("data", ["{bad json", '{"user": "a",}', b"\xff\xfe{}"])
def test_malformed_json_is_a_400_problem(client: FlaskClient, data: str | bytes) -> None:
    response = client.post("/api/v1/auth/login", data=data, content_type="application/json")
    assert_problem(response, 400, "invalid_json")


def test_validation_lists_every_field_in_chinese(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/auth/login", json={"user": 5, "password": "", "role": "x"})
    body = assert_problem(response, 422, "validation_failed")
    reasons = {e["field"]: e["reason"] for e in body["errors"]}
    assert reasons == {
        "user": "类型不正确，应为文本",
        "password": "长度应为 1–256",
        "role": "未知字段",
    }
    assert {e["in"] for e in body["errors"]} == {"body"}

    missing = client.post("/api/v1/auth/login", json={}).get_json()
    assert {(e["field"], e["reason"]) for e in missing["errors"]} == {
        ("user", "必填"),
        ("password", "必填"),
    }
    not_an_object = client.post("/api/v1/auth/login", json=["a"]).get_json()
    assert not_an_object["errors"][0]["reason"] == "类型不正确，应为 JSON 对象"

    query = client.get("/api/v1/items?page=0&page_size=500&kind=county&q=", headers=auth)
    body = assert_problem(query, 422, "validation_failed")
    reasons = {e["field"]: e["reason"] for e in body["errors"]}
    assert reasons == {
        "page": "范围应不小于 1",
        "page_size": "范围应不小于 1 且不大于 100",
        "kind": "取值应为：devolved、proxy",
        "q": "长度应为 1–50",
    }
    assert {e["in"] for e in body["errors"]} == {"query"}
    typed = client.get("/api/v1/items?page=two", headers=auth).get_json()
    assert typed["errors"] == [{"field": "page", "in": "query", "reason": "类型不正确，应为整数"}]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Field may not be null.", "不能为 null"),
        ("Not a valid date.", "类型不正确，应为日期（YYYY-MM-DD）"),
        ("Shorter than minimum length 2.", "长度不能少于 2"),
        ("Longer than maximum length 10.", "长度不能超过 10"),
        ("Must be less than 5.", "范围应小于 5"),
        ("Must be greater than 0 and less than or equal to 1.5.", "范围应大于 0 且不大于 1.5"),
        ("Something else entirely.", "取值无效（Something else entirely.）"),
        ("已是中文", "已是中文"),
    ],
)
def test_marshmallow_messages_in_chinese(message: str, reason: str) -> None:
    assert translate(message) == reason


def test_unexpected_exception_is_a_generic_500(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> str:
        raise RuntimeError("secret detail: /srv/daiban/engine/x.py SELECT * FROM cases")

    app.add_url_rule("/api/v1/test-boom", "test_boom", boom)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/v1/test-boom")
    body = assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "secret", "/srv", "SELECT", ".py"):
        assert leak not in text
    assert set(body) == {"type", "title", "status", "code", "detail"}
    assert any(record.exc_info and "test-boom" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("办件不存在"), 404, "not_found"),
        (ConflictError("办件已被他人修改"), 409, "conflict"),
        (InvalidState("任务尚未就绪"), 409, "invalid_state"),
        (ScriptError("脚本执行失败"), 422, "script_error"),
        (NotAuthenticated("令牌已过期"), 401, "unauthenticated"),
        (EngineError("无法处理"), 400, "engine_error"),
    ],
)
def test_engine_errors_map_to_statuses(
    app: Flask, error: EngineError, status: int, code: str
) -> None:
    def fail() -> str:
        raise error

    app.add_url_rule("/api/v1/test-fail", "test_fail", fail)
    body = assert_problem(app.test_client().get("/api/v1/test-fail"), status, code)
    assert body["detail"] == error.message


def test_engine_validation_and_definition_errors_list_their_fields(app: Flask) -> None:
    def invalid_data() -> str:
        raise DataValidationError(
            "表单数据有误", {"applicant_name": "必填", "materials": "取值无效"}
        )

    def invalid_definition() -> str:
        raise DefinitionError([Problem("upload.bpmn", 12, "Task_1", "用户任务没有泳道")])

    app.add_url_rule("/api/v1/test-data", "test_data", invalid_data)
    app.add_url_rule("/api/v1/test-definition", "test_definition", invalid_definition)
    client = app.test_client()
    body = assert_problem(client.get("/api/v1/test-data"), 422, "validation_failed")
    assert body["errors"] == [
        {"field": "applicant_name", "in": "body", "reason": "必填"},
        {"field": "materials", "in": "body", "reason": "取值无效"},
    ]
    body = assert_problem(client.get("/api/v1/test-definition"), 422, "invalid_definition")
    assert body["problems"] == [
        {
            "path": "upload.bpmn",
            "line": 12,
            "element_id": "Task_1",
            "message": "用户任务没有泳道",
            "text": "upload.bpmn:12: Task_1: 用户任务没有泳道",
        }
    ]


# Configuration and start-up


def test_settings_from_environment_overridden_by_config() -> None:
    env = {
        "DAIBAN_DATABASE_URL": "sqlite:///env.sqlite3",
        "DAIBAN_SECRET_KEY": "from-env",
        "DAIBAN_TOKEN_HOURS": "8",
        "DAIBAN_MAX_CONTENT_LENGTH": "2048",
    }
    settings = load_settings(env, None)
    assert settings["DATABASE_URL"] == "sqlite:///env.sqlite3"
    assert settings["TOKEN_HOURS"] == 8.0 and "SECRET_KEY" not in settings  # unused: dropped
    assert settings["MAX_CONTENT_LENGTH"] == 2048
    settings = load_settings(env, {"DATABASE_URL": "sqlite://", "TOKEN_HOURS": 1})
    assert (settings["DATABASE_URL"], settings["TOKEN_HOURS"]) == ("sqlite://", 1)
    assert load_settings({}, None)["MAX_CONTENT_LENGTH"] == 1024 * 1024
    with pytest.raises(ConfigError, match="DAIBAN_TOKEN_HOURS"):
        load_settings({"DAIBAN_TOKEN_HOURS": "soon"}, None)
    with pytest.raises(ConfigError, match="DAIBAN_MAX_CONTENT_LENGTH"):
        load_settings({}, {"MAX_CONTENT_LENGTH": 0})


def test_a_secret_key_is_not_used_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    # DAIBAN_SECRET_KEY was read and never used (the API has no sessions): now dropped,
    # with a warning in the log for whoever still sets it.
    with caplog.at_level(logging.WARNING):
        assert "SECRET_KEY" not in load_settings({}, None)
    assert "DAIBAN_SECRET_KEY" not in caplog.text
    with caplog.at_level(logging.WARNING):
        assert "SECRET_KEY" not in load_settings({"DAIBAN_SECRET_KEY": "from-env"}, None)
    assert "DAIBAN_SECRET_KEY" in caplog.text


def test_database_url_from_the_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAIBAN_DATABASE_URL", database_url)
    monkeypatch.setenv("DAIBAN_SECRET_KEY", "from-env")
    app = create_app()
    try:
        assert app.config["DATABASE_URL"] == database_url
        engine = services_of(app).engine
        assert engine.store.dialect in ("sqlite", "postgresql")
        assert app.test_client().get("/api/v1/health").status_code == 200
    finally:
        app.extensions["daiban"].close()


def services_of(app: Flask) -> Any:
    with app.app_context():
        return services()


def test_a_broken_catalogue_stops_the_app(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "xx_broken.yaml").write_text(
        "department: {code: XX, name: 测试部门}\nitems:\n  - code: XX001\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError) as raised:
        make_app({"DATABASE_URL": database_url, "CATALOGUE_DIR": str(tmp_path)})
    assert raised.value.problems and all("xx_broken.yaml" in p for p in raised.value.problems)


def test_gunicorn_loads_the_app_factory(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    util = pytest.importorskip("gunicorn.util", reason="gunicorn comes with the 'server' extra")
    monkeypatch.setenv("DAIBAN_DATABASE_URL", database_url)
    monkeypatch.setenv("DAIBAN_SECRET_KEY", "from-env")
    app = util.import_app("webapi:create_app()")
    try:
        assert isinstance(app, Flask)
        assert app.test_client().get("/api/v1/health").status_code == 200
    finally:
        app.extensions["daiban"].close()


def test_serve_deploys_the_processes_and_runs_the_app(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from webapi.cli import main

    served: dict[str, Any] = {}

    def run(app: Flask, host: str, port: int, **options: Any) -> None:
        served.update(host=host, port=port, health=app.test_client().get("/api/v1/health"))
        with app.app_context():
            served["sample"] = services().engine.definitions.latest("sample_proxy_item")

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setenv("DAIBAN_SECRET_KEY", "from-env")
    assert main(["--database-url", database_url, "serve", "--port", "5055"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:5055/api/docs" in out
    assert (served["host"], served["port"]) == ("127.0.0.1", 5055)
    assert served["health"].status_code == 200 and served["sample"].version == 1


def test_every_operation_lists_the_statuses_it_answers(client: FlaskClient) -> None:
    # No catch-all "default" response: schemathesis (tests/api/test_api_fuzz.py) then checks
    # every status against the operation's list.
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                assert "default" not in operation["responses"], (path, method)
    assert "DEFAULT_ERROR" not in spec["components"]["responses"]
    register = spec["paths"]["/api/v1/cases"]["post"]["responses"]
    assert {"201", "400", "401", "413", "415", "422"} <= set(register)
    # Every operation may answer 422: an undeclared query parameter (webapi.arguments).
    # Only operations that read a JSON body answer 400 (malformed or hostile JSON).
    queue = set(spec["paths"]["/api/v1/tasks"]["get"]["responses"])
    assert {"200", "401", "422"} <= queue and not {"400", "413", "415"} & queue
    logout = set(spec["paths"]["/api/v1/auth/logout"]["post"]["responses"])
    assert {"204", "401", "413", "415", "422"} <= logout and "400" not in logout
    assert "422" in spec["paths"]["/api/v1/items"]["get"]["responses"]
    media = spec["components"]["responses"]["UNSUPPORTED_MEDIA_TYPE"]["content"]
    assert list(media) == [PROBLEM]


def test_wrong_method_or_route_comes_before_the_body_checks(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    # Was 415: the media-type check ran before the router's 405 (found by schemathesis).
    for method in ("PUT", "PATCH"):
        response = client.open(
            "/api/v1/definitions", method=method, data="x", content_type="text/plain", headers=auth
        )
        assert_problem(response, 405, "method_not_allowed")
    response = client.post("/api/v1/nothing-here", data="x", content_type="text/plain")
    assert_problem(response, 404, "not_found")
