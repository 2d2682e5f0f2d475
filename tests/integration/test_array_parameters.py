"""On PostgreSQL a list of ids is one array parameter (``engine.store.rows.among``): the
statement's text is the same whatever the list's length, so psycopg prepares it once, and
it finds the same rows as ``IN`` does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import DatabasePool, Engine, ManualClock
from tests.support.paths import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="array parameters")

PREPARED = "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%FROM cases%'"


def test_case_rows_by_id_are_one_prepared_statement_for_any_number_of_ids(
    sample: Engine, clock: ManualClock
) -> None:
    ids = [sample.cases.start("sample_proxy_item", {}).id for _ in range(3)]
    single = Engine(sample.database_url, clock, migrate=False, pool=DatabasePool(1, 0, 5))
    try:  # one connection: every read below runs on it
        found = []
        for n in range(12):  # two statements, each run six times: psycopg prepares at the fifth
            wanted = [*ids[: n % 3 + 1], 10**9]  # one to three cases, and one missing
            with single.store.unit_of_work(write=False) as uow:
                found.append(sorted(uow.cases.many(wanted, snapshots=n % 2 == 0)))
        with single.store.unit_of_work(write=False) as uow:
            prepared = list(uow.session.execute(text(PREPARED)).scalars())
    finally:
        single.close()
    assert found == [sorted(ids[: n % 3 + 1]) for n in range(12)]
    by_id = [statement for statement in prepared if "= ANY" in statement]
    assert len(by_id) == 2, prepared  # with and without the snapshot, each once
