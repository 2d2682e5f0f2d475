"""The expression evaluator: ``simpleeval`` with every node stepped and size checked.

Every node costs a step and its value is size checked by the run's
:class:`~engine.scripting.budget.Budget`; operators and calls go through the guarded
versions in :mod:`engine.scripting.operators` and :mod:`engine.scripting.calls`. In a
script, task data is copied on first read, so the script only ever changes its copies.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import simpleeval

from engine.scripting.budget import SCALARS, Budget
from engine.scripting.calls import ALLOCATING, builtin_functions, call_method, to_text
from engine.scripting.limits import Limits
from engine.scripting.operators import CompareGuard, operator_table
from engine.scripting.policy import SAFE_FORMAT_SPEC, static_format_spec


class Evaluator(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with step, time and size budgets and guarded operators and builtins."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]],
        limits: Limits,
        compare_guard: CompareGuard | None = None,
    ) -> None:
        self.budget = Budget(limits)
        operators = operator_table(self.budget, compare_guard)
        super().__init__(operators=operators, functions={}, names={})
        self.limits = limits
        self.functions: dict[str, Callable[..., Any]] = {
            **builtin_functions(self.budget),
            **functions,
        }
        self._allocating = ALLOCATING - set(functions)
        self.nodes = {
            ast.Constant: lambda node: node.value,
            ast.Name: self._eval_name,
            ast.UnaryOp: self._eval_unaryop,
            ast.BinOp: self._eval_binop,
            ast.BoolOp: self._eval_boolop,
            ast.Compare: self._eval_compare,
            ast.IfExp: self._eval_ifexp,
            ast.Call: self._eval_call,
            ast.Subscript: self._eval_subscript,
            ast.Slice: self._eval_slice,
            ast.JoinedStr: self._eval_joinedstr,
            ast.FormattedValue: self._eval_formattedvalue,
            ast.List: self._eval_list,
            ast.Tuple: self._eval_tuple,
            ast.Set: self._eval_set,
            ast.Dict: self._eval_dict,
            ast.ListComp: self._eval_comprehension,
            ast.SetComp: self._eval_comprehension,
            ast.DictComp: self._eval_comprehension,
            ast.GeneratorExp: self._eval_comprehension,
        }
        self.clear()

    def clear(self) -> None:
        self._base: Mapping[str, Any] = {}
        self._vars: dict[str, Any] = {}
        self._deleted: set[str] = set()
        self._scopes: list[dict[str, Any]] = []
        self._script = False
        self.budget.clear()

    # -- expressions -------------------------------------------------------------------

    def _eval(self, node: ast.AST) -> Any:
        self.budget.tick()
        handler = self.nodes.get(type(node))
        if handler is None:
            raise self.budget.error(f"不支持的语法：{type(node).__name__}")
        result = handler(node)
        self.budget.check(result)
        return result

    def _eval_name(self, node: ast.Name) -> Any:
        name = node.id
        for scope in reversed(self._scopes):
            if name in scope:
                return scope[name]
        if name in self._vars:
            return self._vars[name]
        if name not in self._deleted and name in self._base:
            value = self._base[name]
            if self._script and type(value) not in SCALARS and type(value) not in (str, int):
                value = copy.deepcopy(value)  # the script works on a copy of task data
            self._vars[name] = value
            return value
        if name in self.functions:
            raise self.budget.error(f"函数 {name} 只能调用，不能当作值使用")
        raise self.budget.error(f"变量 {name} 未定义")

    def _eval_call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self._eval(func.value)
            args, kwargs = self._arguments(node)
            return call_method(self.budget, receiver, func.attr, args, kwargs, script=self._script)
        if not isinstance(func, ast.Name) or func.id not in self.functions:
            raise self.budget.error("只能调用内置函数、已登记的函数或数据的方法")
        function = self.functions[func.id]
        args, kwargs = self._arguments(node)
        result = function(*args, **kwargs)
        if func.id in self._allocating:
            self.budget.charge(result)
        return result

    def _arguments(self, node: ast.Call) -> tuple[list[Any], dict[str, Any]]:
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.budget.error("调用时不允许使用 * 展开参数")
            args.append(self._eval(arg))
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.budget.error("调用时不允许使用 ** 展开参数")
            kwargs[keyword.arg] = self._eval(keyword.value)
        return args, kwargs

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        result = container[self._eval(node.slice)]
        if isinstance(node.slice, ast.Slice):
            self.budget.charge(result)
        return result

    def _eval_joinedstr(self, node: ast.JoinedStr) -> str:
        parts = [self._eval(value) for value in node.values]
        result = "".join(str(part) for part in parts)
        self.budget.check(result)
        self.budget.charge(result)
        return result

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> str:
        value = self._eval(node.value)
        conversions: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}
        convert = conversions.get(node.conversion)
        if convert is not None:
            value = to_text(self.budget, value, convert)
        spec = "" if node.format_spec is None else static_format_spec(node.format_spec)
        if spec is None or not SAFE_FORMAT_SPEC.fullmatch(spec):
            raise self.budget.error("不允许的格式说明")
        return format(value, spec) if spec else to_text(self.budget, value, str)

    def _eval_list(self, node: ast.List | ast.Tuple | ast.Set) -> list[Any]:
        result: list[Any] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                part = self.budget.bounded_list(self._eval(element.value))
                self.budget.charge(part)
                result.extend(part)
                self.budget.check(result)
            else:
                result.append(self._eval(element))
        return result

    def _eval_tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self._eval_list(node))

    def _eval_set(self, node: ast.Set) -> set[Any]:
        return set(self._eval_list(node))

    def _eval_dict(self, node: ast.Dict) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                mapping = self._eval(value)
                if not isinstance(mapping, Mapping):
                    raise self.budget.error("** 只能展开字典")
                self.budget.charge(mapping)
                result.update(mapping)
                self.budget.check(result)
            else:
                evaluated_key = self._eval(key)
                result[evaluated_key] = self._eval(value)
        return result

    def _eval_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> Any:
        result: Any = {} if isinstance(node, ast.DictComp) else []
        scope: dict[str, Any] = {}
        self._scopes.append(scope)
        try:
            self._generate(node, 0, scope, result)
        finally:
            self._scopes.pop()
        return set(result) if isinstance(node, ast.SetComp) else result

    def _generate(self, node: Any, index: int, scope: dict[str, Any], result: Any) -> None:
        generator = node.generators[index]
        for item in self._iterable(self._eval(generator.iter)):
            self.budget.tick()
            self._bind(generator.target, item, scope.__setitem__)
            if not all(self._eval(condition) for condition in generator.ifs):
                continue
            if index + 1 < len(node.generators):
                self._generate(node, index + 1, scope, result)
            elif isinstance(result, dict):
                key = self._eval(node.key)
                result[key] = self._eval(node.value)
            else:
                result.append(self._eval(node.elt))
            self.budget.check(result)

    def _iterable(self, value: Any) -> Iterable[Any]:
        if isinstance(value, str | bytes):
            return value
        if hasattr(value, "__len__"):
            self.budget.check(value)
            return value  # type: ignore[no-any-return]
        return self.budget.bounded_list(value)

    def _bind(self, target: ast.AST, value: Any, store: Callable[[str, Any], None]) -> None:
        if isinstance(target, ast.Name):
            store(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            values = self.budget.bounded_list(value)
            if len(values) != len(target.elts):
                wanted = len(target.elts)
                raise self.budget.error(f"解包数量不匹配：需要 {wanted} 个，得到 {len(values)} 个")
            for element, item in zip(target.elts, values, strict=True):
                self._bind(element, item, store)
        elif isinstance(target, ast.Subscript) and self._script:
            container, key = self._element(target)
            container[key] = value
            self.budget.check(container)
        else:
            raise self.budget.error("不支持的赋值目标")

    def _element(self, target: ast.Subscript) -> tuple[Any, Any]:
        container = self._eval(target.value)
        if not isinstance(container, list | dict):
            raise self.budget.error(
                f"只能修改列表或字典的元素，不能修改 {type(container).__name__}"
            )
        return container, self._eval(target.slice)
