"""Deployed definitions: BPMN files by content hash, process versions made of them."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, select

from engine.records import ProcessVersionRecord, StoredFile
from engine.store.rows import Repository
from engine.store.tables import DefinitionFileRow, ProcessVersionRow

MAX_VERSION = 2**31 - 1  # INTEGER (process_versions.version); larger numbers match nothing


class DefinitionRepository(Repository):
    def file(self, content_hash: str) -> StoredFile | None:
        row = self.session.get(DefinitionFileRow, content_hash)
        return StoredFile(row.hash, row.path, row.xml) if row else None

    def add_file(self, stored: StoredFile, now: datetime) -> None:
        if self.session.get(DefinitionFileRow, stored.hash) is None:
            self.session.add(
                DefinitionFileRow(
                    hash=stored.hash, path=stored.path, xml=stored.xml, created_at=now
                )
            )

    def latest_version(self, process_id: str) -> ProcessVersionRecord | None:
        row = self.session.scalars(
            select(ProcessVersionRow)
            .where(ProcessVersionRow.process_id == process_id)
            .order_by(ProcessVersionRow.version.desc())
            .limit(1)
        ).first()
        return _version(row) if row else None

    def newest_hash(self, process_id: str) -> str | None:
        """The hash of the newest version of ``process_id`` (None: none deployed)."""
        found = self.session.connection().execute(_NEWEST, {"p_process": process_id}).first()
        return None if found is None else str(found[0])

    def version_by_hash(self, version_hash: str) -> ProcessVersionRecord | None:
        row = self.session.scalars(
            select(ProcessVersionRow).where(ProcessVersionRow.hash == version_hash)
        ).first()
        return _version(row) if row else None

    def version(self, process_id: str, version: int) -> ProcessVersionRecord | None:
        if not 0 < version <= MAX_VERSION:  # beyond the column's range: no such version
            return None
        row = self.session.scalars(
            select(ProcessVersionRow).where(
                ProcessVersionRow.process_id == process_id, ProcessVersionRow.version == version
            )
        ).first()
        return _version(row) if row else None

    def versions(self) -> list[ProcessVersionRecord]:
        rows = self.session.scalars(
            select(ProcessVersionRow).order_by(
                ProcessVersionRow.process_id, ProcessVersionRow.version
            )
        )
        return [_version(row) for row in rows]

    def add_version(self, record: ProcessVersionRecord) -> None:
        self.session.add(
            ProcessVersionRow(
                process_id=record.process_id,
                version=record.version,
                hash=record.hash,
                name=record.name,
                files=json.dumps([list(f) for f in record.files]),
                deployed_at=record.deployed_at,
                deployed_by=record.deployed_by,
            )
        )


def _version(row: ProcessVersionRow) -> ProcessVersionRecord:
    files = tuple((str(path), str(digest)) for path, digest in json.loads(row.files))
    return ProcessVersionRecord(
        process_id=row.process_id,
        version=row.version,
        hash=row.hash,
        name=row.name,
        files=files,
        deployed_at=row.deployed_at,
        deployed_by=row.deployed_by,
    )


_V = ProcessVersionRow.__table__.c
_NEWEST = (
    select(_V.hash)
    .where(_V.process_id == bindparam("p_process"))
    .order_by(_V.version.desc())
    .limit(1)
)
