"""Scripts and expressions run in evaluator processes that are killed at their CPU budget.

The in-process guards (:mod:`engine.scripting.budget`) check between evaluation steps;
a single builtin call such as ``round(1, -10**7)`` or building a set of integers with
equal hashes runs in C, holds the GIL and never returns to them. Only another process
can be stopped in the middle of such a call, so every evaluation runs in a pre-started
worker process (:mod:`engine.scripting.worker`) while the calling thread waits on a pipe
without holding the GIL — other requests go on. A worker that uses more CPU time than
the run's budget is killed and the run fails with :class:`ScriptLimitExceeded`; the
kernel caps its memory. See docs/security.md for why this mechanism and what it costs.

A worker is a fresh interpreter started with ``subprocess`` (never ``fork`` of a threaded
server), with a minimal environment and ``PYTHONHASHSEED=0``, so set and dict orders of
strings are the same in every worker on every machine and replays agree.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import functools
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.logs import get_logger
from engine.scripting.fastpath import NeedsIsolation, guard_compare, is_cheap
from engine.scripting.limits import Limits
from engine.scripting.sandbox import Sandbox
from engine.scripting.worker import rebuild

log = get_logger(__name__)

MAX_MESSAGE = 64 * 1024 * 1024  # bytes of one answer from a worker
# The worker imports only the scripting modules: the engine package is registered without
# running its __init__ (which wires the database and SpiffWorkflow), so a worker starts in
# about a tenth of a second.
_BOOTSTRAP = """\
import sys, types
package = types.ModuleType("engine")
package.__path__ = [{path!r}]
sys.modules["engine"] = package
from engine.scripting.worker import main
main()
"""
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class IsolationSettings:
    """How evaluator processes are run.

    ``grace_seconds``: CPU time beyond a run's ``Limits.max_seconds`` before the kill,
    so that a script stopped by its own step or time checks reports the line it was on.
    ``wall_factor``: a run is also killed after this many times its budget of wall time
    (a worker starved of CPU by the machine still ends)."""

    max_workers: int = max(4, 2 * (os.cpu_count() or 1))
    memory_bytes: int = 512 * 1024 * 1024
    grace_seconds: float = 0.1
    wall_factor: float = 10.0
    start_timeout: float = 60.0


class _Unpickler(pickle.Unpickler):
    """Reads a worker's answers: plain data only, no class or function but ``complex``."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "complex"):
            return complex
        raise pickle.UnpicklingError(f"not allowed in an evaluator answer: {module}.{name}")


def _load(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


class _Worker:
    """One evaluator process and the two ends of its pipes."""

    def __init__(self, settings: IsolationSettings) -> None:
        bootstrap = _BOOTSTRAP.format(path=str(Path(__file__).resolve().parents[1]))
        # Nothing of the parent's environment: the interpreter is named by its full path,
        # so not even PATH is needed.
        environment = {"PYTHONHASHSEED": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-P", "-c", bootstrap, str(settings.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.writer = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.reader = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.cpu = 0.0  # the worker's CPU time when it last answered
        if not self.reader.poll(settings.start_timeout):
            self.kill()
            raise ScriptError("脚本执行进程未能启动")
        kind, self.cpu = self.receive()
        if kind != "ready":
            self.kill()
            raise ScriptError("脚本执行进程未能启动")

    def send(self, message: tuple[Any, ...]) -> None:
        self.writer.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def receive(self) -> Any:
        return _load(self.reader.recv_bytes(MAX_MESSAGE))

    def cpu_used(self) -> float | None:
        """The worker's total CPU time now, from /proc (None where there is none)."""
        try:
            with open(f"/proc/{self.process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def kill(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.process.kill()
        self.process.wait()
        self.close()

    def close(self) -> None:
        self.writer.close()
        self.reader.close()


class EvaluatorPool:
    """Worker processes shared by the threads of one process, started when needed.

    A thread takes an idle worker (or starts one, up to ``max_workers``; beyond that it
    waits for one), sends it the run and serves its calls of engine functions until the
    answer comes. Workers are never shared across ``fork``: a forked process starts its
    own."""

    def __init__(self, settings: IsolationSettings | None = None) -> None:
        self.settings = settings or IsolationSettings()
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0
        self._pid = os.getpid()
        self.runs = 0  # runs sent to workers, and workers killed at their budget
        self.kills = 0

    def run(
        self,
        mode: Literal["eval", "exec"],
        source: str,
        names: dict[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        limits: Limits,
    ) -> Any:
        """The value of an expression, or a script's (written, deleted) variables."""
        request = ("run", mode, source, names, tuple(sorted(functions)), limits)
        worker = self._started(request)
        healthy = False
        try:
            result, healthy = self._serve(worker, functions, limits)
            return result
        finally:
            self._release(worker, healthy)

    def close(self) -> None:
        """Stop the idle workers (busy ones stop when their run ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.kill()

    # -- one run ---------------------------------------------------------------------

    def _started(self, request: tuple[Any, ...]) -> _Worker:
        """A worker that has received ``request``; a worker that died while idle is
        replaced once."""
        for attempt in (1, 2):
            worker = self._acquire()
            try:
                worker.send(request)
            except OSError:
                self._release(worker, False)
                if attempt == 2:
                    raise ScriptError("脚本执行进程不可用") from None
                continue
            self.runs += 1
            return worker
        raise AssertionError("unreachable")

    def _serve(
        self, worker: _Worker, functions: Mapping[str, Callable[..., Any]], limits: Limits
    ) -> tuple[Any, bool]:
        """Wait for the answer, running the calls the worker asks for meanwhile."""
        budget = limits.max_seconds + self.settings.grace_seconds
        started = time.monotonic()
        while True:
            self._wait(worker, budget, started)
            try:
                message = worker.receive()
            except (EOFError, OSError, pickle.UnpicklingError) as error:
                raise self._lost(worker, error) from None
            kind = message[0]
            if kind == "call":
                worker.send(_call(functions, message[1], message[2], message[3]))
            elif kind == "done":
                worker.cpu = message[1]
                return message[2], True
            elif kind == "fail":
                worker.cpu = message[1]
                raise rebuild(message[2], message[3], message[4])
            else:
                raise self._lost(worker, ValueError(f"unexpected message {kind!r}"))

    def _wait(self, worker: _Worker, budget: float, started: float) -> None:
        """Return when the worker has answered; kill it once it used up its CPU budget.

        CPU time never exceeds wall time, so the first wait needs no reading of it."""
        timeout = budget
        while not worker.reader.poll(timeout):
            used = worker.cpu_used()
            elapsed = time.monotonic() - started
            spent = elapsed if used is None else used - worker.cpu
            if spent >= budget or elapsed >= budget * self.settings.wall_factor:
                self.kills += 1
                worker.kill()
                log.warning(
                    "evaluator_killed",
                    pid=worker.process.pid,
                    cpu_seconds=round(spent, 1),
                    wall_seconds=round(elapsed, 1),
                )
                raise ScriptLimitExceeded(
                    f"脚本执行超出 CPU 时间上限（{budget:g} 秒），已强制终止", cpu_seconds=budget
                )
            timeout = max(budget - spent, 0.05)

    def _lost(self, worker: _Worker, error: BaseException) -> ScriptError:
        """The worker died or answered nonsense: it is discarded, the run fails."""
        worker.kill()
        code = worker.process.returncode
        log.warning(
            "evaluator_lost", pid=worker.process.pid, exit_code=code, error=type(error).__name__
        )
        if code == -signal.SIGXCPU:
            return ScriptLimitExceeded("脚本执行超出 CPU 时间上限，已强制终止", exit_code=code)
        return ScriptLimitExceeded("脚本执行进程异常退出（可能超出内存上限）", exit_code=code)

    # -- workers ---------------------------------------------------------------------

    def _acquire(self) -> _Worker:
        with self._lock:
            self._after_fork()
            while not self._idle and self._count >= self.settings.max_workers:
                self._lock.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            return _Worker(self.settings)
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            if os.getpid() != self._pid:
                return  # a worker of the process we were forked from
            if healthy and worker.process.poll() is None:
                self._idle.append(worker)
            else:
                if worker.process.returncode is None:
                    worker.kill()
                self._count -= 1
            self._lock.notify()

    def _after_fork(self) -> None:
        """In a forked process, forget the parent's workers (they are not ours to use)."""
        if os.getpid() != self._pid:
            for worker in self._idle:
                worker.close()
            self._idle, self._count, self._pid = [], 0, os.getpid()


def _call(
    functions: Mapping[str, Callable[..., Any]], name: str, args: Any, kwargs: Any
) -> tuple[Any, ...]:
    """Run an engine function a worker asked for; its outcome as a message."""
    try:
        return ("return", functions[name](*args, **kwargs))
    except ScriptError as error:
        from engine.scripting.worker import describe

        return ("script_error", *describe(error))
    except Exception as error:
        plain = tuple(a if isinstance(a, str | int | float) else repr(a) for a in error.args)
        return ("exception", type(error).__name__, plain)


@functools.lru_cache(maxsize=1024)
def _names(tree: ast.AST) -> frozenset[str]:
    """The variable names a checked script or expression mentions: all it can read."""
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


class IsolatedSandbox:
    """:class:`Sandbox`'s interface with hard bounds: a run in the in-process subset
    (:mod:`engine.scripting.fastpath`) runs here, any other in an evaluator process of
    ``pool``. Scripts are checked here first (a rejected script never reaches a worker),
    and only the task data a script mentions is sent to it."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        limits: Limits | None = None,
        pool: EvaluatorPool | None = None,
    ) -> None:
        self.local = Sandbox(functions, limits or Limits(), guard_compare)
        self.functions = self.local.functions
        self.limits = self.local.limits
        self._function_names = frozenset(self.functions)
        self._pool = pool

    @property
    def pool(self) -> EvaluatorPool:
        return self._pool or default_pool()

    def evaluate(self, expression: str, names: Mapping[str, Any]) -> Any:
        tree = self.local.compile(expression, "eval")
        if is_cheap(tree, self._function_names):
            try:
                return self.local.evaluate(expression, names)
            except NeedsIsolation:
                pass
        return self.pool.run(
            "eval", expression, _subset(names, _names(tree)), self.functions, self.limits
        )

    def execute(self, script: str, variables: dict[str, Any]) -> None:
        tree = self.local.compile(script, "exec")
        if is_cheap(tree, self._function_names):
            try:
                self.local.execute(script, variables)
                return
            except NeedsIsolation:
                pass
        changed, deleted = self.pool.run(
            "exec", script, _subset(variables, _names(tree)), self.functions, self.limits
        )
        for name in deleted:
            variables.pop(name, None)
        variables.update(changed)


def _subset(names: Mapping[str, Any], wanted: frozenset[str]) -> dict[str, Any]:
    return {name: names[name] for name in wanted if name in names}


_DEFAULT: EvaluatorPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> EvaluatorPool:
    """The process's shared pool of evaluator processes."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = EvaluatorPool()
            atexit.register(_DEFAULT.close)
        return _DEFAULT
