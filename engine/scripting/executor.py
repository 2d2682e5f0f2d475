"""The statement executor: runs a checked script or expression and reports every failure.

Statements run on top of the expression :class:`~engine.scripting.evaluator.Evaluator`.
Whatever goes wrong, a run ends in a :class:`~engine.errors.ScriptError` that names the
line; the variables a script wrote or deleted are handed back only when it succeeds.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.evaluator import Evaluator
from engine.scripting.fastpath import NeedsIsolation
from engine.scripting.operators import binary

_ERROR_KINDS: dict[type[BaseException], str] = {
    ZeroDivisionError: "除数为零",
    KeyError: "键不存在",
    IndexError: "下标越界",
    TypeError: "类型错误",
    ValueError: "取值错误",
    ArithmeticError: "数值错误",
    RuntimeError: "运行错误",
    LookupError: "查找失败",
}
_BREAK, _CONTINUE = object(), object()


class Executor(Evaluator):
    """The evaluator extended with the statements of the allowed subset."""

    # -- running and errors ------------------------------------------------------------

    def run(
        self, tree: ast.AST, names: Mapping[str, Any], *, script: bool
    ) -> tuple[Any, dict[str, Any], set[str]]:
        """(value, variables to write, variables to delete); every failure a ScriptError."""
        self.clear()
        self._base, self._script = names, script
        self.budget.start()
        try:
            if not script:
                assert isinstance(tree, ast.Expression)
                self.budget.line = tree.body.lineno
                return self._eval(tree.body), {}, set()
            assert isinstance(tree, ast.Module)
            self._exec_block(tree.body)
            for name, value in self._vars.items():
                if not self._unchanged(name, value):
                    self.budget.measure(value, self.limits.max_data_size, store=name)
            return None, self._vars, self._deleted
        except ScriptError as exc:
            if "line" in exc.context:
                raise
            line = self.budget.line
            same = ScriptLimitExceeded if isinstance(exc, ScriptLimitExceeded) else ScriptError
            raise same(f"第 {line} 行：{exc.message}", **exc.context, line=line) from exc
        except NeedsIsolation:
            raise  # not a failure: the run is handed to an evaluator process
        except (RecursionError, MemoryError):
            raise self.budget.limit("脚本嵌套过深或占用内存过多") from None
        except Exception as exc:
            line = self.budget.line
            kinds = [_ERROR_KINDS[c] for c in type(exc).__mro__ if c in _ERROR_KINDS]
            kind = kinds[0] if kinds else "执行出错"
            raise ScriptError(
                f"第 {line} 行：{kind}（{type(exc).__name__}: {exc}）",
                line=line,
                error=type(exc).__name__,
            ) from exc

    def _unchanged(self, name: str, value: Any) -> bool:
        """Whether ``value`` still equals the task data it was copied from (no need to
        check it again; comparing costs at most the size of that data)."""
        try:
            return name in self._base and bool(value == self._base[name])
        except Exception:
            return False

    # -- statements --------------------------------------------------------------------

    def _exec_block(self, body: list[ast.stmt]) -> object | None:
        for statement in body:
            flow = self._exec(statement)
            if flow is not None:
                return flow
        return None

    def _exec(self, node: ast.stmt) -> object | None:
        self.budget.line = node.lineno
        self.budget.tick()
        if isinstance(node, ast.Expr):
            self._eval(node.value)
        elif isinstance(node, ast.Assign):
            value = self._eval(node.value)
            for target in node.targets:
                self._bind(target, value, self._store)
        elif isinstance(node, ast.AugAssign):
            self._augmented(node)
        elif isinstance(node, ast.If):
            return self._exec_block(node.body if self._eval(node.test) else node.orelse)
        elif isinstance(node, ast.For):
            for item in self._iterable(self._eval(node.iter)):
                self.budget.tick()
                self._bind(node.target, item, self._store)
                if self._exec_block(node.body) is _BREAK:
                    break
            else:
                return self._exec_block(node.orelse)
        elif isinstance(node, ast.Break | ast.Continue):
            return _BREAK if isinstance(node, ast.Break) else _CONTINUE
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._delete(target)
        elif not isinstance(node, ast.Pass):
            raise self.budget.error(f"不支持的语句：{type(node).__name__}")
        return None

    def _store(self, name: str, value: Any) -> None:
        self._vars[name] = value
        self._deleted.discard(name)

    def _augmented(self, node: ast.AugAssign) -> None:
        target, kind = node.target, type(node.op)
        if isinstance(target, ast.Name):
            current = self._eval(target)
            result = binary(self.budget, kind, current, self._eval(node.value), True)
            self.budget.check(result)
            self._store(target.id, result)
        elif isinstance(target, ast.Subscript):
            container, key = self._element(target)
            current = container[key]
            result = binary(self.budget, kind, current, self._eval(node.value), True)
            self.budget.check(result)
            container[key] = result
        else:
            raise self.budget.error("不支持的赋值目标")

    def _delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self._eval(target)  # NameError-equivalent if undefined
            self._vars.pop(target.id, None)
            self._deleted.add(target.id)
        elif isinstance(target, ast.Subscript):
            container, key = self._element(target)
            del container[key]
        else:
            raise self.budget.error("del 只能用于变量或列表、字典的元素")
