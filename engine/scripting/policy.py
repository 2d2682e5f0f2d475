"""What BPMN scripts may contain, and the static checker that enforces it.

The checker never runs anything: it parses the source and walks the syntax tree,
reporting every construct outside the allowed Python subset with its line, so
``daiban lint`` can list all of them at once. :mod:`engine.scripting.sandbox`
runs only trees this checker accepted, and repeats the important checks at run time.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

DEFAULT_MAX_SOURCE = 20_000
DEFAULT_MAX_DEPTH = 100

BUILTIN_FUNCTIONS = frozenset({
    "len", "min", "max", "sum", "abs", "round", "sorted", "reversed", "range", "int",
    "float", "str", "bool", "list", "dict", "set", "tuple", "any", "all", "enumerate", "zip",
})  # fmt: skip

DENIED_NAMES = frozenset({
    "exec", "eval", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "dir", "type", "__import__", "breakpoint", "input", "help", "memoryview",
    "object", "super", "classmethod", "staticmethod", "property",
})  # fmt: skip

# Methods a script may call, per receiver type. Left out on purpose: everything whose
# output size an argument controls (center, ljust, rjust, zfill, expandtabs, format,
# format_map, encode, translate, maketrans, to_bytes...), and anything taking a function.
METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "lower", "lstrip",
        "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
        "swapcase", "title", "upper",
    }),
    list: frozenset({
        "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
        "reverse", "sort",
    }),
    dict: frozenset({
        "clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update",
        "values",
    }),
    set: frozenset({
        "add", "clear", "copy", "difference", "difference_update", "discard", "intersection",
        "intersection_update", "isdisjoint", "issubset", "issuperset", "pop", "remove",
        "symmetric_difference", "symmetric_difference_update", "union", "update",
    }),
    tuple: frozenset({"count", "index"}),
}  # fmt: skip
METHOD_NAMES = frozenset().union(*METHODS.values())

# Methods that change their receiver: not allowed in expressions (conditions, timers).
MUTATING_METHODS = frozenset({
    "add", "append", "clear", "difference_update", "discard", "extend", "insert",
    "intersection_update", "pop", "popitem", "remove", "reverse", "setdefault", "sort",
    "symmetric_difference_update", "update",
})  # fmt: skip

# f-string format specs: alignment, sign, width and precision of at most two digits.
SAFE_FORMAT_SPEC = re.compile(r"[<>^]?[+-]?\d{0,2},?(\.\d{1,2})?[dfs%]?")

_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Import: "不允许使用 import",
    ast.ImportFrom: "不允许使用 from ... import",
    ast.While: "不允许使用 while 循环，请用 for ... in range(...)",
    ast.FunctionDef: "不允许定义函数（def）",
    ast.AsyncFunctionDef: "不允许定义函数（async def）",
    ast.Lambda: "不允许使用 lambda",
    ast.ClassDef: "不允许定义类（class）",
    ast.With: "不允许使用 with",
    ast.AsyncWith: "不允许使用 async with",
    ast.AsyncFor: "不允许使用 async for",
    ast.Try: "不允许使用 try",
    ast.TryStar: "不允许使用 try",
    ast.Raise: "不允许使用 raise",
    ast.Global: "不允许使用 global",
    ast.Nonlocal: "不允许使用 nonlocal",
    ast.Return: "不允许使用 return",
    ast.Yield: "不允许使用 yield",
    ast.YieldFrom: "不允许使用 yield from",
    ast.Await: "不允许使用 await",
    ast.Assert: "不允许使用 assert",
    ast.NamedExpr: "不允许使用海象运算符 :=",
    ast.AnnAssign: "不允许使用类型注解",
    ast.Match: "不允许使用 match",
    ast.MatMult: "不支持 @ 运算符",
}

_ALLOWED: frozenset[type[ast.AST]] = frozenset({
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For,
    ast.Pass, ast.Delete, ast.Constant, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp,
    ast.Compare, ast.Dict, ast.Set, ast.List, ast.Tuple, ast.ListComp, ast.SetComp,
    ast.DictComp, ast.GeneratorExp, ast.Subscript, ast.Slice, ast.JoinedStr, ast.keyword,
    ast.Load, ast.Store, ast.Del, ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor,
    ast.BitAnd, ast.Invert, ast.Not, ast.UAdd, ast.USub, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
})  # fmt: skip


# Parts of forbidden constructs: walked for what they contain, never reported themselves.
_QUIET: tuple[type[ast.AST], ...] = (
    ast.alias, ast.arguments, ast.arg, ast.withitem, ast.ExceptHandler, ast.match_case,
    ast.pattern,
)  # fmt: skip


@dataclass(frozen=True)
class ScriptIssue:
    line: int  # 1-based line inside the script
    message: str  # Chinese


def check_script(
    source: str,
    mode: Literal["exec", "eval"],
    known_functions: Collection[str] = (),
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_source: int = DEFAULT_MAX_SOURCE,
) -> list[ScriptIssue]:
    """Every disallowed construct in ``source``, without running anything."""
    return analyze(source, mode, frozenset(known_functions), max_depth, max_source)[1]


def analyze(
    source: str,
    mode: Literal["exec", "eval"],
    known_functions: frozenset[str],
    max_depth: int,
    max_source: int,
) -> tuple[ast.Module | ast.Expression | None, list[ScriptIssue]]:
    """Parse and check ``source``: the tree (None if unparsable) and the issues found."""
    if len(source) > max_source:
        return None, [ScriptIssue(1, f"脚本过长（{len(source)} 个字符，上限 {max_source}）")]
    # expressions come from XML attributes and text: surrounding blank space is not an error
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    offset = source[: source.find(text)].count("\n") if mode == "eval" else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            parsed = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        return None, [ScriptIssue((exc.lineno or 1) + offset, f"语法错误：{exc.msg}")]
    except (ValueError, MemoryError, RecursionError):
        return None, [ScriptIssue(1, "脚本过于复杂或含有非法字符，无法解析")]
    assert isinstance(parsed, ast.Module | ast.Expression)
    tree = ast.increment_lineno(parsed, offset)
    checker = _Checker(mode, BUILTIN_FUNCTIONS | known_functions, max_depth)
    checker.visit(tree, 1, 0, False)
    return tree, sorted(checker.issues, key=lambda issue: issue.line)


def name_problem(name: str) -> str | None:
    """Why a bare name may not appear in a script, or None."""
    if name.startswith("_"):
        return f"不允许使用以下划线开头的名字 {name}"
    if name in DENIED_NAMES:
        return f"不允许使用 {name}"
    return None


def static_format_spec(spec: ast.expr) -> str | None:
    """The text of an f-string format spec, or None if it contains replacement fields."""
    if not isinstance(spec, ast.JoinedStr):
        return None
    parts = [
        part.value
        for part in spec.values
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    ]
    return "".join(parts) if len(parts) == len(spec.values) else None


class _Checker:
    """Walks a tree and collects issues; stops descending below ``max_depth`` levels."""

    def __init__(self, mode: str, functions: frozenset[str], max_depth: int) -> None:
        self.mode = mode
        self.functions = functions
        self.max_depth = max_depth
        self.issues: list[ScriptIssue] = []
        self._too_deep = False

    def report(self, line: int, message: str) -> None:
        self.issues.append(ScriptIssue(line, message))

    def visit(self, node: ast.AST, line: int, depth: int, in_loop: bool) -> None:
        line = getattr(node, "lineno", line)
        if depth > self.max_depth:
            if not self._too_deep:
                self._too_deep = True
                self.report(line, f"嵌套层数过深（上限 {self.max_depth} 层）")
            return
        kind = type(node)
        special = getattr(self, f"_visit_{kind.__name__}", None)
        if special is not None:
            special(node, line, depth, in_loop)
            return
        if kind in _FORBIDDEN:
            self.report(line, _FORBIDDEN[kind])
        elif kind not in _ALLOWED and not isinstance(node, _QUIET):
            self.report(line, f"不支持的语法：{kind.__name__}")
        self.children(node, line, depth, in_loop)

    def children(self, node: ast.AST, line: int, depth: int, in_loop: bool) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit(child, line, depth + 1, in_loop)

    def _visit_Name(self, node: ast.Name, line: int, depth: int, in_loop: bool) -> None:
        problem = name_problem(node.id)
        if problem:
            self.report(line, problem)

    def _visit_Attribute(self, node: ast.Attribute, line: int, depth: int, in_loop: bool) -> None:
        if node.attr.startswith("_"):
            self.report(line, f"不允许访问以下划线开头的属性 {node.attr}")
        elif node.attr in METHOD_NAMES and isinstance(node.ctx, ast.Load):
            self.report(line, f"方法 .{node.attr} 只能直接调用，不能当作值使用")
        else:
            self.report(line, f"不允许访问属性 .{node.attr}（字典的字段请写成 x['{node.attr}']）")
        self.visit(node.value, line, depth + 1, in_loop)

    def _visit_Call(self, node: ast.Call, line: int, depth: int, in_loop: bool) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            problem = name_problem(func.id)
            if problem is None and func.id not in self.functions:
                problem = f"函数 {func.id} 不可用"
            if problem:
                self.report(line, problem)
        elif isinstance(func, ast.Attribute):
            if func.attr.startswith("_"):
                self.report(line, f"不允许访问以下划线开头的属性 {func.attr}")
            elif func.attr not in METHOD_NAMES:
                self.report(line, f"不允许调用方法 .{func.attr}")
            elif self.mode == "eval" and func.attr in MUTATING_METHODS:
                self.report(line, f"表达式中不能调用会修改数据的方法 .{func.attr}")
            self.visit(func.value, line, depth + 1, in_loop)
        else:
            self.report(line, "只能调用内置函数、已登记的函数或数据的方法")
            self.visit(func, line, depth + 1, in_loop)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.report(line, "调用时不允许使用 * 展开参数")
                arg = arg.value
            self.visit(arg, line, depth + 1, in_loop)
        for keyword in node.keywords:
            if keyword.arg is None:
                self.report(line, "调用时不允许使用 ** 展开参数")
            self.visit(keyword.value, line, depth + 1, in_loop)

    def _visit_Starred(self, node: ast.Starred, line: int, depth: int, in_loop: bool) -> None:
        self.report(line, "这里不允许使用 * 展开")
        self.visit(node.value, line, depth + 1, in_loop)

    def _visit_literal(
        self, node: ast.List | ast.Tuple | ast.Set, line: int, depth: int, in_loop: bool
    ) -> None:
        for element in node.elts:
            if isinstance(element, ast.Starred) and isinstance(element.ctx, ast.Load):
                element = element.value
            self.visit(element, line, depth + 1, in_loop)

    _visit_List = _visit_Tuple = _visit_Set = _visit_literal

    def _visit_FormattedValue(
        self, node: ast.FormattedValue, line: int, depth: int, in_loop: bool
    ) -> None:
        if node.format_spec is not None:
            text = static_format_spec(node.format_spec)
            if text is None:
                self.report(line, "格式说明中不能包含表达式")
            elif not SAFE_FORMAT_SPEC.fullmatch(text):
                self.report(line, f"不允许的格式说明 {text!r}（宽度和精度最多两位数）")
        self.visit(node.value, line, depth + 1, in_loop)

    def _visit_comprehension(
        self, node: ast.comprehension, line: int, depth: int, in_loop: bool
    ) -> None:
        if node.is_async:
            self.report(line, "不允许使用 async for")
        self.target(node.target, line, depth + 1, subscripts=False)
        self.visit(node.iter, line, depth + 1, in_loop)
        for condition in node.ifs:
            self.visit(condition, line, depth + 1, in_loop)

    def _visit_Assign(self, node: ast.Assign, line: int, depth: int, in_loop: bool) -> None:
        for target in node.targets:
            self.target(target, line, depth + 1, subscripts=True)
        self.visit(node.value, line, depth + 1, in_loop)

    def _visit_AugAssign(self, node: ast.AugAssign, line: int, depth: int, in_loop: bool) -> None:
        if isinstance(node.target, ast.Name | ast.Subscript):
            self.target(node.target, line, depth + 1, subscripts=True)
        else:
            self.report(line, "复合赋值只能用于变量或列表、字典的元素")
        self.visit(node.op, line, depth + 1, in_loop)
        self.visit(node.value, line, depth + 1, in_loop)

    def _visit_Delete(self, node: ast.Delete, line: int, depth: int, in_loop: bool) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name | ast.Subscript):
                self.target(target, line, depth + 1, subscripts=True)
            else:
                self.report(line, "del 只能用于变量或列表、字典的元素")

    def _visit_For(self, node: ast.For, line: int, depth: int, in_loop: bool) -> None:
        self.target(node.target, line, depth + 1, subscripts=False)
        self.visit(node.iter, line, depth + 1, in_loop)
        for statement in node.body:
            self.visit(statement, line, depth + 1, True)
        for statement in node.orelse:
            self.visit(statement, line, depth + 1, in_loop)

    def _visit_Break(self, node: ast.Break, line: int, depth: int, in_loop: bool) -> None:
        if not in_loop:
            self.report(line, "break 只能用在 for 循环里")

    def _visit_Continue(self, node: ast.Continue, line: int, depth: int, in_loop: bool) -> None:
        if not in_loop:
            self.report(line, "continue 只能用在 for 循环里")

    def target(self, node: ast.expr, line: int, depth: int, *, subscripts: bool) -> None:
        """An assignment or loop target: names, unpacking, and (if allowed) element stores."""
        line = getattr(node, "lineno", line)
        if depth > self.max_depth:
            self.visit(node, line, depth, False)
        elif isinstance(node, ast.Name):
            self._visit_Name(node, line, depth, False)
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    self.report(line, "不支持带 * 的解包赋值")
                else:
                    self.target(element, line, depth + 1, subscripts=subscripts)
        elif isinstance(node, ast.Subscript) and subscripts:
            root: ast.expr = node
            while isinstance(root, ast.Subscript):
                root = root.value
            if not isinstance(root, ast.Name):
                self.report(line, "只能给变量中的列表或字典的元素赋值")
            self.visit(node.value, line, depth + 1, False)
            self.visit(node.slice, line, depth + 1, False)
        elif isinstance(node, ast.Attribute):
            self.report(line, f"不允许给属性 .{node.attr} 赋值")
        else:
            self.report(line, "这里只能写变量名")
