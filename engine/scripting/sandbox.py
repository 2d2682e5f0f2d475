"""The restricted evaluator for BPMN script tasks, gateway conditions and timer expressions.

Scripts are checked statically first (:mod:`engine.scripting.policy`), then interpreted
node by node by a ``simpleeval`` evaluator (:mod:`engine.scripting.evaluator`) extended with
a statement executor (:mod:`engine.scripting.executor`). Every node costs a step, the wall
clock is checked on every step, every value produced is size checked, and operations whose
cost depends on nested data (``str()``, comparisons, sorting, hashing tuples) first measure
that data with a bounded walk (:mod:`engine.scripting.budget`).
"""

from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal

import simpleeval

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.executor import Executor
from engine.scripting.limits import Limits
from engine.scripting.operators import CompareGuard
from engine.scripting.policy import DENIED_NAMES, ScriptIssue, analyze, check_script

__all__ = ["Limits", "Sandbox", "ScriptIssue", "check_script"]

_DEFAULT_LIMITS = Limits()


@functools.lru_cache(maxsize=512)
def _prepare(
    source: str, mode: Literal["exec", "eval"], functions: frozenset[str], limits: Limits
) -> tuple[ast.Module | ast.Expression | None, tuple[ScriptIssue, ...]]:
    tree, issues = analyze(source, mode, functions, limits.max_depth, limits.max_source)
    return tree, tuple(issues)


class Sandbox:
    """Evaluates expressions and runs scripts of the allowed Python subset."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        limits: Limits = _DEFAULT_LIMITS,
        compare_guard: CompareGuard | None = None,
    ) -> None:
        self.functions = dict(functions or {})
        for name, function in self.functions.items():
            if not name.isidentifier() or name.startswith("_") or name in DENIED_NAMES:
                raise ValueError(f"not a valid script function name: {name!r}")
            if not callable(function) or _is_disallowed(function):
                raise ValueError(f"not an allowed script function: {name}={function!r}")
        self.limits = limits
        self.compare_guard = compare_guard
        self._names = frozenset(self.functions)
        self._idle = threading.local()  # one reusable evaluator per thread

    def evaluate(self, expression: str, names: Mapping[str, Any]) -> Any:
        """The value of ``expression``; ``names`` (task data) is read, never changed."""
        tree = self._compile(expression, "eval")
        assert isinstance(tree, ast.Expression)
        evaluator = self._acquire()
        try:
            return evaluator.run(tree, names, script=False)[0]
        finally:
            self._release(evaluator)

    def execute(self, script: str, variables: dict[str, Any]) -> None:
        """Run ``script``; its assignments land in ``variables`` only if it succeeds."""
        changed, deleted = self.run_script(script, variables)
        for name in deleted:
            variables.pop(name, None)
        variables.update(changed)

    def run_script(
        self, script: str, variables: Mapping[str, Any]
    ) -> tuple[dict[str, Any], set[str]]:
        """Run ``script`` on ``variables`` (left as they are): the variables it wrote
        (with their values) and those it deleted."""
        tree = self._compile(script, "exec")
        evaluator = self._acquire()
        try:
            _, changed, deleted = evaluator.run(tree, variables, script=True)
        finally:
            self._release(evaluator)
        return changed, deleted

    def compile(self, source: str, mode: Literal["exec", "eval"]) -> ast.AST:
        """The checked syntax tree of ``source``; ``ScriptError`` listing every issue."""
        return self._compile(source, mode)

    def _compile(self, source: str, mode: Literal["exec", "eval"]) -> ast.AST:
        if len(source) > self.limits.max_source:
            raise ScriptLimitExceeded(
                f"脚本过长（{len(source)} 个字符，上限 {self.limits.max_source}）", line=1
            )
        tree, issues = _prepare(source, mode, self._names, self.limits)
        if issues or tree is None:
            listed = "；".join(f"第 {issue.line} 行：{issue.message}" for issue in issues)
            raise ScriptError(
                f"脚本有 {len(issues)} 处不允许的写法：{listed}",
                line=issues[0].line if issues else 1,
                issues=list(issues),
            )
        return tree

    def _acquire(self) -> Executor:
        evaluator: Executor | None = getattr(self._idle, "evaluator", None)
        self._idle.evaluator = None
        return evaluator or Executor(self.functions, self.limits, self.compare_guard)

    def _release(self, evaluator: Executor) -> None:
        evaluator.clear()
        self._idle.evaluator = evaluator


def _is_disallowed(function: Any) -> bool:
    try:
        return bool(function in simpleeval.DISALLOW_FUNCTIONS)
    except TypeError:  # unhashable callable
        return False
