"""An S3-compatible bucket as the file store (``DAIBAN_FILES_URL=s3://bucket/prefix``),
for several app servers that share no disk: MinIO, Ceph, a cloud's object storage.

Objects are named ``<prefix>/ab/cd/<digest>`` like the folder store's files, and written
once: ``put`` of bytes already there is a no-op (a HEAD first), so a file is never
rewritten and a bucket with object lock or versioning keeps its first copy. The endpoint
and credentials come from the standard AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, profiles …) and ``endpoint_url``
(``DAIBAN_S3_ENDPOINT_URL``, for a store that is not AWS). boto3 is imported only when
such a store is made (the optional extra ``s3``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from engine.errors import NotFound, Unavailable
from engine.files import _checked, sha256

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Store:
    def __init__(
        self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, client: Any = None
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            try:
                import boto3  # type: ignore[import-untyped]
            except ImportError:  # pragma: no cover - the extra is not installed
                raise RuntimeError(
                    "DAIBAN_FILES_URL=s3://… 需要 boto3：pip install 'daiban[s3]'"
                ) from None
            client = boto3.client("s3", endpoint_url=endpoint_url)
        self.client = client

    @classmethod
    def from_url(cls, url: str, endpoint_url: str | None = None) -> S3Store:
        """The store an ``s3://bucket/prefix`` URL names."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        return cls(parts.netloc, parts.path, endpoint_url=endpoint_url)

    def __repr__(self) -> str:
        return f"S3Store({self.bucket!r}, {self.prefix!r})"

    def key(self, digest: str) -> str:
        digest = _checked(digest)
        name = f"{digest[:2]}/{digest[2:4]}/{digest}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        if self.exists(digest):
            return digest
        with _reaching(self.bucket):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(digest),
                Body=data,
                ContentType="application/octet-stream",
            )
        return digest

    def get(self, digest: str) -> bytes:
        key = self.key(digest)
        try:
            with _reaching(self.bucket):
                answer = self.client.get_object(Bucket=self.bucket, Key=key)
                return bytes(answer["Body"].read())
        except _Missing:
            raise NotFound("文件不在存储中", digest=digest) from None

    def exists(self, digest: str) -> bool:
        key = self.key(digest)
        try:
            with _reaching(self.bucket):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except _Missing:
            return False
        return True


class _Missing(Exception):
    """The object is not in the bucket."""


@contextmanager
def _reaching(bucket: str) -> Iterator[None]:
    """Around one call to the bucket: a missing object as ``_Missing``, any other failure
    (network, credentials, a missing bucket) as ``Unavailable`` (503, logged)."""
    try:
        yield
    except Exception as error:  # botocore's errors, whatever their class
        response = getattr(error, "response", None) or {}
        if str(response.get("Error", {}).get("Code", "")) in _MISSING:
            raise _Missing() from error
        raise Unavailable(
            "文件存储暂时不可用，请稍后重试", reason="file_store", bucket=bucket
        ) from error
