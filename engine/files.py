"""Content-addressed file storage: the documents issued and the scans attached to cases.

A file is stored under the SHA-256 of its bytes, and that digest is what the case's
history records (``document_issued``, ``attachment_added``). The history is the source of
truth and the store only keeps bytes: a file is never changed or removed through it, the
same bytes stored twice are one file, and ``verify`` proves a file is the one recorded by
hashing what the store hands back. Sharing one store between databases is therefore safe.

Stores:

- ``DirectoryStore``: a folder (the default; ``DAIBAN_FILES_DIR``), files under
  ``ab/cd/<digest>``, written to a temporary name, flushed to disk and renamed into
  place, so a crash never leaves a partial file under a digest;
- ``MemoryStore``: a dict, for an in-memory database (tests, ``daiban demo``).

Another store (an S3-compatible bucket for several app servers) implements ``FileStore``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from engine.errors import NotFound

DIGEST_LENGTH = 64


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore(Protocol):
    """Bytes by their SHA-256 (hex, lower case)."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (no-op when present); its digest."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest`` as they are now (``NotFound`` if none):
        the caller hashes them when it must prove them."""
        ...

    def exists(self, digest: str) -> bool: ...


def _checked(digest: str) -> str:
    if len(digest) != DIGEST_LENGTH or any(c not in "0123456789abcdef" for c in digest):
        raise NotFound("没有这个文件", digest=digest)
    return digest


class DirectoryStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"DirectoryStore({str(self.root)!r})"

    def path(self, digest: str) -> Path:
        digest = _checked(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound("文件不在存储中", digest=digest) from None

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()


class MemoryStore:
    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        with self._lock:
            self._files.setdefault(digest, bytes(data))
        return digest

    def get(self, digest: str) -> bytes:
        with self._lock:
            found = self._files.get(_checked(digest))
        if found is None:
            raise NotFound("文件不在存储中", digest=digest)
        return found

    def exists(self, digest: str) -> bool:
        with self._lock:
            return digest in self._files
