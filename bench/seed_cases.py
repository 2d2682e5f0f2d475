"""Fill a PostgreSQL database with many realistic cases fast, re-runnable on one database.

    python bench/seed_cases.py --url postgresql+psycopg://postgres@127.0.0.1:5432/daiban_seed_scale \
        --cases 100000 [--batch 5000] [--open-share 0.01] [--seed 1] [--jobs 2] [--bulk]

Each run adds ``--cases`` cases. The first run on an empty database builds the templates:
the eight cases of ``tests/support/stats_world.py``, really run through their processes
by the engine (completed, returned, refused, rated and rectified, cancelled, two open at
the township); later runs reuse them (the eight lowest case ids). Every copy of a template
gets:

- its own uid (random) and case id (the ``cases`` sequence), a case number in the
  registration's format (region + yyyyMMdd + daily sequence) counted in ``case_counters``
  as registration counts it, so copies never collide with each other or with real cases;
- a township drawn from the county's 60 townships (``processes.org_generator.
  generate_county()``, the organisation ``bench/scale_queries.py`` serves them with) and a village of it (the template's
  township and village codes are replaced wherever they appear: unit columns, actor units,
  task lanes' units, event payloads);
- an applicant (a varied Chinese name, id number, phone) replacing the template's;
- its times moved by a whole number of days so that it was registered in the last 12
  months (open copies: in the last 10 days); ~``--open-share`` of the copies are of the
  open templates;
- its events re-sealed into a new hash chain (``engine.history.event_hash``: the case uid
  is in every hash), so ``Auditor`` verifies the chain; state digests and the snapshot are
  the template's (replay digests do not match, as ``bench/clone_cases.py``'s plain copy).

Rows are copied generically from the table metadata (``engine/store/tables.py``): every
table with a foreign key to ``cases.id`` (events, task index, rating invitations,
notices, ...), every column, so a column added there is carried along; a
``cases.applicant_phone_tail`` column, when there is one, is filled from the phone. Rows
are written with ``COPY`` in batches of ``--batch`` cases, one transaction per batch.

``--jobs N`` runs N copying processes, each on its own connection and its own share of the
townships (so the case numbers each counts never meet). ``--bulk``, for a large seed,
drops the secondary indexes of these tables first (not those behind a primary key or
unique constraint), copies with foreign-key checks off (``session_replication_role =
replica``: the copies point at cases copied in the same transaction) and builds the indexes
again at the end. The dropped definitions are kept in the table ``seed_dropped_indexes``
until they are rebuilt, so a run that stops half-way leaves them to the next run, which
builds them before anything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import Date, DateTime, Table  # noqa: E402

from engine import Engine, ManualClock  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.history import GENESIS, event_hash  # noqa: E402
from engine.records import EventRecord  # noqa: E402
from engine.store.tables import Base  # noqa: E402

TEMPLATES = 8  # the cases of tests/support/stats_world.py
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥建国志强春梅海燕德明国华永红文兵淑珍晓燕"
PHONE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "152", "157", "158", "159",
                  "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153",
                  "180", "181", "189", "199", "177")  # fmt: skip


# What each case contributes to the figures is computed after the copies, by the engine's
# own code (``engine.stats.facts.fill``): copies' times move, and working days with them.
COMPUTED = frozenset({"case_figures", "late_steps"})


def tables() -> list[Table]:
    """The tables a case's rows live in: ``cases`` first, then every table pointing at it
    (but those of ``COMPUTED``)."""
    found = [Base.metadata.tables["cases"]]
    for table in Base.metadata.sorted_tables:
        if table.name in COMPUTED:
            continue
        if any(fk.column.table.name == "cases" for fk in table.foreign_keys):
            found.append(table)
    return found


@dataclass
class Template:
    case_id: int
    open: bool
    rows: dict[str, list[dict[str, Any]]]  # table -> rows (cases: one)
    township: str | None
    village: str | None
    names: list[str]  # the applicant's strings to replace: name, id number, phone
    created: datetime
    last: datetime
    steps: list[tuple[str, list[list[tuple[str, str, Any]]]]] | None = None

    @cached_property
    def keys(self) -> dict[str, str]:
        """The template's strings each copy replaces -> what replaces them."""
        keys = {r["id"]: "task" for r in self.rows["ready_tasks"]}
        for task in (e.get("task_id") for e in self.rows["events"]):
            if task:
                keys[task] = "task"
        if self.village:
            keys[self.village] = "village"
        if self.township:
            keys[self.township] = "township"
        for value, what in zip(self.names, ("name", "id_number", "phone"), strict=False):
            keys[value] = what
        if self.names[1:2]:
            keys[self.names[1][-6:]] = "id_tail"
        return keys


def raw_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_templates(url: str) -> None:
    """Build the templates on an empty database (migrating it first)."""
    from processes.catalogue import load_catalogue
    from tests.support.stats_world import build

    clock = ManualClock(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))
    engine = Engine(url, clock)
    try:
        with psycopg.connect(raw_url(url)) as conn:
            count = conn.execute("SELECT count(*) FROM cases").fetchone()
        if count is not None and count[0] == 0:
            build(engine, clock, load_catalogue())
    finally:
        engine.close()


def load_templates(conn: psycopg.Connection[Any]) -> list[Template]:
    ids = [r[0] for r in conn.execute("SELECT id FROM cases ORDER BY id LIMIT %s", [TEMPLATES])]
    templates = []
    for case_id in ids:
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in tables():
            key = "id" if table.name == "cases" else "case_id"
            names = [c.name for c in table.columns]
            cur = conn.execute(
                f"SELECT {', '.join(names)} FROM {table.name} WHERE {key} = %s "
                + ("ORDER BY seq" if table.name == "events" else ""),
                [case_id],
            )
            rows[table.name] = [dict(zip(names, r, strict=True)) for r in cur]
        case = rows["cases"][0]
        first = json.loads(rows["events"][0]["payload"])
        applicant = _applicant(first)
        strings = [
            str(applicant.get(k)) for k in ("name", "id_number", "phone") if applicant.get(k)
        ]
        township = case["org_unit"] if case["org_unit"] and len(case["org_unit"]) == 9 else None
        templates.append(
            Template(
                case_id=case_id,
                open=case["status"] == "open",
                rows=rows,
                township=township or (case["village"] or "")[:9] or None,
                village=case["village"],
                names=strings,
                created=case["created_at"],
                last=max(e["at"] for e in rows["events"]),
            )
        )
    return templates


def _applicant(payload: Any) -> dict[str, Any]:
    """The first ``applicant`` object found in a payload."""
    if isinstance(payload, dict):
        applicant = payload.get("applicant")
        if isinstance(applicant, dict):
            return applicant
        for value in payload.values():
            found = _applicant(value)
            if found:
                return found
    if isinstance(payload, list):
        for value in payload:
            found = _applicant(value)
            if found:
                return found
    return {}


class Person:
    """A generated applicant."""

    def __init__(self, rng: random.Random) -> None:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        self.name = rng.choice(SURNAMES) + given
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        body = f"511725{born:%Y%m%d}{rng.randrange(1000):03d}"
        self.id_number = body + _check_digit(body)
        self.phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _check_digit(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return "10X98765432"[total % 11]


def county_townships() -> list[str]:
    from processes.org_generator import generate_county

    return [u.code for u in generate_county().of_kind("township")]


class Seeder:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        templates: list[Template],
        args: Any,
        townships: list[str] | None = None,
    ):
        from processes.org_generator import generate_county

        self.conn, self.templates, self.args = conn, templates, args
        self.rng = random.Random(args.seed if args.seed is not None else time.time_ns())
        org = generate_county()  # the county's shape: 60 townships, 567 villages
        self.townships = townships or [u.code for u in org.of_kind("township")]
        self.villages = {
            t: [u.code for u in org.children(t, "village", "community")] or [t]
            for t in self.townships
        }
        self.closed = [t for t in templates if not t.open]
        self.open = [t for t in templates if t.open]
        self.tables = tables()
        self.columns = {t.name: [c.name for c in t.columns] for t in self.tables}
        self.serial = {
            t.name: [c.name for c in t.columns if c.primary_key and c.autoincrement is True]
            for t in self.tables
        }
        self.serial["cases"] = []  # the ids are drawn from the sequence beforehand
        self.times = {
            t.name: {c.name for c in t.columns if isinstance(c.type, DateTime | Date)}
            | {c.name for c in t.columns if type(c.type).__name__ == "UTCDateTime"}
            for t in self.tables
        }
        self.unique = {
            t.name: {
                c.name
                for c in t.columns
                if c.unique and not c.primary_key and c.name not in ("uid", "idempotency_key")
            }
            for t in self.tables
        }
        self.counters: dict[tuple[str, str], int] = {
            (r, d): n for r, d, n in conn.execute("SELECT region, day, last FROM case_counters")
        }
        self.touched: set[tuple[str, str]] = set()
        self.made: list[int] = []
        self.total = 0  # the copies this run makes
        self.now = datetime.now(UTC)
        self.seconds: dict[str, float] = defaultdict(float)

    def run(self, count: int) -> None:
        self.total = count
        done = 0
        started = time.perf_counter()
        while done < count:
            n = min(self.args.batch, count - done)
            self.batch(n)
            done += n
            rate = done / (time.perf_counter() - started)
            if not self.args.quiet:
                job = "" if self.args.job is None else f"job {self.args.job}: "
                print(f"  {job}{done} cases ({rate:.0f}/s)", flush=True)

    def batch(self, n: int) -> None:
        t0 = time.perf_counter()
        ids = [
            r[0]
            for r in self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, %s)",
                [n],
            )
        ]
        out: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in self.tables}
        # Ids in the order of registration, as a real county's: a month's cases lie
        # together in the tables, not spread over every page.
        chosen = sorted((self.choose() for _ in ids), key=lambda c: c[0].created + c[1])
        for case_id, (template, shift) in zip(ids, chosen, strict=True):
            self.copy(case_id, template, shift, out)
        self.made += ids
        t1 = time.perf_counter()
        self.seconds["python (copies, hashes)"] += t1 - t0
        with self.conn.cursor() as cur:
            for table in self.tables:
                rows = out[table.name]
                if not rows:
                    continue
                names = [c for c in self.columns[table.name] if c not in self.serial[table.name]]
                t = time.perf_counter()
                with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                self.seconds[f"COPY {table.name}"] += time.perf_counter() - t
            t = time.perf_counter()
            cur.executemany(
                "INSERT INTO case_counters (region, day, last) VALUES (%s, %s, %s) "
                "ON CONFLICT (region, day) DO UPDATE SET last = excluded.last",
                [(r, d, self.counters[(r, d)]) for r, d in self.touched],
            )
            self.touched.clear()
        self.conn.commit()
        self.seconds["counters, commit"] += time.perf_counter() - t

    def plan(self, template: Template) -> list[tuple[str, list[list[tuple[str, str, Any]]]]]:
        """For each table, each of the template's rows as (column, how, what) steps: ``v``
        the value as it is, ``t`` a time to move, ``u`` a unique value to derive from the
        uid, ``s`` a text with the template's strings to replace (split around them)."""
        if template.steps is None:
            keys = list(template.keys)
            pattern = re.compile(
                "(?<![0-9])("
                + "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
                + ")(?![0-9])"
            )
            steps = []
            for table in self.tables:
                rows = []
                for row in template.rows[table.name]:
                    row_steps: list[tuple[str, str, Any]] = []
                    for key in self.columns[table.name]:
                        if key in self.serial[table.name]:
                            continue
                        value = row[key]
                        if value is None:
                            row_steps.append((key, "v", None))
                        elif key in self.times[table.name]:
                            row_steps.append((key, "t", value))
                        elif key in self.unique[table.name]:
                            row_steps.append((key, "u", value))
                        elif isinstance(value, str) and pattern.search(value):
                            row_steps.append((key, "s", pattern.split(value)))
                        else:
                            row_steps.append((key, "v", value))
                    rows.append(row_steps)
                steps.append((table.name, rows))
            template.steps = steps
        return template.steps

    def choose(self) -> tuple[Template, timedelta]:
        """The template of the next copy and how far its times move (whole days): open
        copies registered in the last 10 days; closed ones within the last 12 months,
        later as the run goes on (the run's share done: a run's copies are registered in
        the order they are made, as a real county's are)."""
        rng = self.rng
        is_open = bool(self.open) and rng.random() < self.args.open_share
        template = rng.choice(self.open if is_open else self.closed)
        span = (template.last - template.created).days + 1
        if is_open:
            target = self.now - timedelta(days=rng.randrange(10))
        else:
            made = len(self.made) + rng.random() * self.args.batch  # within this batch
            done = min(1.0, made / max(1, self.total))
            target = self.now - timedelta(days=span + int((1.0 - done) * (365 - span)))
        return template, timedelta(days=(target - template.created).days)

    def copy(
        self,
        case_id: int,
        template: Template,
        shift: timedelta,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        rng = self.rng
        uid = uuid.uuid4().hex
        township = rng.choice(self.townships)
        village = rng.choice(self.villages[township])
        person = Person(rng)
        new = {
            "village": village,
            "township": township,
            "name": person.name,
            "id_number": person.id_number,
            "id_tail": person.id_number[-6:],
            "phone": person.phone,
        }
        mapping = {old: new[what] for old, what in template.keys.items() if what in new}
        for old, what in template.keys.items():
            if what == "task":
                mapping[old] = str(uuid.uuid5(uuid.UUID(uid), old))
        prev = GENESIS
        for table, rows in self.plan(template):
            for steps in rows:
                row: dict[str, Any] = {}
                for key, how, what in steps:
                    if how == "v":
                        row[key] = what
                    elif how == "t":
                        row[key] = what + shift
                    elif how == "s":
                        row[key] = "".join(
                            part if i % 2 == 0 else mapping[part] for i, part in enumerate(what)
                        )
                    else:
                        digest = hashlib.sha256(f"{uid}/{key}/{what}".encode()).hexdigest()
                        row[key] = digest[: len(str(what))]
                if table == "cases":
                    row.update(id=case_id, uid=uid, idempotency_key=None)
                    row["case_number"] = self.case_number(village, row["created_at"])
                    if "applicant_phone_tail" in row:
                        row["applicant_phone_tail"] = person.phone[-4:]
                    case = row
                else:
                    row["case_id"] = case_id
                if table == "events":
                    row["prev_hash"] = prev
                    fields: dict[str, Any] = {k: row.get(k) for k in EVENT_FIELDS}
                    record = EventRecord(**fields, hash="")
                    row["hash"] = prev = event_hash(record, uid, row["payload"])
                out[table].append(tuple(row.values()))
        case["last_hash"] = prev  # the cases row is a dict until now: set before COPY
        out["cases"][-1] = tuple(case.values())

    def case_number(self, village: str, created: datetime) -> str:
        """Region + yyyyMMdd (Beijing date) + the day's next number, as registration."""
        region = village.ljust(12, "0")[:12]
        day = f"{created.astimezone(SHANGHAI):%Y%m%d}"
        number = self.counters.get((region, day), 0) + 1
        self.counters[(region, day)] = number
        self.touched.add((region, day))
        return f"{region}{day}{number:04d}"


EVENT_FIELDS = (
    "case_id", "seq", "type", "actor", "at", "payload", "prev_hash", "on_behalf_of",
    "state_digest", "actor_role", "actor_unit", "clock_offset",
)  # fmt: skip


def seed(
    url: str,
    cases: int,
    *,
    batch: int = 5_000,
    open_share: float = 0.01,
    seed: int | None = None,
    quiet: bool = False,
    jobs: int = 1,
    bulk: bool = False,
) -> tuple[list[int], dict[str, float]]:
    """Add ``cases`` copies to the database at ``url`` (PostgreSQL); returns the new case
    ids and the seconds spent per part (summed over the jobs: the copying parts of
    several jobs overlap in time)."""
    ensure_templates(url)
    seconds: dict[str, float] = defaultdict(float)
    with psycopg.connect(raw_url(url), autocommit=True) as conn:
        rebuild_indexes(conn, seconds)  # what a stopped bulk run left
        if bulk:
            drop_indexes(conn, seconds)
    townships = county_townships()
    shares = [cases // jobs + (i < cases % jobs) for i in range(jobs)]
    work = [
        (url, shares[i], townships[i::jobs], batch, open_share,
         None if seed is None else seed + i, quiet, bulk, i if jobs > 1 else None)
        for i in range(jobs) if shares[i]
    ]  # fmt: skip
    if len(work) == 1:
        results = [_job(*work[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(len(work)) as pool:
            results = pool.starmap(_job, work)
    made: list[int] = []
    for ids, spent in results:
        made += ids
        for part, value in spent.items():
            seconds[part] += value
    with psycopg.connect(raw_url(url), autocommit=True) as conn:
        rebuild_indexes(conn, seconds)
    started = time.perf_counter()
    count_figures(url, sorted(made), jobs)
    seconds["figures (case_figures, figure_days)"] += time.perf_counter() - started
    with psycopg.connect(raw_url(url), autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("ANALYZE")
        seconds["ANALYZE"] += time.perf_counter() - started
    return sorted(made), dict(seconds)


def count_figures(url: str, made: list[int], jobs: int) -> None:
    """What the new cases contribute to the figures, as the engine counts it: ``jobs``
    processes, each on its own range of the new ids."""
    if not made:
        return
    size = -(-len(made) // jobs)
    ranges = [(made[i], made[min(i + size, len(made)) - 1]) for i in range(0, len(made), size)]
    if len(ranges) == 1:
        _count_figures(url, ranges[0])
        return
    with multiprocessing.get_context("spawn").Pool(len(ranges)) as pool:
        pool.starmap(_count_figures, [(url, r) for r in ranges])


def _count_figures(url: str, between: tuple[int, int]) -> int:
    from engine.calendar import WorkingCalendar
    from engine.stats import facts
    from engine.store import Store

    store = Store(url)
    try:
        return facts.fill(store, WorkingCalendar.default(), between=between, alone=False)
    finally:
        store.dispose()


def _job(
    url: str,
    cases: int,
    townships: list[str],
    batch: int,
    open_share: float,
    seed: int | None,
    quiet: bool,
    bulk: bool,
    number: int | None,
) -> tuple[list[int], dict[str, float]]:
    """One copying process: ``cases`` copies into ``townships``."""
    args = argparse.Namespace(
        batch=batch, open_share=open_share, seed=seed, quiet=quiet, job=number
    )
    with psycopg.connect(raw_url(url)) as conn:
        conn.execute("SET timezone TO 'UTC'")
        if bulk:
            conn.execute("SET session_replication_role = replica")
        templates = load_templates(conn)
        seeder = Seeder(conn, templates, args, townships)
        seeder.run(cases)
    return seeder.made, dict(seeder.seconds)


DROPPED = "seed_dropped_indexes"


def drop_indexes(conn: psycopg.Connection[Any], seconds: dict[str, float]) -> None:
    """Drop the secondary indexes of the case tables, keeping their definitions."""
    started = time.perf_counter()
    names = [t.name for t in tables()]
    with conn.transaction():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {DROPPED} (name text PRIMARY KEY, def text)")
        found = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)",
            [names],
        ).fetchall()
        for name, definition in found:
            conn.execute(
                f"INSERT INTO {DROPPED} VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition]
            )
            conn.execute(f'DROP INDEX "{name}"')
    seconds["dropping indexes"] += time.perf_counter() - started


def rebuild_indexes(conn: psycopg.Connection[Any], seconds: dict[str, float]) -> None:
    """Build the indexes a bulk run dropped (none when the table of them is absent)."""
    exists = conn.execute("SELECT to_regclass(%s)", [DROPPED]).fetchone()
    if not exists or exists[0] is None:
        return
    conn.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in conn.execute(f"SELECT name, def FROM {DROPPED}").fetchall():
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            conn.execute(f"DELETE FROM {DROPPED} WHERE name = %s", [name])
        seconds[f"index {name}"] += time.perf_counter() - started
    conn.execute(f"DROP TABLE {DROPPED}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DAIBAN_DATABASE_URL"), required=False)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--open-share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=1, help="copying processes")
    parser.add_argument(
        "--bulk", action="store_true", help="drop the secondary indexes, rebuild them at the end"
    )
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        parser.error("--url: a PostgreSQL database URL (COPY)")
    started = time.perf_counter()
    if args.jobs < 1:
        parser.error("--jobs: at least 1")
    made, seconds = seed(
        args.url,
        args.cases,
        batch=args.batch,
        open_share=args.open_share,
        seed=args.seed,
        jobs=args.jobs,
        bulk=args.bulk,
    )
    total = time.perf_counter() - started
    with psycopg.connect(raw_url(args.url)) as conn:
        after = conn.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
    print(
        f"{after} cases now; added {len(made)} in {total:.1f} s ({len(made) / total:.0f}/s, "
        "templates and ANALYZE included)"
    )
    for part, spent in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {part:28} {spent:8.1f} s")
    with open("/proc/loadavg") as f:
        print(f"load average: {f.read().strip()}")


if __name__ == "__main__":
    main()
