"""The background worker's loop (``daiban worker``, ``daiban tick --loop``): rounds of
periodic jobs — due timers and warnings, the day's scheduled pickup and delivery runs,
the notices due — that survive the database going away and stop cleanly when asked.

Safe to run as many copies as you like against PostgreSQL: a timer firing or a warning
holds its case's row (``FOR UPDATE SKIP LOCKED``, ``CaseRepository.claim``) and checks
again under it that something is still due, a run is made once per agent and day (a
unique row), a notice is sent under a leased claim (``engine.notices``). A firing that
would change nothing writes nothing. SQLite takes one writer at a time and ignores row
locks: there, run one worker (``daiban worker`` refuses a second on the same file).

A round that fails because the database is unreachable (``Unavailable``, or a commit
whose outcome is unknown) is logged and tried again after a back-off that doubles up to
``max_backoff`` seconds; a round that fails with anything else is logged with its stack
(a bug) and retried the same way, so one bad case cannot stop every deadline.
"""

from __future__ import annotations

import fcntl
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.cases import TickReport
from engine.errors import OutcomeUnknown, Unavailable
from engine.logs import get_logger

if TYPE_CHECKING:
    from engine import Engine
    from engine.notices import SendReport

log = get_logger(__name__)


@dataclass
class RoundReport:
    """What one round did, and how far behind the timers are after it."""

    tick: TickReport = field(default_factory=TickReport)
    runs: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    due_timers: int = 0  # cases with a timer due now and not fired (by another worker?)
    lag_seconds: float = 0.0  # how long the oldest of them has been due

    @property
    def busy(self) -> bool:
        tick = self.tick
        return bool(
            tick.fired or tick.warnings or self.runs or self.sent or self.retried or self.dead
        )


@dataclass
class WorkerStats:
    """Counters of the worker's life, for its log and its metrics."""

    rounds: int = 0
    failed_rounds: int = 0
    consecutive_failures: int = 0
    fired: int = 0


def backoff(failures: int, base: float, maximum: float) -> float:
    """Seconds to wait after the ``failures``-th failed round in a row: ``base`` doubled
    each time up to ``maximum``, with up to a quarter of jitter so that many workers
    that lost the same database do not all come back at the same instant."""
    delay: float = min(base * 2.0 ** max(failures - 1, 0), maximum)
    return delay * (1 - random.random() / 4)


class Worker:
    """Runs ``jobs`` in rounds until ``stop`` is set.

    ``round_job`` does one round's work and returns its report; it is given a
    ``should_stop`` callable that long jobs check between cases, so a SIGTERM ends the
    round after the case in hand."""

    def __init__(
        self,
        round_job: Callable[[Callable[[], bool]], RoundReport],
        *,
        interval: float,
        backoff_base: float = 1.0,
        max_backoff: float = 60.0,
        on_round: Callable[[RoundReport], Any] | None = None,
        on_failure: Callable[[BaseException], Any] | None = None,
    ) -> None:
        self.round_job = round_job
        self.interval = interval
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.on_round = on_round
        self.on_failure = on_failure
        self.stop = threading.Event()
        self.stats = WorkerStats()

    def run_once(self) -> RoundReport:
        """One round; database failures propagate (``--once`` reports them)."""
        report = self.round_job(self.stop.is_set)
        self._count(report)
        return report

    def run(self) -> WorkerStats:
        """Rounds until ``stop`` is set; every failure is logged and waited out."""
        log.info("worker_started", interval=self.interval)
        while not self.stop.is_set():
            try:
                self.run_once()
            except (Unavailable, OutcomeUnknown) as error:
                delay = self._failed(error)
                log.warning(
                    "worker_database_unavailable",
                    reason=error.context.get("reason", error.code),
                    failures=self.stats.consecutive_failures,
                    retry_in=round(delay, 1),
                )
                self.stop.wait(delay)
                continue
            except Exception as error:  # a bug in one round must not stop every deadline
                delay = self._failed(error)
                log.error(
                    "worker_round_failed",
                    exc_info=True,
                    error=type(error).__name__,
                    failures=self.stats.consecutive_failures,
                    retry_in=round(delay, 1),
                )
                self.stop.wait(delay)
                continue
            self.stop.wait(self.interval)
        log.info(
            "worker_stopped",
            rounds=self.stats.rounds,
            failed_rounds=self.stats.failed_rounds,
            fired=self.stats.fired,
        )
        return self.stats

    def _count(self, report: RoundReport) -> None:
        if self.stats.consecutive_failures:
            log.info("worker_recovered", after_failures=self.stats.consecutive_failures)
        self.stats.consecutive_failures = 0
        self.stats.rounds += 1
        self.stats.fired += len(report.tick.fired)
        if self.on_round is not None:
            self.on_round(report)
        fields = {
            "fired": len(report.tick.fired),
            "warnings": len(report.tick.warnings),
            "runs": report.runs,
            "sent": report.sent,
            "due_timers": report.due_timers,
            "lag_seconds": round(report.lag_seconds, 1),
        }
        if report.lag_seconds > max(3 * self.interval, 60.0):
            log.warning("worker_behind", **fields)
        elif report.busy:
            log.info("worker_round", **fields)
        else:
            log.debug("worker_round", **fields)

    def _failed(self, error: BaseException) -> float:
        if self.on_failure is not None:
            self.on_failure(error)
        self.stats.failed_rounds += 1
        self.stats.consecutive_failures += 1
        return backoff(self.stats.consecutive_failures, self.backoff_base, self.max_backoff)


def engine_round(
    engine: Engine, send: Callable[[], SendReport] | None
) -> Callable[[Callable[[], bool]], RoundReport]:
    """The worker's round on ``engine``: fire due timers and raise warnings, make the
    day's scheduled runs, send the notices due (``send``; None: not this worker's job,
    as in ``daiban tick``), then measure how far behind the timers are."""

    def one_round(should_stop: Callable[[], bool]) -> RoundReport:
        report = RoundReport(tick=engine.cases.tick(stop=should_stop))
        if not should_stop():
            report.runs = len(engine.runs.make_due())
        if send is not None and not should_stop():
            sent = send()
            report.sent, report.retried, report.dead = (
                len(sent.sent),
                len(sent.retried),
                len(sent.dead),
            )
        backlog = engine.operations.backlog()
        report.due_timers, report.lag_seconds = backlog.timers_due, backlog.timer_lag_seconds
        return report

    return one_round


@contextmanager
def single_worker(engine: Engine) -> Iterator[None]:
    """On SQLite, hold the database's worker lock (a ``flock`` on ``<file>.worker.lock``)
    for as long as the worker runs: a second worker on the same file is refused, since
    SQLite has no row locks to share the work by. Other databases: nothing to hold."""
    database = engine.store.sqlite_path
    if database is None:
        yield
        return
    lock_path = database.with_name(database.name + ".worker.lock")
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Unavailable(
                f"已有后台作业进程在使用 SQLite 数据库 {database.name}（锁文件 {lock_path.name}）；"
                "SQLite 只能运行一个后台作业进程，多个请改用 PostgreSQL",
                "busy",
                lock=str(lock_path),
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
