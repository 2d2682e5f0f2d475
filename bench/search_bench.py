"""办件查询 at a million cases: every search of ``GET /api/v1/cases`` before and after the
indexes of migration 0022, in one run, on PostgreSQL.

    python bench/search_bench.py [--cases 1000000] [--rounds 50] [--keep]

A database of its own (``daiban_search2_1m``, dropped at the end unless ``--keep``; an
existing one of that name is reused as filled) is migrated to head and ``cases`` filled
with ``--cases`` synthetic rows by one ``INSERT … SELECT generate_series``: 60 townships
of 10 villages, 40 items of 10 departments, ~1% open, a third handed to the county,
registered over 12 months (ids in time order), Chinese names drawn from 40 surnames and
60 given names, ID number tails, phone tails (90% of applicants gave a phone).

Each request — through the Flask app (test client: routing, bearer token, scope,
marshmallow, the count and the page, JSON), for the county supervisor (sun.hong, every
case) and a township window clerk (wang.fang, her township: 1/60 of them) — runs
``--rounds`` times with the 0022 indexes dropped ("before") and again with them
("after"); p50/p95 in ms are printed, and the plans of the slowest request.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import Engine, ManualClock, read_sources  # noqa: E402
from webapi import create_app  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "daiban_search2_1m"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
USERS = ("sun.hong", "wang.fang")  # the county supervisor, a 青丝乡 window clerk
INDEXES = {
    "ix_cases_applicant_phone_tail": "(applicant_phone_tail)",
    "ix_cases_created_at": "(created_at)",
    "ix_cases_org_unit_id": "(org_unit, id)",
    "ix_cases_registered_unit_id": "(registered_unit, id)",
    "ix_cases_village_id": "(village, id)",
    "ix_cases_applicant_name_trgm": "USING gin (lower(applicant_name) gin_trgm_ops)",
    "ix_cases_applicant_id_tail_trgm": "USING gin (applicant_id_tail gin_trgm_ops)",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
GIVEN = [
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉珍", "建华", "建国",
    "建军", "国强", "志强", "永刚", "海燕", "丽娟", "红梅", "小明", "伟", "芳",
    "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
    "杰", "娟", "涛", "明", "超", "秀云", "霞", "平", "刚", "桂芳",
    "文", "华", "辉", "鑫", "宇", "浩", "晨", "欣怡", "子涵", "梓轩",
    "德明", "德华", "成林", "家豪", "春梅", "冬梅", "光荣", "玉梅", "淑芬", "志明",
]  # fmt: skip


def fill(url: str, cases: int) -> None:
    """Migrate to head, deploy one definition (the rows' foreign key), write the rows."""
    engine = Engine(url.replace("postgresql://", "postgresql+psycopg://"), ManualClock(NOW))
    engine.definitions.deploy(read_sources([ROOT / "processes" / "bpmn" / "sample"]))
    engine.close()
    surnames = "ARRAY[" + ",".join(f"'{s}'" for s in SURNAMES) + "]"
    given = "ARRAY[" + ",".join(f"'{g}'" for g in GIVEN) + "]"
    with psycopg.connect(url, autocommit=True) as db:
        drop(db)
        db.execute(
            "INSERT INTO cases (uid, process_id, definition_hash, status, version, last_seq,"
            " last_hash, snapshot, created_at, updated_at, closed_at, item_code, org_unit,"
            " due_date, has_incident, case_number, village, department, registered_unit,"
            " county_since, applicant_name, applicant_id_tail, applicant_phone_tail)"
            " SELECT md5(g::text), 'sample_proxy_item',"
            " (SELECT hash FROM process_versions LIMIT 1), s.status, 3, 3, md5(g::text),"
            " '\\x00', s.at, s.at, CASE WHEN s.status = 'open' THEN NULL ELSE s.at END,"
            " 'ITEM' || lpad(s.item::text, 2, '0'), s.township, (s.at + interval '20 days')::date,"
            " false, s.village || to_char(s.at, 'YYYYMMDD') || lpad(g::text, 7, '0'),"
            " s.village, 'D' || lpad((s.item %% 10)::text, 2, '0'), s.township,"
            " CASE WHEN g %% 3 = 0 THEN s.at + interval '3 days' END,"
            f" ({surnames})[1 + floor(random() * {len(SURNAMES)})::int]"
            f" || ({given})[1 + floor(random() * {len(GIVEN)})::int],"
            " lpad(floor(random() * 100000)::int::text, 5, '0')"
            " || substr('0123456789X', 1 + floor(random() * 11)::int, 1),"
            " CASE WHEN random() < 0.9"
            " THEN lpad(floor(random() * 10000)::int::text, 4, '0') END"
            " FROM generate_series(1, %(cases)s) g, LATERAL (SELECT"
            "  CASE WHEN random() < 0.01 THEN 'open' WHEN random() < 0.03 THEN 'cancelled'"
            "  ELSE 'completed' END AS status,"
            "  timestamptz '2025-12-01 00:00+08' + (g::float / %(cases)s) * interval '365 days'"
            "  AS at, t AS township_no, v AS village_no,"
            "  '5117252' || lpad(t::text, 2, '0') AS township,"
            "  '5117252' || lpad(t::text, 2, '0') || lpad(v::text, 3, '0') AS village,"
            "  1 + floor(random() * 40)::int AS item"
            "  FROM (SELECT 1 + floor(random() * 60)::int AS t,"
            "   1 + floor(random() * 10)::int AS v, g AS g2) r) s",
            {"cases": cases},
        )
        create(db)
        db.execute("VACUUM ANALYZE cases")


def drop(db: psycopg.Connection) -> None:
    for name in INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")


def create(db: psycopg.Connection) -> None:
    for name, definition in INDEXES.items():
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases {definition}")
    db.execute("ANALYZE cases")


def requests(db: psycopg.Connection) -> dict[str, str]:
    """The searches, with values that exist in the data (a recent case's)."""
    row = db.execute(
        "SELECT case_number, applicant_name, applicant_id_tail, applicant_phone_tail"
        " FROM cases WHERE org_unit = '511725201' AND applicant_phone_tail IS NOT NULL"
        " ORDER BY id DESC OFFSET 500 LIMIT 1"
    ).fetchone()
    assert row is not None
    number, name, id_tail, phone_tail = row
    return {
        "unfiltered": "",
        "number": f"number={number}",
        "number_prefix": f"number={number[:20]}",
        "applicant_full": f"applicant={quote(name)}",
        "applicant_part": f"applicant={quote(name[1:])}",
        "id_tail_6": f"id_tail={id_tail}",
        "id_tail_4": f"id_tail={id_tail[-4:]}",
        "phone_tail": f"phone_tail={phone_tail}",
        "item": "item=ITEM07",
        "status_open": "status=open",
        "overdue": "overdue=true",
        "dates": "from=2026-11-01&to=2026-11-15",
        "village": "village=511725201003",
        "item_status_dates": "item=ITEM07&status=completed&from=2026-06-01&to=2026-08-31",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, rounds: int) -> dict[tuple[str, str], list[float]]:
    engine = Engine(url.replace("postgresql://", "postgresql+psycopg://"), ManualClock(NOW))
    client = create_app({"ENGINE": engine, "SECRET_KEY": "bench", "TESTING": True}).test_client()
    headers = {
        u: {"Authorization": f"Bearer {engine.identity.issue_token(u).token}"} for u in USERS
    }
    with psycopg.connect(url) as db:
        searches = requests(db)
    times: dict[tuple[str, str], list[float]] = {}
    for label, query in searches.items():
        for user in USERS:
            path = f"/api/v1/cases?{query}&page_size=50"
            samples = []
            for _ in range(rounds + 2):  # two to warm up, not counted
                start = time.perf_counter()
                response = client.get(path, headers=headers[user])
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.get_json())
            times[(label, user)] = samples[2:]
    engine.close()
    return times


def explain(url: str, query: str) -> str:
    with psycopg.connect(url) as db:
        rows = db.execute("EXPLAIN (ANALYZE, BUFFERS) " + query).fetchall()
    return "\n".join(r[0] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    url = f"postgresql://postgres@127.0.0.1:5432/{NAME}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone()
        if not exists:
            admin.execute(f"CREATE DATABASE {NAME}")
    try:
        if not exists:
            started = time.perf_counter()
            fill(url, args.cases)
            print(f"filled {args.cases} cases in {time.perf_counter() - started:.0f} s")
        with psycopg.connect(url, autocommit=True) as db:
            counted = db.execute("SELECT count(*) FROM cases").fetchone()
            assert counted is not None
            print("cases:", counted[0])
            drop(db)
            db.execute("ANALYZE cases")
        before = measure(url, args.rounds)
        with psycopg.connect(url, autocommit=True) as db:
            create(db)
        after = measure(url, args.rounds)
        print(
            f"{'request':<20} {'user':<10} {'before p50':>10} {'p95':>8} {'after p50':>10} {'p95':>8}"
        )
        for key in before:
            b, a = before[key], after[key]
            print(
                f"{key[0]:<20} {key[1]:<10} {statistics.median(b):>10.1f}"
                f" {percentile(b, 0.95):>8.1f} {statistics.median(a):>10.1f}"
                f" {percentile(a, 0.95):>8.1f}"
            )
        slowest = max(after, key=lambda k: percentile(after[k], 0.95))
        print("slowest after:", slowest)
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
