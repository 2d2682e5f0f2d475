"""The budget of one script run and the guards that keep a run within it.

Every node costs a step, the wall clock is checked on every step, every value produced is
size checked, and operations whose cost depends on nested data (``str()``, comparisons,
sorting, hashing tuples) first measure that data with a bounded walk.
"""

from __future__ import annotations

import itertools
import time
import types
from collections.abc import Iterable
from typing import Any

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.limits import Limits

CONTAINERS = (list, tuple, dict, set, frozenset)
SCALARS = frozenset({float, bool, complex, type(None)})
_NOT_STORABLE: tuple[type, ...] = (
    types.ModuleType,
    range,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)


class Budget:
    """Steps, time and allocation spent by one run, and the size checks of its values.

    It also tracks the line being run, so every error it raises says where.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.clear()

    def clear(self) -> None:
        self.line = self.allocated = self._steps = 0
        self._deadline = 0.0
        self._tuple_weights: dict[int, tuple[tuple[Any, ...], int]] = {}

    def start(self) -> None:
        """Begin a run: nothing spent yet, the wall clock starts now."""
        self.clear()
        self.line = 1
        self._deadline = time.perf_counter() + self.limits.max_seconds

    def error(self, message: str) -> ScriptError:
        return ScriptError(f"第 {self.line} 行：{message}", line=self.line)

    def limit(self, message: str) -> ScriptLimitExceeded:
        return ScriptLimitExceeded(f"第 {self.line} 行：{message}", line=self.line)

    def tick(self, steps: int = 1) -> None:
        self._steps += steps
        if self._steps > self.limits.max_steps:
            raise self.limit(f"脚本执行超出步数限制（{self.limits.max_steps} 步）")
        if time.perf_counter() > self._deadline:
            raise self.limit(f"脚本执行超时（上限 {self.limits.max_seconds} 秒）")

    def charge(self, value: Any) -> None:
        """Count a newly created value against the allocation budget."""
        if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
            self.allocated += len(value)
            if self.allocated > self.limits.max_allocation:
                raise self.limit(f"脚本创建的数据总量超出限制（{self.limits.max_allocation}）")

    def check(self, value: Any) -> None:
        """Size-check one value; functions, types and modules are never values."""
        kind = type(value)
        if kind in SCALARS:
            return
        if isinstance(value, str | bytes | bytearray):
            if len(value) > self.limits.max_string:
                raise self.limit(f"字符串过长（上限 {self.limits.max_string} 个字符）")
        elif isinstance(value, int):
            if value.bit_length() > self.limits.max_int_bits:
                raise self.limit(f"整数过大（上限 {self.limits.max_int_bits} 位二进制）")
        elif callable(value) or isinstance(value, types.ModuleType):
            raise self.error("函数、类型或模块不能当作值使用")
        elif hasattr(value, "__len__") and len(value) > self.limits.max_collection:
            raise self.limit(f"列表、字典或集合过大（上限 {self.limits.max_collection} 个元素）")
        elif isinstance(value, tuple):
            self.guard_tuple(value)

    def guard_tuple(self, value: tuple[Any, ...], depth: int = 0) -> int:
        """Bound the work of hashing ``value`` (tuple hashes are not cached and walk nested
        tuples), so tuples cannot be nested into exponentially costly set members or keys.
        Weights are remembered per tuple for the run, keeping each check cheap."""
        known = self._tuple_weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if depth >= self.limits.max_depth:
            raise self.limit(f"数据嵌套层数过深（上限 {self.limits.max_depth} 层）")
        weight = len(value)
        for item in value:
            if isinstance(item, tuple):
                weight += self.guard_tuple(item, depth + 1)
            if weight > self.limits.max_collection:
                raise self.limit(f"元组嵌套过大（上限 {self.limits.max_collection} 个元素）")
        self._tuple_weights[id(value)] = (value, weight)
        return weight

    def measure(self, value: Any, limit: int, *, store: str = "") -> None:
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
                self.tick(256)
            if isinstance(item, str | bytes):
                size += len(item) + 2
            elif isinstance(item, int):
                size += item.bit_length() // 3 + 1
            elif isinstance(item, CONTAINERS):
                if depth >= self.limits.max_depth:
                    raise self.limit(f"数据嵌套层数过深（上限 {self.limits.max_depth} 层）")
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
                raise self.limit(f"数据过大或含有循环引用（上限 {limit}）")
        self.tick(visits // 16)

    def bounded_list(self, iterable: Iterable[Any]) -> list[Any]:
        limit = self.limits.max_collection
        try:
            if hasattr(iterable, "__len__") and len(iterable) > limit:  # type: ignore[arg-type]
                raise self.limit(f"列表、字典或集合过大（上限 {limit} 个元素）")
        except OverflowError:
            raise self.limit(f"列表、字典或集合过大（上限 {limit} 个元素）") from None
        result = list(itertools.islice(iterable, limit + 1))
        if len(result) > limit:
            raise self.limit(f"列表、字典或集合过大（上限 {limit} 个元素）")
        return result
