"""Deployed definitions: BPMN files by content hash and the process versions made of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredFile:
    hash: str
    path: str
    xml: bytes


@dataclass(frozen=True)
class ProcessVersionRecord:
    process_id: str
    version: int
    hash: str
    name: str
    files: tuple[tuple[str, str], ...]  # (path, content hash)
    deployed_at: datetime
    deployed_by: str
