"""The case list's search columns (办件查询): the last four digits of the applicant's phone
kept when a case starts (``engine.records.cases.applicant_phone_tail``: digits only, a
landline's hyphen left out, none without four digits), and migration 0022 filling them for
the cases registered before it, up and down, with every index it names in the models."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.records.cases import applicant_phone_tail
from engine.store.testing import downgrade, run_sql

PROCESS = "sample_proxy_item"
KEYS = "SELECT id, applicant_phone_tail FROM cases ORDER BY id"


@pytest.mark.parametrize(
    ("applicant", "tail"),
    [
        ({"phone": "13800005678"}, "5678"),
        ({"phone": "0818-7451234"}, "1234"),
        ({"phone": " 0818 745 1204 "}, "1204"),
        ({"phone": "123"}, None),
        ({"phone": ""}, None),
        ({"phone": None}, None),
        ({"phone": 13800005678}, None),  # not text: not a phone the form accepts
        ({}, None),
    ],
)
def test_the_phone_tail_of_the_start_data(applicant: dict[str, object], tail: str | None) -> None:
    assert applicant_phone_tail({"applicant": applicant}) == tail


def test_a_case_keeps_its_phone_tail_and_not_the_phone(sample: Engine) -> None:
    engine = sample
    case = engine.cases.start(PROCESS, {"applicant": {"name": "张三", "phone": "13800005678"}})
    assert run_sql(engine.store, KEYS) == [(case.id, "5678")]
    row = run_sql(engine.store, "SELECT * FROM cases")[0]
    assert "13800005678" not in [str(value) for value in row]


def test_migration_0022_fills_older_cases_and_goes_back(sample: Engine) -> None:
    """Cases registered before 0022 get their phone's last four digits from their first
    event, the same as when written live; taken back, the column and its indexes go."""
    engine = sample
    made = [
        engine.cases.start(PROCESS, {"applicant": {"name": "张秀兰", "phone": "13800005678"}}).id,
        engine.cases.start(PROCESS, {"applicant": {"name": "李四", "phone": "0818-7451234"}}).id,
        engine.cases.start(PROCESS, {"applicant": {"name": "王五"}}).id,
        engine.cases.start(PROCESS, {}).id,
    ]
    live = run_sql(engine.store, KEYS)
    assert live == [(made[0], "5678"), (made[1], "1234"), (made[2], None), (made[3], None)]
    hashes = run_sql(engine.store, "SELECT id, hash FROM events ORDER BY id")
    downgrade(engine.store, "0021")
    differences = engine.store.schema_differences()
    # 0024's column (the limit met) goes with it too
    missing = {d[3].name for d in differences if d[0] == "add_column"}
    assert missing == {"applicant_phone_tail", "limit_met_at"}
    added = {d[1].name for d in differences if d[0] == "add_index"}
    assert {"ix_cases_org_unit_id", "ix_cases_registered_unit_id", "ix_cases_village_id"} <= added
    engine.store.migrate()
    assert engine.store.schema_differences() == []
    assert run_sql(engine.store, KEYS) == live
    assert run_sql(engine.store, "SELECT id, hash FROM events ORDER BY id") == hashes
    for case_id in made:
        assert engine.audit.verify(case_id).ok
