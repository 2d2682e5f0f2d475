"""The restricted evaluator for BPMN script tasks, gateway conditions and timer expressions.

Scripts are checked statically first (:mod:`engine.scripting.policy`), then interpreted
node by node by a ``simpleeval`` evaluator extended with a statement executor. Every node
costs a step, the wall clock is checked on every step, every value produced is size
checked, and operations whose cost depends on nested data (``str()``, comparisons,
sorting, hashing tuples) first measure that data with a bounded walk.
"""

from __future__ import annotations

import ast
import copy
import decimal
import functools
import itertools
import operator
import threading
import time
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import simpleeval

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.policy import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_SOURCE,
    DENIED_NAMES,
    METHODS,
    MUTATING_METHODS,
    SAFE_FORMAT_SPEC,
    ScriptIssue,
    analyze,
    check_script,
    static_format_spec,
)

__all__ = ["Limits", "Sandbox", "ScriptIssue", "check_script"]


@dataclass(frozen=True)
class Limits:
    max_steps: int = 100_000  # AST nodes evaluated, statements and loop turns
    max_seconds: float = 0.5  # wall-clock deadline of one run
    max_string: int = 100_000  # characters in any str (bytes in any bytes)
    max_collection: int = 10_000  # elements in any list, tuple, dict, set or range
    max_power: int = 10_000  # largest exponent of **
    max_shift: int = 10_000  # largest shift of << and >>
    max_int_bits: int = 10_000  # bits in any int (about 3000 decimal digits)
    max_source: int = DEFAULT_MAX_SOURCE  # characters of script source
    max_depth: int = DEFAULT_MAX_DEPTH  # nesting of the syntax tree and of data
    max_allocation: int = 2_000_000  # elements and characters created over one run
    max_data_size: int = 500_000  # one value's size counted through all its nesting


_CONTAINERS = (list, tuple, dict, set, frozenset)
_SCALARS = frozenset({float, bool, complex, type(None)})
_NOT_STORABLE: tuple[type, ...] = (
    types.ModuleType, range, type({}.keys()), type({}.values()), type({}.items()),
)  # fmt: skip
_NUMBERS = (int, float, decimal.Decimal)
_COPYING_METHODS = frozenset({
    "copy", "union", "intersection", "difference", "symmetric_difference",
})  # fmt: skip
_PLAIN_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
}  # fmt: skip
_INPLACE_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod,
    ast.Pow: operator.ipow, ast.LShift: operator.ilshift, ast.RShift: operator.irshift,
    ast.BitOr: operator.ior, ast.BitXor: operator.ixor, ast.BitAnd: operator.iand,
}  # fmt: skip
_ERROR_KINDS: dict[type[BaseException], str] = {
    ZeroDivisionError: "除数为零", KeyError: "键不存在", IndexError: "下标越界",
    TypeError: "类型错误", ValueError: "取值错误", ArithmeticError: "数值错误",
    RuntimeError: "运行错误", LookupError: "查找失败",
}  # fmt: skip
_BREAK, _CONTINUE = object(), object()


@functools.lru_cache(maxsize=512)
def _prepare(
    source: str, mode: Literal["exec", "eval"], functions: frozenset[str], limits: Limits
) -> tuple[ast.Module | ast.Expression | None, tuple[ScriptIssue, ...]]:
    tree, issues = analyze(source, mode, functions, limits.max_depth, limits.max_source)
    return tree, tuple(issues)


class Sandbox:
    """Evaluates expressions and runs scripts of the allowed Python subset."""

    def __init__(
        self, functions: Mapping[str, Callable[..., Any]] | None = None, limits: Limits = Limits()
    ) -> None:
        self.functions = dict(functions or {})
        for name, function in self.functions.items():
            if not name.isidentifier() or name.startswith("_") or name in DENIED_NAMES:
                raise ValueError(f"not a valid script function name: {name!r}")
            if not callable(function) or _is_disallowed(function):
                raise ValueError(f"not an allowed script function: {name}={function!r}")
        self.limits = limits
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
        tree = self._compile(script, "exec")
        evaluator = self._acquire()
        try:
            _, changed, deleted = evaluator.run(tree, variables, script=True)
        finally:
            self._release(evaluator)
        for name in deleted:
            variables.pop(name, None)
        variables.update(changed)

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

    def _acquire(self) -> _Evaluator:
        evaluator: _Evaluator | None = getattr(self._idle, "evaluator", None)
        self._idle.evaluator = None
        return evaluator or _Evaluator(self.functions, self.limits)

    def _release(self, evaluator: _Evaluator) -> None:
        evaluator.clear()
        self._idle.evaluator = evaluator


def _is_disallowed(function: Any) -> bool:
    try:
        return bool(function in simpleeval.DISALLOW_FUNCTIONS)
    except TypeError:  # unhashable callable
        return False


class _Evaluator(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with step, time and size budgets, guarded builtins and statements."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]], limits: Limits) -> None:
        operators: dict[type[ast.AST], Callable[..., Any]] = {
            kind: functools.partial(self._binary, kind) for kind in _PLAIN_OPS
        }
        operators.update({
            ast.Eq: functools.partial(self._compare, operator.eq),
            ast.NotEq: functools.partial(self._compare, operator.ne),
            ast.Lt: functools.partial(self._compare, operator.lt),
            ast.LtE: functools.partial(self._compare, operator.le),
            ast.Gt: functools.partial(self._compare, operator.gt),
            ast.GtE: functools.partial(self._compare, operator.ge),
            ast.In: self._contains, ast.NotIn: lambda a, b: not self._contains(a, b),
            ast.Is: operator.is_, ast.IsNot: operator.is_not, ast.Not: operator.not_,
            ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert,
        })  # fmt: skip
        super().__init__(operators=operators, functions={}, names={})
        self.limits = limits
        self.functions: dict[str, Callable[..., Any]] = {
            "len": len, "abs": abs, "round": round, "int": int, "float": float, "bool": bool,
            "any": any, "all": all, "dict": dict, "list": self._fn_list, "set": self._fn_set,
            "tuple": self._fn_tuple, "str": self._fn_str, "min": self._fn_min,
            "max": self._fn_max, "sum": self._fn_sum, "sorted": self._fn_sorted,
            "reversed": self._fn_reversed, "range": self._fn_range,
            "enumerate": self._fn_enumerate, "zip": self._fn_zip, **functions,
        }  # fmt: skip
        # builtins whose result is a new container or string, charged to max_allocation
        self._allocating = frozenset({
            "dict", "list", "set", "tuple", "str", "sorted", "reversed", "enumerate", "zip",
        }) - set(functions)  # fmt: skip
        self.nodes = {
            ast.Constant: lambda node: node.value, ast.Name: self._eval_name,
            ast.UnaryOp: self._eval_unaryop, ast.BinOp: self._eval_binop,
            ast.BoolOp: self._eval_boolop, ast.Compare: self._eval_compare,
            ast.IfExp: self._eval_ifexp, ast.Call: self._eval_call,
            ast.Subscript: self._eval_subscript, ast.Slice: self._eval_slice,
            ast.JoinedStr: self._eval_joinedstr, ast.FormattedValue: self._eval_formattedvalue,
            ast.List: self._eval_list, ast.Tuple: self._eval_tuple, ast.Set: self._eval_set,
            ast.Dict: self._eval_dict, ast.ListComp: self._eval_comprehension,
            ast.SetComp: self._eval_comprehension, ast.DictComp: self._eval_comprehension,
            ast.GeneratorExp: self._eval_comprehension,
        }  # fmt: skip
        self.clear()

    def clear(self) -> None:
        self._base: Mapping[str, Any] = {}
        self._vars: dict[str, Any] = {}
        self._deleted: set[str] = set()
        self._scopes: list[dict[str, Any]] = []
        self._tuple_weights: dict[int, tuple[tuple[Any, ...], int]] = {}
        self._steps = self._allocated = self._line = 0
        self._deadline = 0.0
        self._script = False

    # -- running and errors ------------------------------------------------------------

    def run(
        self, tree: ast.AST, names: Mapping[str, Any], *, script: bool
    ) -> tuple[Any, dict[str, Any], set[str]]:
        """(value, variables to write, variables to delete); every failure a ScriptError."""
        self.clear()
        self._base, self._script, self._line = names, script, 1
        self._deadline = time.perf_counter() + self.limits.max_seconds
        try:
            if not script:
                assert isinstance(tree, ast.Expression)
                self._line = tree.body.lineno
                return self._eval(tree.body), {}, set()
            assert isinstance(tree, ast.Module)
            self._exec_block(tree.body)
            for name, value in self._vars.items():
                if not self._unchanged(name, value):
                    self._measure(value, self.limits.max_data_size, store=name)
            return None, self._vars, self._deleted
        except ScriptError as exc:
            if "line" in exc.context:
                raise
            same = ScriptLimitExceeded if isinstance(exc, ScriptLimitExceeded) else ScriptError
            message = f"第 {self._line} 行：{exc.message}"
            raise same(message, **exc.context, line=self._line) from exc
        except (RecursionError, MemoryError):
            raise self._limit("脚本嵌套过深或占用内存过多") from None
        except Exception as exc:
            kinds = [_ERROR_KINDS[c] for c in type(exc).__mro__ if c in _ERROR_KINDS]
            kind = kinds[0] if kinds else "执行出错"
            raise ScriptError(
                f"第 {self._line} 行：{kind}（{type(exc).__name__}: {exc}）",
                line=self._line,
                error=type(exc).__name__,
            ) from exc

    def _unchanged(self, name: str, value: Any) -> bool:
        """Whether ``value`` still equals the task data it was copied from (no need to
        check it again; comparing costs at most the size of that data)."""
        try:
            return name in self._base and bool(value == self._base[name])
        except Exception:
            return False

    def _error(self, message: str) -> ScriptError:
        return ScriptError(f"第 {self._line} 行：{message}", line=self._line)

    def _limit(self, message: str) -> ScriptLimitExceeded:
        return ScriptLimitExceeded(f"第 {self._line} 行：{message}", line=self._line)

    # -- budgets -----------------------------------------------------------------------

    def _tick(self, steps: int = 1) -> None:
        self._steps += steps
        if self._steps > self.limits.max_steps:
            raise self._limit(f"脚本执行超出步数限制（{self.limits.max_steps} 步）")
        if time.perf_counter() > self._deadline:
            raise self._limit(f"脚本执行超时（上限 {self.limits.max_seconds} 秒）")

    def _charge(self, value: Any) -> None:
        """Count a newly created value against the allocation budget."""
        if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
            self._allocated += len(value)
            if self._allocated > self.limits.max_allocation:
                raise self._limit(f"脚本创建的数据总量超出限制（{self.limits.max_allocation}）")

    def _check(self, value: Any) -> None:
        """Size-check one value; functions, types and modules are never values."""
        kind = type(value)
        if kind in _SCALARS:
            return
        if isinstance(value, str | bytes | bytearray):
            if len(value) > self.limits.max_string:
                raise self._limit(f"字符串过长（上限 {self.limits.max_string} 个字符）")
        elif isinstance(value, int):
            if value.bit_length() > self.limits.max_int_bits:
                raise self._limit(f"整数过大（上限 {self.limits.max_int_bits} 位二进制）")
        elif callable(value) or isinstance(value, types.ModuleType):
            raise self._error("函数、类型或模块不能当作值使用")
        elif hasattr(value, "__len__") and len(value) > self.limits.max_collection:
            raise self._limit(f"列表、字典或集合过大（上限 {self.limits.max_collection} 个元素）")
        elif isinstance(value, tuple):
            self._guard_tuple(value)

    def _guard_tuple(self, value: tuple[Any, ...], depth: int = 0) -> int:
        """Bound the work of hashing ``value`` (tuple hashes are not cached and walk nested
        tuples), so tuples cannot be nested into exponentially costly set members or keys.
        Weights are remembered per tuple for the run, keeping each check cheap."""
        known = self._tuple_weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if depth >= self.limits.max_depth:
            raise self._limit(f"数据嵌套层数过深（上限 {self.limits.max_depth} 层）")
        weight = len(value)
        for item in value:
            if isinstance(item, tuple):
                weight += self._guard_tuple(item, depth + 1)
            if weight > self.limits.max_collection:
                raise self._limit(f"元组嵌套过大（上限 {self.limits.max_collection} 个元素）")
        self._tuple_weights[id(value)] = (value, weight)
        return weight

    def _measure(self, value: Any, limit: int, *, store: str = "") -> None:
        """Walk ``value`` (shared parts counted each time) and fail once it exceeds ``limit``.

        The size approximates the written-out length. With ``store`` set (a variable name)
        the walk also rejects what must not be kept in task data.
        """
        size = visits = 0
        stack: list[tuple[Any, int]] = [(value, 0)]
        while stack:
            item, depth = stack.pop()
            visits += 1
            if visits % 4096 == 0:
                self._tick(256)
            if isinstance(item, str | bytes):
                size += len(item) + 2
            elif isinstance(item, int):
                size += item.bit_length() // 3 + 1
            elif isinstance(item, _CONTAINERS):
                if depth >= self.limits.max_depth:
                    raise self._limit(f"数据嵌套层数过深（上限 {self.limits.max_depth} 层）")
                size += 2 + 2 * len(item)
                children = (
                    itertools.chain.from_iterable(item.items()) if isinstance(item, dict) else item
                )
                if size <= limit:
                    stack.extend((child, depth + 1) for child in children)
            elif store and (
                callable(item) or isinstance(item, _NOT_STORABLE) or hasattr(type(item), "__next__")
            ):
                raise ScriptError(
                    f"变量 {store} 的值含有不能保存到任务数据的对象（{type(item).__name__}）",
                    line=None,
                    variable=store,
                )
            else:
                size += 1
            if size > limit:
                raise self._limit(f"数据过大或含有循环引用（上限 {limit}）")
        self._tick(visits // 16)

    def _bounded_list(self, iterable: Iterable[Any]) -> list[Any]:
        limit = self.limits.max_collection
        try:
            if hasattr(iterable, "__len__") and len(iterable) > limit:  # type: ignore[arg-type]
                raise self._limit(f"列表、字典或集合过大（上限 {limit} 个元素）")
        except OverflowError:
            raise self._limit(f"列表、字典或集合过大（上限 {limit} 个元素）") from None
        result = list(itertools.islice(iterable, limit + 1))
        if len(result) > limit:
            raise self._limit(f"列表、字典或集合过大（上限 {limit} 个元素）")
        return result

    # -- expressions -------------------------------------------------------------------

    def _eval(self, node: ast.AST) -> Any:
        self._tick()
        handler = self.nodes.get(type(node))
        if handler is None:
            raise self._error(f"不支持的语法：{type(node).__name__}")
        result = handler(node)
        self._check(result)
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
            if self._script and type(value) not in _SCALARS and type(value) not in (str, int):
                value = copy.deepcopy(value)  # the script works on a copy of task data
            self._vars[name] = value
            return value
        if name in self.functions:
            raise self._error(f"函数 {name} 只能调用，不能当作值使用")
        raise self._error(f"变量 {name} 未定义")

    def _eval_call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self._eval(func.value)
            return self._call_method(receiver, func.attr, *self._arguments(node))
        if not isinstance(func, ast.Name) or func.id not in self.functions:
            raise self._error("只能调用内置函数、已登记的函数或数据的方法")
        function = self.functions[func.id]
        args, kwargs = self._arguments(node)
        result = function(*args, **kwargs)
        if func.id in self._allocating:
            self._charge(result)
        return result

    def _arguments(self, node: ast.Call) -> tuple[list[Any], dict[str, Any]]:
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._error("调用时不允许使用 * 展开参数")
            args.append(self._eval(arg))
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self._error("调用时不允许使用 ** 展开参数")
            kwargs[keyword.arg] = self._eval(keyword.value)
        return args, kwargs

    def _call_method(
        self, receiver: Any, name: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        kind = next((t for t in type(receiver).__mro__ if t in METHODS), None)
        if kind is None or name not in METHODS[kind] or name.startswith("_"):
            raise self._error(f"{type(receiver).__name__} 类型的数据没有可用的方法 .{name}")
        mutating = name in MUTATING_METHODS
        if mutating and not self._script:
            raise self._error(f"表达式中不能调用会修改数据的方法 .{name}")
        if kind is str and name in ("join", "replace"):
            self._guard_str_method(receiver, name, args)
        elif name == "sort" or (
            name in ("index", "count", "remove") and args and isinstance(args[0], _CONTAINERS)
        ):
            self._measure(receiver, self.limits.max_data_size)
        before = len(receiver) if mutating else 0
        result = getattr(receiver, name)(*args, **kwargs)
        if mutating:
            self._check(receiver)
            self._allocated += max(len(receiver) - before, 0)
        elif kind is str or name in _COPYING_METHODS:
            self._charge(result)
            if isinstance(result, list | tuple):  # split() and partition() copy characters
                self._allocated += len(receiver)
        return result

    def _guard_str_method(self, receiver: str, name: str, args: list[Any]) -> None:
        """Refuse ``join`` and ``replace`` calls whose result would be too long."""
        if name == "join" and args:
            args[0] = parts = self._bounded_list(args[0])
            size = len(receiver) * max(len(parts) - 1, 0)
            size += sum(len(part) for part in parts if isinstance(part, str))
        elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
            old, new = args[0], args[1]
            count = receiver.count(old) if old else len(receiver) + 1
            if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
                count = min(count, args[2])
            size = len(receiver) + count * (len(new) - len(old))
        else:
            return
        if size > self.limits.max_string:
            raise self._limit(f"字符串过长（上限 {self.limits.max_string} 个字符）")

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        result = container[self._eval(node.slice)]
        if isinstance(node.slice, ast.Slice):
            self._charge(result)
        return result

    def _eval_joinedstr(self, node: ast.JoinedStr) -> str:
        parts = [self._eval(value) for value in node.values]
        result = "".join(str(part) for part in parts)
        self._check(result)
        self._charge(result)
        return result

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> str:
        value = self._eval(node.value)
        conversions: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}
        convert = conversions.get(node.conversion)
        if convert is not None:
            value = self._to_text(value, convert)
        spec = "" if node.format_spec is None else static_format_spec(node.format_spec)
        if spec is None or not SAFE_FORMAT_SPEC.fullmatch(spec):
            raise self._error("不允许的格式说明")
        return format(value, spec) if spec else self._to_text(value, str)

    def _to_text(self, value: Any, convert: Callable[[Any], str]) -> str:
        if isinstance(value, _CONTAINERS):
            self._measure(value, self.limits.max_string)
        text = convert(value)
        self._check(text)
        return text

    def _eval_list(self, node: ast.List | ast.Tuple | ast.Set) -> list[Any]:
        result: list[Any] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                part = self._bounded_list(self._eval(element.value))
                self._charge(part)
                result.extend(part)
                self._check(result)
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
                    raise self._error("** 只能展开字典")
                self._charge(mapping)
                result.update(mapping)
                self._check(result)
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
            self._tick()
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
            self._check(result)

    def _iterable(self, value: Any) -> Iterable[Any]:
        if isinstance(value, str | bytes):
            return value
        if hasattr(value, "__len__"):
            self._check(value)
            return value  # type: ignore[no-any-return]
        return self._bounded_list(value)

    def _bind(self, target: ast.AST, value: Any, store: Callable[[str, Any], None]) -> None:
        if isinstance(target, ast.Name):
            store(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            values = self._bounded_list(value)
            if len(values) != len(target.elts):
                wanted = len(target.elts)
                raise self._error(f"解包数量不匹配：需要 {wanted} 个，得到 {len(values)} 个")
            for element, item in zip(target.elts, values, strict=True):
                self._bind(element, item, store)
        elif isinstance(target, ast.Subscript) and self._script:
            container, key = self._element(target)
            container[key] = value
            self._check(container)
        else:
            raise self._error("不支持的赋值目标")

    def _element(self, target: ast.Subscript) -> tuple[Any, Any]:
        container = self._eval(target.value)
        if not isinstance(container, list | dict):
            raise self._error(f"只能修改列表或字典的元素，不能修改 {type(container).__name__}")
        return container, self._eval(target.slice)

    # -- operators ---------------------------------------------------------------------

    def _binary(self, kind: type[ast.operator], a: Any, b: Any, inplace: bool = False) -> Any:
        limits = self.limits
        if kind is ast.Mult:
            for seq, n in ((a, b), (b, a)):
                if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int):
                    self._check_length(seq, len(seq) * max(n, 0))
        elif kind is ast.Add:
            if isinstance(a, str | bytes | list | tuple) and hasattr(b, "__len__"):
                self._check_length(a, len(a) + len(b))
        elif kind is ast.Mod and isinstance(a, str | bytes):
            raise self._error("不支持用 % 格式化字符串，请使用 f-string")
        elif kind is ast.Pow and isinstance(b, int | float):
            if abs(b) > limits.max_power:
                raise self._limit(f"幂运算的指数过大（上限 {limits.max_power}）")
            if (
                isinstance(a, int)
                and isinstance(b, int)
                and b > 0
                and abs(a) > 1
                and (abs(a).bit_length() - 1) * b > limits.max_int_bits
            ):
                raise self._limit(f"幂运算的结果过大（上限 {limits.max_int_bits} 位二进制）")
        elif kind in (ast.LShift, ast.RShift) and isinstance(b, int) and isinstance(a, int):
            if abs(b) > limits.max_shift:
                raise self._limit(f"移位位数过大（上限 {limits.max_shift}）")
            if kind is ast.LShift and b > 0 and a.bit_length() + b > limits.max_int_bits:
                raise self._limit(f"整数过大（上限 {limits.max_int_bits} 位二进制）")
        grows_in_place = inplace and isinstance(a, list | dict | set)
        before = len(a) if grows_in_place else 0
        result = (_INPLACE_OPS if inplace else _PLAIN_OPS)[kind](a, b)
        if grows_in_place:
            self._allocated += max(len(result) - before, 0)
        else:
            self._charge(result)
        return result

    def _check_length(self, seq: Any, length: int) -> None:
        if isinstance(seq, str | bytes):
            if length > self.limits.max_string:
                raise self._limit(f"字符串过长（上限 {self.limits.max_string} 个字符）")
        elif length > self.limits.max_collection:
            raise self._limit(f"列表过大（上限 {self.limits.max_collection} 个元素）")

    def _compare(self, compare: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
        if isinstance(a, _CONTAINERS) and isinstance(b, _CONTAINERS):
            self._measure(a, self.limits.max_data_size)
            self._measure(b, self.limits.max_data_size)
        return compare(a, b)

    def _contains(self, item: Any, container: Any) -> bool:
        if isinstance(item, _CONTAINERS):
            self._measure(item, self.limits.max_data_size)
            self._measure(container, self.limits.max_data_size)
        return item in container

    # -- statements --------------------------------------------------------------------

    def _exec_block(self, body: list[ast.stmt]) -> object | None:
        for statement in body:
            flow = self._exec(statement)
            if flow is not None:
                return flow
        return None

    def _exec(self, node: ast.stmt) -> object | None:
        self._line = node.lineno
        self._tick()
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
                self._tick()
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
            raise self._error(f"不支持的语句：{type(node).__name__}")
        return None

    def _store(self, name: str, value: Any) -> None:
        self._vars[name] = value
        self._deleted.discard(name)

    def _augmented(self, node: ast.AugAssign) -> None:
        target, kind = node.target, type(node.op)
        if isinstance(target, ast.Name):
            current = self._eval(target)
            result = self._binary(kind, current, self._eval(node.value), True)
            self._check(result)
            self._store(target.id, result)
        elif isinstance(target, ast.Subscript):
            container, key = self._element(target)
            current = container[key]
            result = self._binary(kind, current, self._eval(node.value), True)
            self._check(result)
            container[key] = result
        else:
            raise self._error("不支持的赋值目标")

    def _delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self._eval(target)  # NameError-equivalent if undefined
            self._vars.pop(target.id, None)
            self._deleted.add(target.id)
        elif isinstance(target, ast.Subscript):
            container, key = self._element(target)
            del container[key]
        else:
            raise self._error("del 只能用于变量或列表、字典的元素")

    # -- builtins ----------------------------------------------------------------------

    def _fn_list(self, iterable: Iterable[Any] = ()) -> list[Any]:
        return self._bounded_list(iterable)

    def _fn_set(self, iterable: Iterable[Any] = ()) -> set[Any]:
        return set(self._bounded_list(iterable))

    def _fn_tuple(self, iterable: Iterable[Any] = ()) -> tuple[Any, ...]:
        return tuple(self._bounded_list(iterable))

    def _fn_str(self, *args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs:
            return self._to_text(args[0], str)
        return str(*args, **kwargs)

    def _fn_min(self, *args: Any, **kwargs: Any) -> Any:
        self._measure(args, self.limits.max_data_size)
        return min(*args, **kwargs)

    def _fn_max(self, *args: Any, **kwargs: Any) -> Any:
        self._measure(args, self.limits.max_data_size)
        return max(*args, **kwargs)

    def _fn_sum(self, iterable: Iterable[Any], start: Any = 0) -> Any:
        items = self._bounded_list(iterable)
        if not all(isinstance(x, _NUMBERS) for x in [start, *items]):
            raise self._error("sum 只能对数字求和")
        return sum(items, start)

    def _fn_sorted(self, iterable: Iterable[Any], *, reverse: bool = False) -> list[Any]:
        items = self._bounded_list(iterable)
        self._measure(items, self.limits.max_data_size)
        return sorted(items, reverse=bool(reverse))

    def _fn_reversed(self, sequence: Any) -> list[Any]:
        return self._bounded_list(reversed(sequence))

    def _fn_range(self, *args: int) -> range:
        result = range(*args)
        try:
            length = len(result)
        except OverflowError:
            length = self.limits.max_collection + 1
        if length > self.limits.max_collection:
            raise self._limit(f"range 的长度超出限制（上限 {self.limits.max_collection}）")
        return result

    def _fn_enumerate(self, iterable: Iterable[Any], start: int = 0) -> list[tuple[int, Any]]:
        result = list(enumerate(self._bounded_list(iterable), start))
        for pair in result:
            self._guard_tuple(pair)
        return result

    def _fn_zip(self, *iterables: Iterable[Any], strict: bool = False) -> list[tuple[Any, ...]]:
        result = list(zip(*(self._bounded_list(it) for it in iterables), strict=strict))
        for group in result:
            self._guard_tuple(group)
        return result
