"""The database as operators handle it (``daiban db``, ``daiban backup``): the schema's
migrations — where it stands, the history, upgrade and downgrade — and SQLite's online
backup. PostgreSQL is backed up with its own tools (``pg_dump -Fc``, docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

from engine.errors import DataValidationError
from engine.logs import get_logger
from engine.store import schema
from engine.store.database import database_url, is_sqlite, sqlite_file
from engine.store.schema import Revision

__all__ = ["Database", "Revision"]

log = get_logger(__name__)


def default_files_dir(url: str) -> Path:
    """Where the files go when ``DAIBAN_FILES_DIR`` is unset: beside a SQLite database file
    (``daiban.sqlite3.files``), else ``daiban-files`` in the working directory."""
    database = sqlite_file(url)
    if database is not None:
        return database.with_name(database.name + ".files")
    return Path("daiban-files")


class Database:
    """One database by its URL; each call opens and closes its own connection."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def current(self) -> str | None:
        """The migration the schema is at (None: no schema yet)."""
        return schema.current(self.url)

    @staticmethod
    def head() -> str:
        """The newest migration this version of daiban has."""
        return schema.head()

    @staticmethod
    def history() -> list[Revision]:
        """Every migration, oldest first."""
        return schema.history()

    def upgrade(self, revision: str = "head") -> str | None:
        """Migrate up to ``revision`` (an id, or ``head``); the revision reached."""
        return self._migrate(revision, upward=True)

    def downgrade(self, revision: str) -> str | None:
        """Migrate down to ``revision`` (an id, or ``base``: no tables); the revision reached.
        Rows in the columns and tables the later migrations added are lost."""
        return self._migrate(revision, upward=False)

    def _migrate(self, revision: str, *, upward: bool) -> str | None:
        self._check(revision, upward=upward)
        before = self.current()
        (schema.upgrade if upward else schema.downgrade)(self.url, revision)
        after = self.current()
        if upward:
            log.info("schema_upgraded", before=before, after=after)
        else:  # columns and rows may be gone: worth a warning in the log
            log.warning("schema_downgraded", before=before, after=after)
        return after

    def _check(self, revision: str, *, upward: bool) -> None:
        known = {r.id for r in self.history()} | {"head" if upward else "base"}
        if revision not in known:
            ids = "、".join(sorted(known))
            raise DataValidationError(
                "迁移版本有误", {"revision": f"没有迁移版本 {revision}，可用：{ids}"}
            )

    def backup(self, target: Path) -> int:
        """Copy a SQLite database to the new file ``target`` while it is in use (SQLite's
        online backup); the pages copied. Refused for another database or an existing file."""
        if not self.is_sqlite or self.url in ("sqlite://", "sqlite:///:memory:"):
            raise DataValidationError(
                "只能备份 SQLite 数据库文件",
                {"database": "PostgreSQL 请用 pg_dump -Fc 备份（见 docs/operations.md）"},
            )
        if target.exists():
            raise DataValidationError("备份文件已存在", {"out": f"{target} 已存在，不会覆盖"})
        if not target.parent.is_dir():
            raise DataValidationError(
                "备份文件的目录不存在", {"out": f"目录 {target.parent} 不存在，请先建立"}
            )
        pages = schema.sqlite_backup(self.url, target)
        log.info("database_backed_up", pages=pages)
        return pages
