"""What a script may call: the builtin functions and the data methods, kept within budget.

The builtins that build or walk data take bounded copies of their input and measure what
they compare or convert; the methods allowed by the policy are checked for results that
would be too large, and their new data is charged to the run.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable, Iterable
from typing import Any

from engine.scripting.budget import CONTAINERS, Budget
from engine.scripting.policy import METHODS, MUTATING_METHODS

# builtins whose result is a new container or string, charged to max_allocation
ALLOCATING = frozenset(
    {"dict", "list", "set", "tuple", "str", "sorted", "reversed", "enumerate", "zip"}
)
_NUMBERS = (int, float, decimal.Decimal)
MAX_ROUND_DIGITS = 400  # beyond the range of float; an int has at most ~3,000 digits
_COPYING_METHODS = frozenset(
    {"copy", "union", "intersection", "difference", "symmetric_difference"}
)


def builtin_functions(budget: Budget) -> dict[str, Callable[..., Any]]:
    """The builtins a script may call, those that build or walk data bound to ``budget``."""
    guarded = {name: functools.partial(function, budget) for name, function in _GUARDED.items()}
    return {
        "len": len,
        "abs": abs,
        "int": int,
        "float": float,
        "bool": bool,
        "any": any,
        "all": all,
        "dict": dict,
        **guarded,
    }


def to_text(budget: Budget, value: Any, convert: Callable[[Any], str]) -> str:
    """``convert(value)``, nested data measured first so the text cannot grow unchecked."""
    if isinstance(value, CONTAINERS):
        budget.measure(value, budget.limits.max_string)
    text = convert(value)
    budget.check(text)
    return text


def call_method(
    budget: Budget,
    receiver: Any,
    name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    script: bool,
) -> Any:
    """Call a method the policy allows on ``receiver``; mutating ones only in scripts."""
    kind = next((t for t in type(receiver).__mro__ if t in METHODS), None)
    if kind is None or name not in METHODS[kind] or name.startswith("_"):
        raise budget.error(f"{type(receiver).__name__} 类型的数据没有可用的方法 .{name}")
    mutating = name in MUTATING_METHODS
    if mutating and not script:
        raise budget.error(f"表达式中不能调用会修改数据的方法 .{name}")
    if kind is str and name in ("join", "replace"):
        _guard_str_method(budget, receiver, name, args)
    elif name == "sort" or (
        name in ("index", "count", "remove") and args and isinstance(args[0], CONTAINERS)
    ):
        budget.measure(receiver, budget.limits.max_data_size)
    before = len(receiver) if mutating else 0
    result = getattr(receiver, name)(*args, **kwargs)
    if mutating:
        budget.check(receiver)
        budget.allocated += max(len(receiver) - before, 0)
    elif kind is str or name in _COPYING_METHODS:
        budget.charge(result)
        if isinstance(result, list | tuple):  # split() and partition() copy characters
            budget.allocated += len(receiver)
    return result


def _guard_str_method(budget: Budget, receiver: str, name: str, args: list[Any]) -> None:
    """Refuse ``join`` and ``replace`` calls whose result would be too long."""
    if name == "join" and args:
        args[0] = parts = budget.bounded_list(args[0])
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
    if size > budget.limits.max_string:
        raise budget.limit(f"字符串过长（上限 {budget.limits.max_string} 个字符）")


# -- guarded builtins ------------------------------------------------------------------


def _fn_list(budget: Budget, /, iterable: Iterable[Any] = ()) -> list[Any]:
    return budget.bounded_list(iterable)


def _fn_set(budget: Budget, /, iterable: Iterable[Any] = ()) -> set[Any]:
    return set(budget.bounded_list(iterable))


def _fn_tuple(budget: Budget, /, iterable: Iterable[Any] = ()) -> tuple[Any, ...]:
    return tuple(budget.bounded_list(iterable))


def _fn_str(budget: Budget, /, *args: Any, **kwargs: Any) -> str:
    if len(args) == 1 and not kwargs:
        return to_text(budget, args[0], str)
    return str(*args, **kwargs)


def _fn_min(budget: Budget, /, *args: Any, **kwargs: Any) -> Any:
    budget.measure(args, budget.limits.max_data_size)
    return min(*args, **kwargs)


def _fn_max(budget: Budget, /, *args: Any, **kwargs: Any) -> Any:
    budget.measure(args, budget.limits.max_data_size)
    return max(*args, **kwargs)


def _fn_sum(budget: Budget, /, iterable: Iterable[Any], start: Any = 0) -> Any:
    items = budget.bounded_list(iterable)
    if not all(isinstance(x, _NUMBERS) for x in [start, *items]):
        raise budget.error("sum 只能对数字求和")
    return sum(items, start)


def _fn_sorted(budget: Budget, /, iterable: Iterable[Any], *, reverse: bool = False) -> list[Any]:
    items = budget.bounded_list(iterable)
    budget.measure(items, budget.limits.max_data_size)
    return sorted(items, reverse=bool(reverse))


def _fn_reversed(budget: Budget, /, sequence: Any) -> list[Any]:
    return budget.bounded_list(reversed(sequence))


def _fn_round(budget: Budget, /, number: Any, ndigits: Any = None) -> Any:
    # round(1, -10 ** 7) computes 10 ** 10 ** 7 inside one C call
    if isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise budget.limit(f"round 的位数超出限制（上限 ±{MAX_ROUND_DIGITS}）")
    return round(number, ndigits)


def _fn_range(budget: Budget, /, *args: int) -> range:
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = budget.limits.max_collection + 1
    if length > budget.limits.max_collection:
        raise budget.limit(f"range 的长度超出限制（上限 {budget.limits.max_collection}）")
    return result


def _fn_enumerate(
    budget: Budget, /, iterable: Iterable[Any], start: int = 0
) -> list[tuple[int, Any]]:
    result = list(enumerate(budget.bounded_list(iterable), start))
    for pair in result:
        budget.guard_tuple(pair)
    return result


def _fn_zip(
    budget: Budget, /, *iterables: Iterable[Any], strict: bool = False
) -> list[tuple[Any, ...]]:
    result = list(zip(*(budget.bounded_list(it) for it in iterables), strict=strict))
    for group in result:
        budget.guard_tuple(group)
    return result


_GUARDED: dict[str, Callable[..., Any]] = {
    "list": _fn_list,
    "set": _fn_set,
    "tuple": _fn_tuple,
    "str": _fn_str,
    "min": _fn_min,
    "max": _fn_max,
    "sum": _fn_sum,
    "sorted": _fn_sorted,
    "reversed": _fn_reversed,
    "range": _fn_range,
    "round": _fn_round,
    "enumerate": _fn_enumerate,
    "zip": _fn_zip,
}
