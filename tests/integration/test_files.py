"""The content-addressed file store and the facts recorded beside a case's workflow: a
note keeps the workflow's state, and ``verify`` proves every file an event records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Actor, DirectoryStore, Engine, ManualClock, MemoryStore, read_sources
from engine.errors import NotFound
from engine.files import sha256
from tests.support.driving import INTAKE, complete, start_sample
from tests.support.paths import SAMPLE

CLERK = Actor("li.na")


@pytest.mark.parametrize("kind", ["directory", "memory"])
def test_a_store_keeps_bytes_under_their_digest_once(kind: str, tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "files") if kind == "directory" else MemoryStore()
    data = "受理通知书".encode() * 100
    digest = store.put(data)
    assert digest == sha256(data) and store.exists(digest)
    assert store.put(data) == digest  # the same bytes twice are one file
    assert store.get(digest) == data
    other = sha256(b"missing")
    assert not store.exists(other)
    with pytest.raises(NotFound):
        store.get(other)
    with pytest.raises(NotFound):  # not a digest: never a path outside the store
        store.get("../../etc/passwd")


def test_a_directory_store_leaves_no_partial_file(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "files")
    digest = store.put(b"%PDF-1.7 scan")
    files = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert files == [store.path(digest)]  # the temporary name is gone
    assert store.path(digest).relative_to(tmp_path / "files").parts[:2] == (digest[:2], digest[2:4])


def _noted(engine: Engine, data: bytes, name: str = "scan.pdf") -> tuple[int, int, str]:
    view = start_sample(engine)
    digest = engine.files.put(data)
    before = engine.cases.record(view.id)

    def decide(uow: Any, record: Any) -> dict[str, Any]:
        return {"files": [{"sha256": digest, "name": name, "size": len(data)}]}

    event = engine.cases.changes.note(view.id, "attachment_added", CLERK, decide)
    assert event is not None and event.seq == before.last_seq + 1
    return view.id, event.seq, digest


def test_a_note_appends_an_event_and_keeps_the_workflow(sample: Engine) -> None:
    case_id, seq, _ = _noted(sample, b"first scan")
    record = sample.cases.record(case_id)
    assert record.last_seq == seq
    _, history = sample.audit.history(case_id)
    noted = history[-1].event
    assert noted.type == "attachment_added" and noted.actor == CLERK.user
    assert noted.state_digest == history[-2].event.state_digest  # the workflow did not move
    assert sample.audit.verify(case_id).ok
    # The case goes on as before, on top of the note.
    view = complete(sample, sample.cases.get(case_id), "Task_intake", INTAKE)
    assert view.last_seq == seq + 1 and sample.audit.verify(case_id).ok


def test_a_note_that_decides_nothing_writes_nothing(sample: Engine) -> None:
    view = start_sample(sample)
    assert sample.cases.changes.note(view.id, "attachment_added", CLERK, lambda u, r: None) is None
    assert sample.cases.record(view.id).last_seq == view.last_seq


def test_verify_finds_a_replaced_and_a_missing_file(
    databases: Any, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    store = DirectoryStore(tmp_path / "own-files")  # this test's alone: it breaks files
    with databases.engine(clock, url=database_url, files=store) as engine:
        engine.definitions.deploy(read_sources([SAMPLE]))
        case_id, seq, digest = _noted(engine, b"%PDF-1.7 the scanned ID card")
        assert engine.audit.verify(case_id).ok

        store.path(digest).write_bytes(b"%PDF-1.7 another ID card")
        report = engine.audit.verify(case_id)
        assert not report.ok
        assert report.problems[0].seq == seq
        assert "scan.pdf" in report.problems[0].message and "被改动" in report.problems[0].message

        store.path(digest).unlink()
        report = engine.audit.verify(case_id)
        assert report.problems[0].seq == seq and "不在存储中" in report.problems[0].message
