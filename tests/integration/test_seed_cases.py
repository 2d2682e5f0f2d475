"""``bench/seed_cases.py`` on a tiny count: run twice on one database, the copies do not
collide, and each copy's hash chain verifies under its own uid; a bulk run with two jobs
gives every index back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.seed_cases import seed
from engine import Engine
from engine.store.testing import isolated_database, run_sql
from tests.support.paths import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="COPY: needs DAIBAN_TEST_DATABASE_URL")

REPLAY = "重放得到的状态与记录的状态摘要不符"  # digests are the template's (documented)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with isolated_database(PG_URL, tmp_path) as made:
        yield made


INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"


def test_two_runs_add_cases_that_do_not_collide_and_whose_chains_verify(url: str) -> None:
    first, _ = seed(url, 30, batch=20, open_share=0.5, seed=1, quiet=True)
    second, _ = seed(url, 30, batch=20, open_share=0.5, seed=1, quiet=True)
    engine = Engine(url, migrate=False)
    try:
        store = engine.store
        [(cases, uids, numbers)] = run_sql(
            store, "SELECT count(*), count(DISTINCT uid), count(DISTINCT case_number) FROM cases"
        )
        assert (cases, uids, numbers) == (8 + 60, 68, 68)
        assert not set(first) & set(second)
        [(tasks, distinct)] = run_sql(store, "SELECT count(*), count(DISTINCT id) FROM ready_tasks")
        assert tasks == distinct
        [(open_tasks,)] = run_sql(
            store,
            "SELECT count(*) FROM ready_tasks t JOIN cases c ON c.id = t.case_id "
            "WHERE t.closed_seq IS NULL AND c.id > 8",
        )
        assert open_tasks > 0  # half the copies are of the open templates
        for case_id in first[:5] + second[:5]:
            report = engine.audit.verify(case_id)
            # The chain is checked first and verify stops at its first problem: a replay
            # disagreement means every hash of the chain matched.
            assert [p.message for p in report.problems] == [REPLAY], report
        [(townships,)] = run_sql(store, "SELECT count(DISTINCT org_unit) FROM cases WHERE id > 8")
        assert townships > 10  # drawn from the county's sixty (the templates are in two)
    finally:
        engine.close()


def test_a_bulk_run_of_two_jobs_rebuilds_every_index_and_numbers_stay_apart(url: str) -> None:
    seed(url, 10, batch=10, seed=1, quiet=True)
    engine = Engine(url, migrate=False)
    try:
        store = engine.store
        before = sorted(run_sql(store, INDEXES))
        made, seconds = seed(
            url, 40, batch=7, open_share=0.5, seed=2, quiet=True, jobs=2, bulk=True
        )
        assert len(made) == 40
        assert sorted(run_sql(store, INDEXES)) == before
        assert any(part.startswith("index ") for part in seconds)  # dropped and rebuilt
        assert run_sql(store, "SELECT to_regclass('seed_dropped_indexes')") == [(None,)]
        [(cases, numbers, townships)] = run_sql(
            store,
            "SELECT count(*), count(DISTINCT case_number), count(DISTINCT org_unit) FROM cases",
        )
        assert (cases, numbers) == (8 + 50, 58)
        assert townships > 10
        for case_id in made[:3] + made[-3:]:
            assert [p.message for p in engine.audit.verify(case_id).problems] == [REPLAY]
    finally:
        engine.close()
