"""The S3-compatible file store (``engine.files_s3``) against moto's S3 server on
127.0.0.1: the same contract as the folder store, ``verify`` through it, the settings
that select it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Actor, ManualClock, NotFound, Unavailable
from engine.files import sha256
from tests.support.databases import START, Databases
from tests.support.paths import LIBRARY
from webapi.settings import ConfigError, Settings, _file_store

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

from engine.files_s3 import S3Store  # noqa: E402  (after the skip: boto3 is optional)

BUCKET = "daiban-files"


@pytest.fixture(scope="module")
def endpoint(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch_module.setenv(name, value)
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_put_get_exists_by_digest(endpoint: str) -> None:
    store = S3Store.from_url(f"s3://{BUCKET}/qu/files", endpoint)
    data = b"%PDF-1.7 a scan of s3 test one"
    digest = store.put(data)
    assert digest == sha256(data) and store.exists(digest)
    assert store.get(digest) == data
    assert store.put(data) == digest  # the same bytes again: one object
    objects = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=BUCKET)
    keys = [o["Key"] for o in objects["Contents"]]
    assert f"qu/files/{digest[:2]}/{digest[2:4]}/{digest}" in keys
    other = sha256(b"never stored")
    assert not store.exists(other)
    with pytest.raises(NotFound):
        store.get(other)
    with pytest.raises(NotFound):
        store.get("../../etc/passwd")


def test_a_changed_object_is_handed_back_as_it_is_now(endpoint: str) -> None:
    store = S3Store(BUCKET, "changed", endpoint_url=endpoint)
    digest = store.put(b"original scan bytes")
    store.client.put_object(Bucket=BUCKET, Key=store.key(digest), Body=b"replaced")
    assert store.get(digest) == b"replaced"  # the caller (verify) hashes it and finds out


def test_an_unreachable_store_is_unavailable(endpoint: str) -> None:
    store = S3Store("no-such-bucket", endpoint_url=endpoint)
    with pytest.raises(Unavailable) as failed:
        store.put(b"anything")
    assert failed.value.reason == "file_store"


def test_the_settings_select_it(endpoint: str, tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"DAIBAN_FILES_URL": f"s3://{BUCKET}/p", "DAIBAN_S3_ENDPOINT_URL": endpoint}
    )
    store = _file_store(settings)
    assert isinstance(store, S3Store) and (store.bucket, store.prefix) == (BUCKET, "p")
    assert store.get(store.put(b"via settings")) == b"via settings"
    for bad in ("http://x/y", "s3://", "s3:///prefix", "s3://b/p?x=1"):
        with pytest.raises(ConfigError):
            Settings.from_environ({"DAIBAN_FILES_URL": bad})
    with pytest.raises(ConfigError):
        Settings.from_environ(
            {"DAIBAN_FILES_URL": f"s3://{BUCKET}", "DAIBAN_FILES_DIR": str(tmp_path)}
        )


def test_verify_reads_the_bucket(endpoint: str, databases: Databases) -> None:
    from tests.api.test_api_cases import register
    from tests.support.api import Tokens, make_app
    from tests.support.scans import png_with_gps

    store = S3Store(BUCKET, "verify", endpoint_url=endpoint)
    with databases.engine(ManualClock(START), LIBRARY, files=store) as engine:
        client, tokens = make_app(engine).test_client(), Tokens(engine)
        case = int(register(client, tokens, "tan.xiaoyan")["id"])
        material = engine.attachments.materials(engine.cases.record(case))[0]
        attachment, _ = engine.attachments.attach(
            case, Actor("tan.xiaoyan", "village_agent"), material, png_with_gps(9_900)
        )
        assert engine.audit.verify(case).ok
        assert engine.attachments.content(attachment) == store.get(attachment.sha256)
        key = store.key(attachment.sha256)
        store.client.put_object(Bucket=BUCKET, Key=key, Body=b"another file")
        assert "被改动" in engine.audit.verify(case).problems[0].message
        store.client.delete_object(Bucket=BUCKET, Key=key)
        assert "不在存储中" in engine.audit.verify(case).problems[0].message
