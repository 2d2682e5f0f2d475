"""What ``scale_bench.py`` and ``chaos.py`` share: a fresh PostgreSQL database, app servers
(gunicorn) and background workers (``daiban worker``) as processes of their own, their CPU
time from ``/proc``, and case lifecycles driven over real HTTP.

A lifecycle is ``api_bench.py``'s: RS010 registered at the 青丝乡 window or RS001 by the
village agent, every task through ``GET /tasks``, ``GET /tasks/{id}`` and
``POST /tasks/{id}/complete``, then the applicant's rating — entered by the registering
staff member as given on the counter's rating pad (``POST /cases/{id}/ratings``; the
``rating`` message ``api_bench.py`` posts is the resident's own, through the one-time link,
whose public page allows 30 requests per address per 10 minutes). The path is not fixed in advance: each answer names the
next tasks, and their form data come from the deployed definitions (``fill_form``).
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_bench import LIFECYCLES, WORKERS, Lifecycle, registration_body  # noqa: E402

from engine.simulate import fill_form  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402
from webapi.settings import Settings, build_engine  # noqa: E402

API = "/api/v1"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
TICK = os.sysconf("SC_CLK_TCK")
USERS = sorted({lc.registrar for lc in LIFECYCLES} | set(WORKERS.values()))
RATING = {"level": 5, "channel": "pad"}  # 非常满意, from the rating pad
READER = "wang.fang"  # sees every case of 青丝乡: re-reads a case after a lost answer


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU time of a live process (0 if it is gone); ``reaped``: with that
    of its children that exited and were waited for (gunicorn's recycled workers)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    if reaped:
        own += int(fields[13]) + int(fields[14])  # cutime, cstime (fields 16 and 17)
    return own / TICK


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def python_speed(additions: int = 5_000_000) -> float:
    """CPU seconds a fixed pure-Python loop takes now: how fast this machine's cores run at
    the moment. It moves within the hour with no steal time shown and the load average
    unchanged, and every absolute figure of a benchmark moves with it, so
    ``scale_bench.py`` prints it beside them."""
    started = time.process_time()
    total = 0
    for number in range(additions):
        total += number
    return time.process_time() - started


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# -- the database -------------------------------------------------------------------------
class Database:
    """A database of its own on the local PostgreSQL, created now, dropped by ``drop``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        with self._connect("postgres") as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

    def _connect(self, name: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name or self.name, autocommit=True
        )

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as connection:
            return connection.execute(sql, params).fetchall()

    def backend_pids(self) -> list[int]:
        with self._connect("postgres") as connection:
            found = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchall()
        return [pid for (pid,) in found]

    def activity(self) -> tuple[float, int]:
        """Milliseconds the database's backends spent running statements, and commits."""
        with self._connect("postgres") as connection:
            connection.execute("SELECT pg_stat_clear_snapshot()")
            active, commits = connection.execute(
                "SELECT active_time, xact_commit FROM pg_stat_database WHERE datname = %s",
                (self.name,),
            ).fetchone() or (0.0, 0)
        return float(active or 0.0), int(commits or 0)

    def terminate_backends(self) -> int:
        with self._connect("postgres") as connection:
            found = connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchall()
        return len(found)

    def drop(self) -> None:
        with self._connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- processes ----------------------------------------------------------------------------
@dataclass
class Service:
    """An app server or a worker: a process (group) of its own that we started."""

    kind: str  # "server" or "worker"
    index: int
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    cpu_of_dead: float = 0.0  # CPU time of the earlier incarnations, seen before each kill

    @property
    def name(self) -> str:
        return f"{self.kind} {self.index}" + (f" :{self.port}" if self.port else "")

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.log.parent,
                start_new_session=True,  # its own process group: a kill takes all of it
            )
        self.starts += 1

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *children(self.process.pid)]

    def cpu(self) -> float:
        """CPU time of the service so far: its earlier incarnations, its process with the
        children it reaped (a gunicorn worker replaced after ``max_requests``), and the
        children alive now."""
        return self.cpu_of_dead + self._cpu_alive()

    def _cpu_alive(self) -> float:
        pids = self.pids()
        if not pids:
            return 0.0
        return cpu_seconds(pids[0], reaped=True) + sum(cpu_seconds(pid) for pid in pids[1:])

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal(self, sig: signal.Signals, wait: float) -> None:
        if self.process is None:
            return
        self.cpu_of_dead += self._cpu_alive()
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        self.signal(signal.SIGKILL, 10)

    def stop(self) -> None:
        if self.exit_code() is None:
            self.signal(signal.SIGTERM, 15)

    def tail(self, lines: int = 5) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Cluster:
    """App servers and workers on one database, sharing one files folder."""

    def __init__(
        self,
        database: Database,
        folder: Path,
        gunicorn_workers: int,
        env: dict[str, str],
        *,
        freeze: bool = True,
        max_requests: int = 0,
    ) -> None:
        """``freeze``: the app servers freeze their start-up heap as the shipped
        configuration has them do (``webapi/heap.py``: gunicorn's ``post_worker_init``).
        ``max_requests``: a gunicorn worker is replaced after about that many requests
        (jitter a tenth of it), as ``deploy/gunicorn.conf.py`` has it; 0: never."""
        self.freeze = freeze
        self.max_requests = max_requests
        self.database = database
        self.folder = folder
        self.gunicorn_workers = gunicorn_workers
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DAIBAN_DATABASE_URL": database.url,
            "DAIBAN_FILES_DIR": str(folder / "files"),
            **env,
        }
        self.servers: list[Service] = []
        self.workers: list[Service] = []

    def cli(self, *args: str) -> str:
        """``daiban ARGS`` on the database; its standard output."""
        done = subprocess.run(
            [sys.executable, "-m", "webapi", *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"daiban {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
        return done.stdout

    def set_up(self) -> dict[str, str]:
        """Migrate and deploy the library (as the production section does), a token per user."""
        self.cli("deploy")
        return {user: self.cli("users", "token", user, "--hours", "24").strip() for user in USERS}

    def add_server(self, port: int) -> Service:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(self.gunicorn_workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "webapi:create_app()",
        ]
        if self.max_requests:
            jitter = str(self.max_requests // 10)
            argv[3:3] = ["--max-requests", str(self.max_requests), "--max-requests-jitter", jitter]
        if self.freeze:
            hooks = self.folder / "gunicorn_hooks.py"
            hooks.write_text("from webapi.heap import post_worker_init  # noqa: F401\n")
            argv[3:3] = ["-c", str(hooks)]
        index = len(self.servers)
        service = Service("server", index, argv, self.env, self.folder / f"server{index}.log", port)
        self.servers.append(service)
        service.start()
        return service

    def add_worker(self, interval: float) -> Service:
        argv = [sys.executable, "-m", "webapi", "worker", "--interval", str(interval)]
        index = len(self.workers)
        service = Service("worker", index, argv, self.env, self.folder / f"worker{index}.log")
        self.workers.append(service)
        service.start()
        return service

    def wait_ready(self, timeout: float = 90) -> None:
        """Every app server answers its health check."""
        deadline = time.monotonic() + timeout
        for server in self.servers:
            while True:
                try:
                    if requests.get(self.base(server) + f"{API}/health", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if server.exit_code() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{server.name} did not start:\n{server.tail(20)}")
                time.sleep(0.2)

    @staticmethod
    def base(server: Service) -> str:
        return f"http://127.0.0.1:{server.port}"

    def urls(self) -> list[str]:
        return [self.base(s) for s in self.servers]

    def stop(self) -> None:
        for service in [*self.servers, *self.workers]:
            service.stop()


# -- what the clients send ----------------------------------------------------------------
class Plan:
    """Registration bodies and the form data of every task, from the deployed definitions."""

    def __init__(self, url: str) -> None:
        settings = Settings.from_environ({"DAIBAN_DATABASE_URL": url}, {})
        self.engine = build_engine(settings)
        catalogue = load_catalogue()
        self.bodies = {lc.item_code: registration_body(catalogue, lc) for lc in LIFECYCLES}
        self.today = self.engine.clock.now().date().isoformat()
        definitions = self.engine.definitions
        self.compiled = {  # read now: later the database may be cut off (chaos.py)
            lc.item_code: definitions.compiled(
                definitions.latest(f"item_{lc.item_code.lower()}").hash
            )
            for lc in LIFECYCLES
        }
        self._forms: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def form_data(self, item_code: str, process_id: str, spec_id: str) -> dict[str, Any]:
        key = (item_code, process_id, spec_id)
        with self._lock:
            if key not in self._forms:
                form = self.compiled[item_code].form(process_id, spec_id)
                self._forms[key] = fill_form(form, {}, self.today)
            return self._forms[key]

    def close(self) -> None:
        self.engine.close()


@dataclass
class Tally:
    """What one client saw: latencies per request type, errors, and the writes the server
    acknowledged (2xx) or that a re-read showed done after a lost answer."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0
    retries: int = 0
    lifecycles: int = 0
    abandoned: int = 0
    completions: int = 0
    cases: dict[int, str] = field(default_factory=dict)  # id -> case number (201)
    keys: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> case id
    key_mismatches: int = 0  # a retry with the same key answered another case
    completed: list[str] = field(default_factory=list)  # task ids, 200
    completed_by_reading: list[str] = field(default_factory=list)
    rated: list[int] = field(default_factory=list)
    rated_by_reading: list[int] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for label, values in other.samples.items():
            self.samples[label] += values
        for label, count in other.errors.items():
            self.errors[label] += count
        for name in ("requests", "retries", "lifecycles", "abandoned", "completions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.key_mismatches += other.key_mismatches
        self.cases.update(other.cases)
        self.keys.update(other.keys)
        self.completed += other.completed
        self.completed_by_reading += other.completed_by_reading
        self.rated += other.rated
        self.rated_by_reading += other.rated_by_reading


class Lost(Exception):
    """The lifecycle cannot go on (an error answer, or retries ran out)."""


class Client:
    """One client: its own HTTP session, the app servers in turn, request after request.

    With ``retries``, a connection error or a 5xx answer is sent again (the same body and
    ``Idempotency-Key``) after a short wait, up to that many times."""

    def __init__(
        self,
        number: int,
        urls: list[str],
        tokens: dict[str, str],
        plan: Plan,
        retries: int = 0,
        timeout: float = 30,
    ) -> None:
        self.number = number
        self.servers = itertools.cycle(urls[number % len(urls) :] + urls[: number % len(urls)])
        self.headers = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
        self.plan = plan
        self.retries = retries
        self.timeout = timeout
        self.session = requests.Session()
        self.tally = Tally()
        self.random = random.Random(number)
        self.prefix = secrets.token_hex(4)  # keys of their own in every run and configuration
        self.sequence = 0

    def call(
        self,
        method: str,
        path: str,
        user: str,
        label: str,
        body: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> tuple[int, Any, bool]:
        """Status, JSON body and whether an earlier attempt was lost (so a 409 may be ours)."""
        headers = dict(self.headers[user])
        if key is not None:
            headers["Idempotency-Key"] = key
        lost_before = False
        for attempt in range(self.retries + 1):
            url = next(self.servers) + API + path
            self.tally.requests += 1
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method, url, json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException:
                status, answer = 0, None
            else:
                status = response.status_code
                try:
                    answer = response.json()
                except ValueError:
                    answer = None
                self.tally.samples[label].append(time.perf_counter() - started)
            if status and status < 500:
                if status >= 400:
                    code = answer.get("code") if isinstance(answer, dict) else None
                    self.tally.errors[f"{label} {status} {code or ''}".strip()] += 1
                return status, answer, lost_before
            self.tally.errors[f"{label} {status or 'no answer'}"] += 1
            lost_before = True
            if attempt < self.retries:
                self.tally.retries += 1
                time.sleep(min(1.0, 0.1 * 2**attempt) * (0.5 + self.random.random()))
        raise Lost(f"{label}: no answer after {self.retries + 1} attempts")

    def lifecycle(self, lifecycle: Lifecycle, rate: bool = True) -> int:
        """One case from registration to its rating (``rate``: else left waiting for it);
        the case's id."""
        self.sequence += 1
        key = f"{self.prefix}-c{self.number}-{self.sequence}"
        item = lifecycle.item_code
        status, case, _ = self.call(
            "POST", "/cases", lifecycle.registrar, "POST /cases", self.plan.bodies[item], key
        )
        if status != 201:
            raise Lost(f"POST /cases {status}")
        known = self.tally.keys.setdefault(key, case["id"])
        if known != case["id"]:
            self.tally.key_mismatches += 1
        self.tally.cases[case["id"]] = case["case_number"]
        tasks = case["tasks"]
        while tasks:
            task = tasks[0]
            user = WORKERS.get(task["role"])
            if user is None:
                raise Lost(f"a task of role {task['role']}")
            self.call("GET", "/tasks", user, "GET /tasks")
            self.call("GET", f"/tasks/{task['id']}", user, "GET /tasks/{id}")
            data = self.plan.form_data(item, task["process_id"], task["spec_id"])
            path = f"/tasks/{task['id']}/complete"
            status, done, lost = self.call(
                "POST", path, user, "POST /tasks/{id}/complete", data, f"{key}-{task['id']}"
            )
            if status == 200:
                self.tally.completed.append(task["id"])
                tasks = done["next_tasks"]
            elif status == 409 and lost:  # an earlier attempt may have done it: read the case
                now = self.read_case(case["id"])
                if any(t["id"] == task["id"] for t in now["tasks"]):
                    raise Lost("task not done after a lost answer and a 409")
                self.tally.completed_by_reading.append(task["id"])
                tasks = now["tasks"]
            else:
                raise Lost(f"complete {status}")
            self.tally.completions += 1
        if not rate:
            return int(case["id"])
        status, done, lost = self.call(
            "POST",
            f"/cases/{case['id']}/ratings",
            lifecycle.registrar,
            "POST /cases/{id}/ratings",
            RATING,
            f"{key}-rating",
        )
        if status == 200:
            self.tally.rated.append(case["id"])
        elif status == 409 and lost and self.read_case(case["id"])["status"] == "completed":
            self.tally.rated_by_reading.append(case["id"])
        else:
            raise Lost(f"rating {status}")
        self.tally.lifecycles += 1
        return int(case["id"])

    def read_case(self, case_id: int) -> Any:
        status, answer, _ = self.call("GET", f"/cases/{case_id}", READER, "GET /cases/{id}")
        if status != 200:
            raise Lost(f"GET /cases/{case_id} {status}")
        return answer

    def run(self, until: float) -> None:
        """Lifecycles, the two items in turn, until the monotonic time ``until``."""
        turn = self.number
        while time.monotonic() < until:
            try:
                self.lifecycle(LIFECYCLES[turn % len(LIFECYCLES)])
            except Lost:
                self.tally.abandoned += 1
            turn += 1


def drive(clients: list[Client], seconds: float) -> Tally:
    """Run the clients in threads for ``seconds``; what they saw, merged."""
    until = time.monotonic() + seconds
    failures: list[BaseException] = []

    def run(client: Client) -> None:
        try:
            client.run(until)
        except BaseException as error:  # a bug in the bench: stop, do not report zeros
            failures.append(error)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    total = Tally()
    for client in clients:
        total.merge(client.tally)
    return total


@contextmanager
def fresh_database(prefix: str, keep: bool) -> Iterator[Database]:
    database = Database(f"{prefix}_{os.getpid()}")
    try:
        yield database
    finally:
        if keep:
            print(f"kept database {database.name}: {database.url}")
        else:
            database.drop()
