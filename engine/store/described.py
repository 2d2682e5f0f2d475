"""psycopg cursors that describe their result only when asked to.

psycopg builds ``cursor.description`` anew at every access: one ``Column`` per column of
the result, each read from libpq and looked up in the type registry. SQLAlchemy reads it
after every statement, but for a statement it has compiled and cached before (every
statement a request runs) it keeps the result's metadata from the first time and only
looks at whether the description is None. The columns built for it were thrown away:
3.5 % of an app server's CPU under ``bench/scale_bench.py`` (py-spy), most of it on the
wide rows (a case, a task with its case, a case's figures); ``bench/floors.py --part
request`` reads a case row (29 columns) in 0.217 ms of CPU with these cursors and 0.242
with psycopg's own.

``LazyCursor.description`` answers None exactly when psycopg's would and otherwise a
sequence of psycopg's own ``Column`` objects, built the first time anything looks into
it — from the result the cursor held when the description was taken, even if the cursor
has moved on since. Imported only for ``postgresql+psycopg`` URLs (psycopg is an
optional dependency).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import pq

_WITH_ROWS = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class _Described:
    """What ``psycopg.Column`` reads from its cursor, as it was for one result."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], result: pq.abc.PGresult) -> None:
        self.pgresult = result
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class LazyDescription(Sequence[psycopg.Column]):
    """The columns of one result, built on first use."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor[Any], result: pq.abc.PGresult) -> None:
        self._cursor = cursor
        self._result = result
        self._columns: list[psycopg.Column] | None = None

    def _built(self) -> list[psycopg.Column]:
        if self._columns is None:
            cursor, result = self._cursor, self._result
            # ``Column`` reads the result from what it is given: the cursor while it still
            # holds this result, else what the cursor was for it
            source: Any = cursor if cursor.pgresult is result else _Described(cursor, result)
            self._columns = [psycopg.Column(source, i) for i in range(result.nfields)]
        return self._columns

    def __len__(self) -> int:
        return self._result.nfields

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._built()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


class LazyCursor(psycopg.Cursor[Any]):
    """``psycopg.Cursor`` with a ``description`` built on first use (``LazyDescription``)."""

    @property
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _WITH_ROWS):
            return LazyDescription(self, result)
        return None
