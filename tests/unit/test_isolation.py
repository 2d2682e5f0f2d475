"""Hard bounds on script evaluation: a run that outlasts its CPU budget inside one
builtin call is killed with its worker process, memory is capped by the kernel, other
threads go on meanwhile, and the common path never leaves the engine's process (through
the engine and the HTTP API: ``tests/api/test_api_isolation.py``)."""

from __future__ import annotations

import html
import os
import pickle
import re
import resource
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import Any

import pytest

from engine.clock import SHANGHAI, ManualClock, using_clock
from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.fastpath import is_cheap
from engine.scripting.helpers import HELPERS
from engine.scripting.isolation import (
    EvaluatorPool,
    IsolatedSandbox,
    IsolationSettings,
    _load,
)
from engine.scripting.sandbox import Limits, Sandbox
from tests.support.paths import BPMN, ROOT
from tests.support.scripts import HOSTILE, ONE_CALL_BLOW_UPS

FAST = Limits(max_seconds=1.0)


@pytest.fixture
def pool() -> Any:
    instance = EvaluatorPool(IsolationSettings(max_workers=2))
    yield instance
    instance.close()


@pytest.mark.parametrize("script", ONE_CALL_BLOW_UPS)
def test_one_builtin_call_is_killed_at_its_cpu_budget(pool: EvaluatorPool, script: str) -> None:
    box = IsolatedSandbox(limits=FAST, pool=pool)
    variables = {"keep": 1}
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match="CPU 时间上限"):
        box.execute(script, variables)
    assert variables == {"keep": 1}
    assert time.monotonic() - started < 1.0 + 3.0  # budget, grace, a loaded machine
    assert pool.kills == 1
    assert box.evaluate("sum([i for i in range(10)])", {}) == 45  # a fresh worker


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_default_budget_is_two_seconds_of_cpu(pool: EvaluatorPool) -> None:
    """The budget is CPU time: the killed worker (reaped, so counted among this process's
    children) used 2.1 s of it plus its start, however loaded the machine; the wall time
    is bounded by the wall factor, which only a starved machine reaches."""
    box = IsolatedSandbox(pool=pool)
    box.evaluate("1 + 1", {})  # the worker started before the clock starts
    cpu, started = _children_cpu(), time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match=r"2\.1 秒"):
        box.execute(ONE_CALL_BLOW_UPS[0], {})
    elapsed, spent = time.monotonic() - started, _children_cpu() - cpu
    assert 2.0 <= spent < 2.1 + 1.5, spent  # its start-up CPU counts too
    assert 2.0 <= elapsed < 2.1 * pool.settings.wall_factor
    assert pool.kills == 1
    assert Limits().max_seconds == 2.0


def test_memory_is_capped_by_the_kernel() -> None:
    roomy = Limits(max_string=10**10, max_allocation=10**11, max_data_size=10**11)
    small = EvaluatorPool(IsolationSettings(max_workers=1, memory_bytes=64 * 1024 * 1024))
    try:
        box = IsolatedSandbox(limits=roomy, pool=small)
        variables = {"keep": 1}
        with pytest.raises(ScriptLimitExceeded, match="内存"):
            box.execute("x = 'a' * 300000000", variables)
        assert variables == {"keep": 1}
        assert box.evaluate("len('a' * 1000000)", {}) == 1000000
    finally:
        small.close()


def test_other_threads_go_on_while_a_worker_burns(pool: EvaluatorPool) -> None:
    box = IsolatedSandbox(limits=Limits(max_seconds=1.5), pool=pool)
    outcome: list[BaseException] = []

    def hostile() -> None:
        try:
            box.execute(ONE_CALL_BLOW_UPS[0], {})
        except ScriptLimitExceeded as error:
            outcome.append(error)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.5)  # the worker is inside set() now
    gaps = []
    while thread.is_alive():
        started = time.monotonic()
        total = sum(range(20000))  # pure Python: needs the GIL
        gaps.append(time.monotonic() - started)
        assert total == 199990000
        time.sleep(0.01)
    thread.join()
    assert len(outcome) == 1
    assert len(gaps) > 20
    assert max(gaps) < 0.5


def test_busy_workers_make_other_runs_wait_not_fail(pool: EvaluatorPool) -> None:
    box = IsolatedSandbox(limits=FAST, pool=pool)
    results: list[Any] = []

    def run(expression: str) -> None:
        try:
            results.append(box.evaluate(expression, {}))
        except ScriptLimitExceeded:
            results.append("killed")

    threads = [threading.Thread(target=run, args=(HOSTILE,)) for _ in range(3)]
    threads += [threading.Thread(target=run, args=("max([3, 1, 2])",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["3", "3", "3", "killed", "killed", "killed"]
    assert pool.kills == 3


def test_a_worker_that_died_while_idle_is_replaced(pool: EvaluatorPool) -> None:
    box = IsolatedSandbox(pool=pool)
    assert box.evaluate("min([2, 1])", {}) == 1
    (worker,) = pool._idle
    os.kill(worker.process.pid, 9)
    worker.process.wait()
    assert box.evaluate("min([5, 4])", {}) == 4


def test_the_worker_gets_only_the_names_a_script_mentions(pool: EvaluatorPool) -> None:
    box = IsolatedSandbox(pool=pool)
    variables: dict[str, Any] = {"a": [1, 2], "unrelated": threading.Lock()}  # unpicklable
    box.execute("b = [x * 2 for x in a]", variables)
    assert variables["b"] == [2, 4]
    assert pool.runs == 1


def test_helpers_run_in_the_engine_process_with_its_clock() -> None:
    box = IsolatedSandbox(HELPERS)
    variables: dict[str, Any] = {}
    # the day before the National Day holiday 2026 (1-7 October): next working day the 8th
    with using_clock(ManualClock(datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))):
        box.execute("days = [working_days_after(today(), n) for n in range(2)]", variables)
    assert variables["days"] == ["2026-09-30", "2026-10-08"]


def test_worker_answers_may_hold_plain_data_only() -> None:
    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, ("true",))

    assert _load(pickle.dumps(("done", 0.0, [{1, 2}, (1,), 1j, b"x", None]))) == (
        "done",
        0.0,
        [{1, 2}, (1,), 1j, b"x", None],
    )
    with pytest.raises(pickle.UnpicklingError, match=r"posix\.system"):
        _load(pickle.dumps(Evil()))


_FORKING = """
import os
from engine.scripting.isolation import IsolatedSandbox
box = IsolatedSandbox()
assert box.evaluate("max([1, 2])", {}) == 2  # the parent has a worker now
reader, writer = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(writer, str(box.evaluate("max([7, 8])", {})).encode())
    os._exit(0)
os.close(writer)
os.waitpid(pid, 0)
print(os.read(reader, 100).decode(), box.evaluate("max([3, 4])", {}))
"""


def test_workers_are_not_shared_across_fork() -> None:
    """As under gunicorn with --preload: a forked process starts workers of its own, and
    the parent's keep working (in a fresh interpreter: no test-runner threads to fork)."""
    done = subprocess.run(
        [sys.executable, "-c", _FORKING], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "4"]


# -- the in-process subset ---------------------------------------------------------------


def _library_expressions() -> set[tuple[str, str]]:
    """Every condition, timer expression and script of the BPMN library."""
    found: set[tuple[str, str]] = set()
    patterns = {
        "eval": r"<bpmn:(?:conditionExpression|timeDuration|timeDate|timeCycle)[^>]*>([^<]*)<",
        "exec": r"<bpmn:script>([^<]*)<",
    }
    for path in BPMN.rglob("*.bpmn"):
        text = path.read_text(encoding="utf-8")
        for mode, pattern in patterns.items():
            found |= {(mode, html.unescape(match)) for match in re.findall(pattern, text)}
    return found


def test_the_library_evaluates_in_process() -> None:
    checker = Sandbox(HELPERS)
    expressions = _library_expressions()
    assert len(expressions) > 40
    slow = [
        source
        for mode, source in expressions
        if not is_cheap(checker.compile(source, mode), frozenset(HELPERS))  # type: ignore[arg-type]
    ]
    assert slow == []


@pytest.mark.parametrize(
    "source",
    [
        "round(1, -10 ** 7)",
        "len(set(items)) > 0",
        "x + 1 > 2",
        "len(items) > 0",
        "[i for i in items]",
        "items[0:2] == []",
        "items.count(1) > 0",
        "f'{x}' == 'a'",
        "str(x) == 'a'",
        "x.get(y) == 1",
        "int(x) > 3",
    ],
)
def test_anything_else_runs_in_a_worker(source: str) -> None:
    tree = Sandbox(HELPERS).compile(source, "eval")
    assert not is_cheap(tree, frozenset(HELPERS))


def test_container_comparisons_are_handed_to_a_worker(pool: EvaluatorPool) -> None:
    box = IsolatedSandbox(HELPERS, pool=pool)
    names = {"a": {"k": [1]}, "b": {"k": [1]}, "x": "k"}
    assert box.evaluate("x == 'k' and x in a", names) is True
    assert pool.runs == 0
    assert box.evaluate("a == b", names) is True
    assert box.evaluate("[1] in a['k'] or a in [b]", names) is True
    assert pool.runs == 2


def test_errors_in_workers_keep_their_kind() -> None:
    box = IsolatedSandbox()
    with pytest.raises(ScriptError) as raised:
        box.execute("x = [1]\nfor i in x:\n    y = {}[i]", {})
    assert type(raised.value) is ScriptError
    assert raised.value.context["line"] == 3
