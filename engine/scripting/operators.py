"""The operators of the script language, refusing a result too large before computing it."""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable
from typing import Any

from engine.scripting.budget import CONTAINERS, Budget

_PLAIN_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_INPLACE_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd,
    ast.Sub: operator.isub,
    ast.Mult: operator.imul,
    ast.Div: operator.itruediv,
    ast.FloorDiv: operator.ifloordiv,
    ast.Mod: operator.imod,
    ast.Pow: operator.ipow,
    ast.LShift: operator.ilshift,
    ast.RShift: operator.irshift,
    ast.BitOr: operator.ior,
    ast.BitXor: operator.ixor,
    ast.BitAnd: operator.iand,
}


CompareGuard = Callable[[type[ast.cmpop], Any, Any], None]


def operator_table(
    budget: Budget, compare_guard: CompareGuard | None = None
) -> dict[type[ast.AST], Callable[..., Any]]:
    """simpleeval's operator table, the costly operators guarded by ``budget``; with
    ``compare_guard``, every comparison is shown to it first (it may raise)."""
    table: dict[type[ast.AST], Callable[..., Any]] = {
        kind: functools.partial(binary, budget, kind) for kind in _PLAIN_OPS
    }
    table.update(
        {
            ast.Eq: functools.partial(compare, budget, operator.eq),
            ast.NotEq: functools.partial(compare, budget, operator.ne),
            ast.Lt: functools.partial(compare, budget, operator.lt),
            ast.LtE: functools.partial(compare, budget, operator.le),
            ast.Gt: functools.partial(compare, budget, operator.gt),
            ast.GtE: functools.partial(compare, budget, operator.ge),
            ast.In: functools.partial(contains, budget),
            ast.NotIn: lambda a, b: not contains(budget, a, b),
            ast.Is: operator.is_,
            ast.IsNot: operator.is_not,
            ast.Not: operator.not_,
            ast.USub: operator.neg,
            ast.UAdd: operator.pos,
            ast.Invert: operator.invert,
        }
    )
    if compare_guard is not None:
        for kind in COMPARISONS:
            table[kind] = functools.partial(_guarded, compare_guard, kind, table[kind])
    return table


COMPARISONS: tuple[type[ast.cmpop], ...] = (
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)


def _guarded(
    guard: CompareGuard, kind: type[ast.cmpop], relation: Callable[[Any, Any], Any], a: Any, b: Any
) -> Any:
    guard(kind, a, b)
    return relation(a, b)


def binary(budget: Budget, kind: type[ast.operator], a: Any, b: Any, inplace: bool = False) -> Any:
    _refuse_too_large(budget, kind, a, b)
    grows_in_place = inplace and isinstance(a, list | dict | set)
    before = len(a) if grows_in_place else 0
    result = (_INPLACE_OPS if inplace else _PLAIN_OPS)[kind](a, b)
    if grows_in_place:
        budget.allocated += max(len(result) - before, 0)
    else:
        budget.charge(result)
    return result


def _refuse_too_large(budget: Budget, kind: type[ast.operator], a: Any, b: Any) -> None:
    limits = budget.limits
    if kind is ast.Mult:
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int):
                _check_length(budget, seq, len(seq) * max(n, 0))
    elif kind is ast.Add:
        if isinstance(a, str | bytes | list | tuple) and hasattr(b, "__len__"):
            _check_length(budget, a, len(a) + len(b))
    elif kind is ast.Mod and isinstance(a, str | bytes):
        raise budget.error("不支持用 % 格式化字符串，请使用 f-string")
    elif kind is ast.Pow and isinstance(b, int | float):
        if abs(b) > limits.max_power:
            raise budget.limit(f"幂运算的指数过大（上限 {limits.max_power}）")
        if (
            isinstance(a, int)
            and isinstance(b, int)
            and b > 0
            and abs(a) > 1
            and (abs(a).bit_length() - 1) * b > limits.max_int_bits
        ):
            raise budget.limit(f"幂运算的结果过大（上限 {limits.max_int_bits} 位二进制）")
    elif kind in (ast.LShift, ast.RShift) and isinstance(b, int) and isinstance(a, int):
        if abs(b) > limits.max_shift:
            raise budget.limit(f"移位位数过大（上限 {limits.max_shift}）")
        if kind is ast.LShift and b > 0 and a.bit_length() + b > limits.max_int_bits:
            raise budget.limit(f"整数过大（上限 {limits.max_int_bits} 位二进制）")


def _check_length(budget: Budget, seq: Any, length: int) -> None:
    if isinstance(seq, str | bytes):
        if length > budget.limits.max_string:
            raise budget.limit(f"字符串过长（上限 {budget.limits.max_string} 个字符）")
    elif length > budget.limits.max_collection:
        raise budget.limit(f"列表过大（上限 {budget.limits.max_collection} 个元素）")


def compare(budget: Budget, relation: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    if isinstance(a, CONTAINERS) and isinstance(b, CONTAINERS):
        budget.measure(a, budget.limits.max_data_size)
        budget.measure(b, budget.limits.max_data_size)
    return relation(a, b)


def contains(budget: Budget, item: Any, container: Any) -> bool:
    if isinstance(item, CONTAINERS):
        budget.measure(item, budget.limits.max_data_size)
        budget.measure(container, budget.limits.max_data_size)
    return item in container
