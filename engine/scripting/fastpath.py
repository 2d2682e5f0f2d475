"""Which scripts and expressions are cheap enough to run in the engine's own process.

Sending a run to an evaluator process costs two process wake-ups (about 0.1–0.2 ms
here), ten times the cost of a typical gateway condition such as
``intake_result == "accepted"``. Most of what BPMN files evaluate is of that kind, so a
run whose syntax lies in the small subset below runs in-process; everything else —
loops, comprehensions, arithmetic, builtins such as ``round`` or ``set`` — runs in a
worker that can be killed.

Why the subset cannot outrun its budget: it has no loop and no recursion, so a run
evaluates at most as many nodes as its source has (at most ``Limits.max_source``
characters), and every node does work linear in the data it touches:

- names, constants, ``and``/``or``/``not``/``if-else`` (truth values of any built-in
  type are O(1)), literals of constants (bounded by the source);
- ``x[CONSTANT]`` and ``x.get(CONSTANT[, CONSTANT])``: one index or hash lookup;
- comparisons and ``in`` where at most one side is a container: equality and ordering
  of strings, bytes and numbers are linear in their size, ``scalar in container`` is one
  scan or one hash lookup. Comparing two containers can be quadratic (dicts whose keys
  have equal hashes), so when both sides turn out to be containers at run time the run
  is handed to a worker instead (:class:`NeedsIsolation`); so is ``container in x``;
- calls of the engine's own functions (``today()``, ``deadline_working_days(n)``, …),
  which check their arguments and do bounded work.

Scripts in the subset are sequences of ``name = <expression of the subset>``.
"""

from __future__ import annotations

import ast
import functools
from typing import Any

from engine.scripting.operators import COMPARISONS

SCALARS = (str, bytes, int, float, complex, bool, type(None))


class NeedsIsolation(Exception):
    """Raised by an in-process run that met data the subset's bound does not cover."""


@functools.lru_cache(maxsize=2048)
def is_cheap(tree: ast.AST, functions: frozenset[str]) -> bool:
    """Whether a checked tree lies in the in-process subset (``functions``: the engine's
    own functions it may call)."""
    if isinstance(tree, ast.Expression):
        return _expression(tree.body, functions)
    if isinstance(tree, ast.Module):
        return all(
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and _expression(statement.value, functions)
            for statement in tree.body
        )
    return False


def _expression(node: ast.AST, functions: frozenset[str]) -> bool:
    if isinstance(node, ast.Name | ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return _expression(node.operand, functions)
        # a negative number in the source, e.g. ``x > -1``
        return isinstance(node.op, ast.USub | ast.UAdd) and isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.BoolOp):
        return all(_expression(value, functions) for value in node.values)
    if isinstance(node, ast.Compare):
        return all(isinstance(op, COMPARISONS) for op in node.ops) and all(
            _expression(part, functions) for part in (node.left, *node.comparators)
        )
    if isinstance(node, ast.IfExp):
        return all(_expression(part, functions) for part in (node.test, node.body, node.orelse))
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and _expression(node.value, functions)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(isinstance(element, ast.Constant) for element in node.elts)
    if isinstance(node, ast.Call):
        return _call(node, functions)
    return False


def _call(node: ast.Call, functions: frozenset[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return (
            func.id in functions
            and all(keyword.arg is not None for keyword in node.keywords)
            and all(
                not isinstance(arg, ast.Starred) and _expression(arg, functions)
                for arg in [*node.args, *(k.value for k in node.keywords)]
            )
        )
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and not node.keywords
        and 1 <= len(node.args) <= 2
        and all(isinstance(arg, ast.Constant) for arg in node.args)
        and _expression(func.value, functions)
    )


def guard_compare(kind: type[ast.cmpop], a: Any, b: Any) -> None:
    """Hand the run to a worker when a comparison falls outside the linear cases."""
    if kind in (ast.In, ast.NotIn):
        if not isinstance(a, SCALARS):
            raise NeedsIsolation
    elif kind not in (ast.Is, ast.IsNot) and not (isinstance(a, SCALARS) or isinstance(b, SCALARS)):
        raise NeedsIsolation
