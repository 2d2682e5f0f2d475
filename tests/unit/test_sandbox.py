"""The restricted script evaluator: normal scripts work, escapes and blow-ups are refused."""

from __future__ import annotations

import ast
import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engine.scripting.sandbox as sandbox_module
from engine.errors import ScriptError, ScriptLimitExceeded
from engine.scripting.isolation import IsolatedSandbox
from engine.scripting.sandbox import Limits, Sandbox, ScriptIssue, check_script


class Recorder:
    """A helper function that remembers it was called: proof that a script did (not) run."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


@pytest.fixture
def mark() -> Recorder:
    return Recorder()


def _functions(mark: Recorder) -> dict[str, Callable[..., Any]]:
    def add_days(day: str, days: int) -> str:
        return f"{day}+{days}"

    return {"mark": mark, "add_days": add_days, "make_function": lambda: len}


@pytest.fixture(params=["in_process", "isolated"])
def box(request: pytest.FixtureRequest, mark: Recorder) -> Sandbox | IsolatedSandbox:
    """Every behaviour holds alike in-process and in an evaluator process (where the
    helper functions run in this process, called back by the worker)."""
    if request.param == "isolated":
        return IsolatedSandbox(_functions(mark))
    return Sandbox(_functions(mark))


@pytest.fixture
def local_box(mark: Recorder) -> Sandbox:
    return Sandbox(_functions(mark))


def run(box: Sandbox | IsolatedSandbox, script: str, **variables: Any) -> dict[str, Any]:
    box.execute(script, variables)
    return variables


# -- normal use ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(1 + 2) * 3 - 4 / 2", 7.0),
        ("7 // 2 + 7 % 3 + 2 ** 10", 1028),
        ("-x + abs(-3) + round(2.567, 2)", 4.57),
        ("'通过' if score >= 60 else '不通过'", "通过"),
        ("1 < x <= 1 or x in [1, 2] and x is not None", True),
        ("items[1:] + [len(items)]", [2, 3, 3]),
        ("{'a': x, **extra}", {"a": 1, "b": 2}),
        ("sorted(items, reverse=True)[0] + max(items) + min(3, 4) + sum(items)", 15),
        ("', '.join(str(i) for i in items)", "1, 2, 3"),
        ("' 张三 '.strip().replace('张', '李') + 'abc'.upper()", "李三ABC"),
        ("list(enumerate(reversed(items), 1))", [(1, 3), (2, 2), (3, 1)]),
        ("dict(zip(['a', 'b'], items))", {"a": 1, "b": 2}),
        ("{i % 2 for i in range(5)}", {0, 1}),
        ("[(i, j) for i in range(2) for j in range(2) if i != j]", [(0, 1), (1, 0)]),
        ("any(i > 2 for i in items) and not all(i > 2 for i in items)", True),
        ("int('12') + float('0.5') + bool('') + len(set(items)) + len(tuple(items))", 18.5),
        ("add_days('2026-10-09', 5)", "2026-10-09+5"),
    ],
)
def test_evaluate_expressions(
    box: Sandbox | IsolatedSandbox, expression: str, expected: Any
) -> None:
    names = {"x": 1, "score": 75, "items": [1, 2, 3], "extra": {"b": 2}}
    assert box.evaluate(expression, names) == expected


@pytest.mark.parametrize(
    ("decision", "amount", "expected"),
    [
        ("approve", 500, True),
        ("approve", 1000, True),
        ("approve", 1001, False),
        ("reject", 1, False),
    ],
)
def test_gateway_condition_on_task_data(
    box: Sandbox | IsolatedSandbox, decision: str, amount: int, expected: bool
) -> None:
    condition = '\n  decision == "approve" and amount <= 1000\n'  # as found in BPMN XML
    assert box.evaluate(condition, {"decision": decision, "amount": amount}) is expected


def test_f_strings(box: Sandbox | IsolatedSandbox) -> None:
    names = {"name": "张三", "amount": 1234567.891, "items": [1, 2]}
    text = box.evaluate(
        'f"{name}：{amount:,.2f} 元，{len(items):>3d} 项 {items!r} {name:^6}"', names
    )
    assert text == "张三：1,234,567.89 元，  2 项 [1, 2]   张三  "


def test_script_loops_conditions_and_dict_updates(box: Sandbox | IsolatedSandbox) -> None:
    script = """
applicants = []
total = 0
for person in people:
    if person["age"] < 18:
        continue
    if person["name"] == "stop":
        break
    applicants.append(person["name"])
    total += person["amount"]
else:
    finished = True
summary["count"] = len(applicants)
summary["total"] += total
counts = {}
for name in applicants:
    counts[name[0]] = counts.get(name[0], 0) + 1
first, second = applicants[0], applicants[1]
squares = [n * n for n in range(4)]
by_name = {p["name"]: p["age"] for p in people}
label = "、".join(applicants)
del tmp
"""
    people = [
        {"name": "张三", "age": 30, "amount": 100},
        {"name": "小明", "age": 12, "amount": 999},
        {"name": "李四", "age": 40, "amount": 50},
        {"name": "张五", "age": 50, "amount": 1},
    ]
    data = run(box, script, people=people, summary={"total": 10}, tmp="x")
    assert data["applicants"] == ["张三", "李四", "张五"]
    assert data["summary"] == {"count": 3, "total": 161}
    assert data["finished"] is True
    assert data["counts"] == {"张": 2, "李": 1}
    assert (data["first"], data["second"]) == ("张三", "李四")
    assert data["squares"] == [0, 1, 4, 9]
    assert data["by_name"]["小明"] == 12
    assert data["label"] == "张三、李四、张五"
    assert "tmp" not in data
    assert "person" in data and "n" not in data  # loop variables stay, comprehension ones don't


def test_break_skips_for_else(box: Sandbox | IsolatedSandbox) -> None:
    script = "found = None\nfor i in range(10):\n    if i == 3:\n        found = i\n        break\n"
    data = run(box, script + "else:\n    found = -1")
    assert data["found"] == 3


def test_script_calls_passed_in_helpers(box: Sandbox | IsolatedSandbox, mark: Recorder) -> None:
    data = run(box, "deadline = add_days(start, 5)\nmark(deadline)", start="2026-10-09")
    assert data["deadline"] == "2026-10-09+5"
    assert mark.calls == [("2026-10-09+5",)]


def test_script_works_on_a_copy_until_it_succeeds(box: Sandbox | IsolatedSandbox) -> None:
    items = [1, 2, 3]
    data = run(box, "items.append(4)\nnested['a'].append(1)", items=items, nested={"a": []})
    assert data["items"] == [1, 2, 3, 4]
    assert data["nested"] == {"a": [1]}
    assert items == [1, 2, 3]  # the caller's object was never touched


def test_typical_script_runs_repeatedly(box: Sandbox | IsolatedSandbox) -> None:
    script = (
        "total = 0\nfor item in items:\n    total += item['amount']\n"
        "status = 'approve' if total <= 1000 else 'review'\nnames = [i['name'] for i in items]\n"
    )
    items = [{"name": f"n{i}", "amount": i} for i in range(5)]
    for _ in range(200):  # cached compilation, reused evaluator: must not be absurdly slow
        data = run(box, script, items=items)
    assert data["status"] == "approve" and data["total"] == 10


def test_evaluate_never_changes_names(box: Sandbox | IsolatedSandbox) -> None:
    names = {"items": [1]}
    assert box.evaluate("items + [2]", names) == [1, 2]
    with pytest.raises(ScriptError, match="修改数据"):
        box.evaluate("items.append(2)", names)
    assert names == {"items": [1]}


# -- escapes: rejected before anything runs ------------------------------------------------

STATIC_ESCAPES = [
    "__import__('os').system('echo escaped')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: 0).__globals__",
    "exec('mark()')",
    "eval('1')",
    "compile('1', 'x', 'eval')",
    "open('/etc/passwd')",
    "getattr(x, '__class__')",
    "type(x)",
    "'{0.__class__}'.format(x)",
    "f'{x.__class__}'",
    "import os",
    "from os import system",
    "while True:\n    pass",
    "print('hi')",
    "x.__class__ = 1",
    "y = x.upper",
    "y = [i for i in range(3)].__len__()",
    "def f():\n    return 1",
    "class A:\n    pass",
    "try:\n    pass\nexcept Exception:\n    pass",
    "with x:\n    pass",
    "raise ValueError()",
    "global x",
    "assert x",
    "y = f'{x:>1000000}'",
    "y = f'{x:{x}}'",
    "y = mark(*[1])",
    "_secret = 1",
    "y = x[0]()",
]


@pytest.mark.parametrize("escape", STATIC_ESCAPES)
def test_escape_is_rejected_before_running(
    box: Sandbox | IsolatedSandbox, mark: Recorder, escape: str
) -> None:
    script = f"mark('started')\n{escape}\n"
    variables = {"x": "data"}
    assert check_script(script, "exec", ["mark"])
    with pytest.raises(ScriptError) as raised:
        box.execute(script, variables)
    assert "第 2 行" in raised.value.message
    assert mark.calls == []  # not even the first line ran
    assert variables == {"x": "data"}


def test_os_system_never_runs(box: Sandbox | IsolatedSandbox, tmp_path: Path) -> None:
    sentinel = tmp_path / "escaped"
    attempts = [
        f"__import__('os').system('touch {sentinel}')",
        f"exec(\"import os; os.system('touch {sentinel}')\")",
        f"import os\nos.system('touch {sentinel}')",
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']"
        f"[0](['touch', '{sentinel}'])",
    ]
    for attempt in attempts:
        with pytest.raises(ScriptError):
            box.execute(attempt, {})
        with pytest.raises(ScriptError):
            box.evaluate(attempt.splitlines()[-1], {})
    assert not sentinel.exists()


@pytest.mark.parametrize(
    "escape",
    [
        "y = ().__class__",
        "y = x.__class__.__mro__",
        "y = type(1)",
        "y = getattr(x, 'upper')",
        "y = '{}'.format(1)",
        "y = 'a'.center(10 ** 9)",
        "y = (1).to_bytes(10 ** 9, 'big')",
        "exec('mark()')",
        "import os",
        "while True:\n    pass",
        "y = print(1)",
        "y = len",
        "y = mark",
        "y = x[0]()",
        "y = [1].sort(key=len)",
        "x.attr = 1",
    ],
)
def test_runtime_refuses_even_without_the_static_check(
    local_box: Sandbox, mark: Recorder, monkeypatch: pytest.MonkeyPatch, escape: str
) -> None:
    box = local_box  # the static check is patched out in this process only

    def parse_only(
        source: str, mode: str, functions: frozenset[str], max_depth: int, max_source: int
    ) -> tuple[ast.AST, list[ScriptIssue]]:
        return ast.parse(source, mode=mode), []

    monkeypatch.setattr(sandbox_module, "analyze", parse_only)
    sandbox_module._prepare.cache_clear()
    try:
        variables = {"x": "data"}
        with pytest.raises(ScriptError):
            box.execute(escape, variables)
        assert mark.calls == []
        assert variables == {"x": "data"}
    finally:
        sandbox_module._prepare.cache_clear()


# -- limits ------------------------------------------------------------------------------

LIMIT_BREAKERS = [
    "for i in range(10 ** 12):\n    pass",
    "x = [0] * 10 ** 9",
    "x = 'a' * 10 ** 10",
    "x = 2 ** 10 ** 10",
    "x = 10 ** 5000",
    "x = 1 << 100000",
    "s = 'a' * 50000\nt = s.replace('a', s)",
    "s = 'a' * 50000\nt = ''.join([s] * 10000)",
    "s = 'ab' * 50000\nt = s + s",
    "l = [1]\nfor x in l:\n    l.append(x)",
    "n = 0\nfor i in range(10000):\n    for j in range(10000):\n        n += 1",
    "keep = []\nfor i in range(1000):\n    keep.append('a' * 90000)",
    "z = [0]\nfor i in range(60):\n    z = [z, z]\ns = str(z)",
    "z = [0]\nfor i in range(60):\n    z = [z, z]",
    "a = [0]\nb = [0]\nfor i in range(60):\n    a = [a, a]\n    b = [b, b]\nsame = a == b",
    "t = (0,)\nfor i in range(60):\n    t = (t, t)\ns = {t}",
    "t = (0,)\nfor i in range(60):\n    t = zip([t], [t])[0]\ns = {t}",
    "d = {}\nd['self'] = d",
    "z = []\nfor i in range(500):\n    z = [z]",
    "x = list(range(10000)) + list(range(10000))",
    "x = round(1, -10 ** 7)",
]


@pytest.mark.parametrize("script", LIMIT_BREAKERS)
def test_limits_stop_blow_ups(box: Sandbox | IsolatedSandbox, script: str) -> None:
    variables: dict[str, Any] = {"keep": "me"}
    with pytest.raises(ScriptLimitExceeded) as raised:
        box.execute(script, variables)
    assert "第" in raised.value.message or "上限" in raised.value.message
    assert variables == {"keep": "me"}


def test_wall_clock_deadline() -> None:
    box = Sandbox(limits=Limits(max_seconds=0.01, max_steps=10**9))
    script = "n = 0\nfor i in range(10000):\n    for j in range(10000):\n        n += 1"
    with pytest.raises(ScriptLimitExceeded, match="超时"):
        box.execute(script, {})


def test_step_budget_message(box: Sandbox | IsolatedSandbox) -> None:
    with pytest.raises(ScriptLimitExceeded, match="步数"):
        box.execute("n = 0\nfor i in range(10000):\n    for j in range(10000):\n        n += 1", {})


def test_deeply_nested_expression_is_rejected(box: Sandbox | IsolatedSandbox) -> None:
    for source in [
        "x = " + "-" * 500 + "1",
        "x = " + "[" * 150 + "]" * 150,
        "x = 1" + " + 1" * 4000,
    ]:
        assert any("嵌套" in i.message or "复杂" in i.message for i in check_script(source, "exec"))
        with pytest.raises(ScriptError):
            box.execute(source, {})


def test_script_larger_than_max_source(box: Sandbox | IsolatedSandbox) -> None:
    script = "x = 1\n" * 5000
    with pytest.raises(ScriptLimitExceeded, match="脚本过长"):
        box.execute(script, {})
    assert check_script(script, "exec")[0].message.startswith("脚本过长")


def test_limits_are_configurable_and_frozen() -> None:
    box = Sandbox(limits=Limits(max_collection=5, max_steps=100))
    assert box.evaluate("list(range(5))", {}) == [0, 1, 2, 3, 4]
    with pytest.raises(ScriptLimitExceeded):
        box.evaluate("list(range(6))", {})
    with pytest.raises(ScriptLimitExceeded):
        box.execute("n = 0\nfor i in range(5):\n    for j in range(5):\n        n += i * j", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        Limits().max_steps = 1  # type: ignore[misc]


# -- plain data only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    ["f = len", "f = mark", "f = make_function()", "r = range(3)", "k = {'a': 1}.keys()"],
)
def test_only_plain_data_goes_into_task_data(box: Sandbox | IsolatedSandbox, script: str) -> None:
    variables = {"keep": 1}
    with pytest.raises(ScriptError):
        box.execute(script, variables)
    assert variables == {"keep": 1}


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "line", "fragments"),
    [
        ("a = 1\nb = 0\nc = a / b", 3, ["除数为零", "ZeroDivisionError", "division by zero"]),
        ("d = {}\n\ne = d['missing']", 3, ["KeyError", "missing"]),
        ("y = undefined + 1", 1, ["undefined", "未定义"]),
        ("x = 1\ny = 'a' + x", 2, ["TypeError", "concatenate"]),
        ("x = int('abc')", 1, ["ValueError", "abc"]),
        ("x = [1][5]", 1, ["IndexError"]),
        ("a, b = [1, 2, 3]", 1, ["解包"]),
        ("x = 'a %s' % 1", 1, ["f-string"]),
        ("x = sum(['a'])", 1, ["数字"]),
        ("x = {[1]: 2}", 1, ["unhashable"]),
        ("for i in range(3):\n    boom(i)", 2, ["ValueError", "helper broke"]),
    ],
)
@pytest.mark.parametrize("kind", [Sandbox, IsolatedSandbox])
def test_runtime_errors_become_script_errors(
    kind: type[Sandbox | IsolatedSandbox], script: str, line: int, fragments: list[str]
) -> None:
    def boom(i: int) -> None:
        raise ValueError("helper broke")

    variables = {"keep": [1]}
    with pytest.raises(ScriptError) as raised:
        kind({"boom": boom}).execute(script, variables)
    error = raised.value
    assert type(error) is ScriptError
    assert error.context["line"] == line
    assert f"第 {line} 行" in error.message
    for fragment in fragments:
        assert fragment in error.message
    assert variables == {"keep": [1]}


@pytest.mark.parametrize("kind", [Sandbox, IsolatedSandbox])
def test_helper_script_errors_get_the_line(kind: type[Sandbox | IsolatedSandbox]) -> None:
    def strict(value: Any) -> Any:
        raise ScriptError("不是有效的日期")

    with pytest.raises(ScriptError, match="第 2 行：不是有效的日期"):
        kind({"strict": strict}).execute("x = 1\ny = strict(x)", {})
    # a loop takes it out of the in-process subset: the error crosses the process boundary
    with pytest.raises(ScriptError, match="第 3 行：不是有效的日期"):
        kind({"strict": strict}).execute("x = 1\nfor i in [1]:\n    y = strict(x)", {})


def test_failed_execute_leaves_variables_unchanged(box: Sandbox | IsolatedSandbox) -> None:
    variables: dict[str, Any] = {"items": [1, 2], "form": {"a": {"b": 1}}, "n": 1, "gone": 0}
    snapshot = copy.deepcopy(variables)
    nested = variables["form"]["a"]
    script = (
        "items.append(3)\nform['a']['b'] = 2\nform['new'] = 1\nn += 1\n"
        "created = 'x'\ndel gone\nresult = n / 0\n"
    )
    with pytest.raises(ScriptError, match="第 7 行"):
        box.execute(script, variables)
    assert variables == snapshot
    assert variables["form"]["a"] is nested


def test_syntax_error_is_reported_with_its_line(box: Sandbox | IsolatedSandbox) -> None:
    issues = check_script("x = 1\ny = (\nz = 2", "exec")
    assert len(issues) == 1 and issues[0].message.startswith("语法错误")
    assert issues[0].line in (2, 3)
    with pytest.raises(ScriptError, match="语法错误"):
        box.execute("x = 1\nif x\n    y = 2", {})


# -- check_script ------------------------------------------------------------------------


def test_check_script_lists_every_violation_with_its_line() -> None:
    script = "import os\ntotal = 1\nwhile total:\n    total = 0\ny = total.__class__\n"
    issues = check_script(script, "exec")
    assert [issue.line for issue in issues] == [1, 3, 5]
    assert all(isinstance(issue, ScriptIssue) and issue.message for issue in issues)
    assert "import" in issues[0].message and "while" in issues[1].message


@pytest.mark.parametrize(
    ("source", "mode", "known", "problem"),
    [
        ("x = today()", "exec", (), "today"),
        ("break", "exec", (), "break"),
        ("items.append(1)", "eval", (), "append"),
        ("a, *b = items", "exec", (), "*"),
        ("x := 1", "eval", (), "语法错误"),
        ("x.y", "eval", (), ".y"),
        ("f(**kw)", "eval", ("f",), "**"),
        ("1 @ 2", "eval", (), "@"),
    ],
)
def test_check_script_problems(
    source: str, mode: Any, known: tuple[str, ...], problem: str
) -> None:
    issues = check_script(source, mode, known)
    assert issues and problem in issues[0].message


@pytest.mark.parametrize(
    ("source", "mode", "known"),
    [
        ("x = today()\nitems.append(x)\nd['k'] += 1\ndel d['j']", "exec", ("today",)),
        ("f'{amount:,.2f} {name:>10} {rate:.1%} {n:05d}'", "eval", ()),
        ("[x for x in items if x not in {1, 2}]", "eval", ()),
        ("for i, (a, b) in enumerate(pairs):\n    continue", "exec", ()),
    ],
)
def test_check_script_accepts_allowed_code(source: str, mode: Any, known: tuple[str, ...]) -> None:
    assert check_script(source, mode, known) == []


def test_functions_are_validated() -> None:
    bad: list[dict[str, Callable[..., Any]]] = [
        {"eval": len},
        {"_hidden": len},
        {"ok": eval},
        {"ok": getattr},
    ]
    for functions in bad:
        with pytest.raises(ValueError):
            Sandbox(functions)
