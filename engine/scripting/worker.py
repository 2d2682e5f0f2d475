"""The evaluator process: runs one script or expression at a time for its parent.

It is started by :mod:`engine.scripting.isolation` and talks to its parent over one pipe,
in pickled tuples. It holds no database connection and no file of the parent's; it runs
the same in-process :class:`~engine.scripting.sandbox.Sandbox` the engine always used,
so a script's outcome is the same whether or not it is isolated. What the process adds is
a hard bound: its parent kills it when a run uses more CPU time than allowed, even inside
a single builtin call, and the kernel refuses it more memory than its limit.

Functions other than the builtins (the engine's helpers such as ``today()``) run in the
parent: the child asks for them with a ``call`` message, so they see the parent's clock
and calendar, exactly as in-process.

Messages, parent to child: ``("run", mode, source, names, function_names, limits)`` and,
answering a call, ``("return", value)``, ``("script_error", kind, message, context)`` or
``("exception", class_name, args)`` (re-raised under the same name, so the evaluator
reports it exactly as it would in-process).
Child to parent: ``("ready", cpu)``, ``("call", name, args, kwargs)``,
``("done", cpu, result)`` or ``("fail", cpu, kind, message, context)``; ``cpu`` is the
child's total CPU time, so the parent knows what a run has used.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.limits import Limits
from engine.scripting.policy import ScriptIssue
from engine.scripting.sandbox import Sandbox


class Pipes:
    """The child's end: requests on standard input, answers on standard output."""

    def __init__(self) -> None:
        self.reader = Connection(os.dup(0), writable=False)
        self.writer = Connection(os.dup(1), readable=False)

    def recv_bytes(self) -> bytes:
        return self.reader.recv_bytes()

    def send_bytes(self, data: bytes) -> None:
        self.writer.send_bytes(data)


def main() -> None:
    """Entry point of a worker process (see ``engine.scripting.isolation``)."""
    pipes = Pipes()
    # Nothing else may write to the answers' pipe, nor read the requests' one.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(pipes, int(sys.argv[1]))


def serve(connection: Pipes, memory_bytes: int) -> None:
    """The child's main loop: set its limits, then answer requests until the pipe closes."""
    _limit_resources(memory_bytes)
    sandboxes: dict[tuple[tuple[str, ...], Limits], Sandbox] = {}
    connection.send_bytes(pickle.dumps(("ready", time.process_time())))
    while True:
        try:
            request = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        _, mode, source, names, function_names, limits = request
        key = (tuple(function_names), limits)
        sandbox = sandboxes.get(key)
        if sandbox is None:
            functions = {name: _proxy(connection, name) for name in function_names}
            sandbox = sandboxes[key] = Sandbox(functions, limits)
        _cpu_backstop(limits)
        try:
            if mode == "eval":
                result: Any = sandbox.evaluate(source, names)
            else:
                result = sandbox.run_script(source, names)
            reply: tuple[Any, ...] = ("done", time.process_time(), result)
        except ScriptError as error:
            reply = ("fail", time.process_time(), *describe(error))
        except MemoryError:
            reply = ("fail", time.process_time(), "limit", "脚本占用内存过多", {})
        try:
            message = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # a value pickle cannot write: not storable either
            message = pickle.dumps(
                ("fail", time.process_time(), "error", f"结果无法保存：{error}", {})
            )
        connection.send_bytes(message)


def describe(error: ScriptError) -> tuple[str, str, dict[str, Any]]:
    """A script error as plain values: (kind, message, context)."""
    context = dict(error.context)
    if "issues" in context:
        context["issues"] = [(i.line, i.message) for i in context["issues"]]
    kind = "limit" if isinstance(error, ScriptLimitExceeded) else "error"
    return kind, error.message, context


def rebuild(kind: str, message: str, context: dict[str, Any]) -> ScriptError:
    """The script error :func:`describe` turned into plain values."""
    if "issues" in context:
        context["issues"] = [ScriptIssue(line, text) for line, text in context["issues"]]
    cls = ScriptLimitExceeded if kind == "limit" else ScriptError
    return cls(message, **context)


def _proxy(connection: Pipes, name: str) -> Callable[..., Any]:
    """A function that asks the parent to run ``name`` and returns its answer."""

    def call(*args: Any, **kwargs: Any) -> Any:
        connection.send_bytes(pickle.dumps(("call", name, args, kwargs)))
        answer = pickle.loads(connection.recv_bytes())
        if answer[0] == "return":
            return answer[1]
        if answer[0] == "script_error":
            raise rebuild(*answer[1:])
        _, class_name, args = answer  # another exception: re-raised as itself, by name
        builtin = getattr(builtins, class_name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            raise builtin(*args)
        raise type(class_name, (Exception,), {})(*args)

    call.__name__ = name
    return call


def _cpu_backstop(limits: Limits) -> None:
    """Let the kernel end this process (SIGXCPU) a little after the parent would: a run
    stays bounded even if the parent is gone and nobody reads its answer."""
    soft = math.ceil(time.process_time() + limits.max_seconds) + 2
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft <= hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _limit_resources(memory_bytes: int) -> None:
    """Address space capped at what the process has now plus ``memory_bytes``; no files
    written, no core dumps, no child processes (where the platform allows)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    current = pages * resource.getpagesize()
    caps = {
        resource.RLIMIT_AS: current + memory_bytes,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: 0,
        resource.RLIMIT_NPROC: 0,
    }
    for which, value in caps.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        # e.g. RLIMIT_NPROC below what the user already runs: the others still hold
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, hard))
