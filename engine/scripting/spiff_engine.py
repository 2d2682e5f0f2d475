"""The script engine handed to SpiffWorkflow: every script goes through the sandbox.

SpiffWorkflow's default ``PythonScriptEngine`` runs plain ``exec``/``eval``; this one
keeps its interface and replaces the environment with the sandbox — by default the
:class:`~engine.scripting.isolation.IsolatedSandbox`, whose runs cannot outlast their CPU
budget even inside one builtin call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError
from engine.scripting.helpers import HELPERS
from engine.scripting.isolation import IsolatedSandbox
from engine.scripting.sandbox import check_script


class ScriptRunner(Protocol):
    """What the environment needs of a sandbox (``Sandbox`` or ``IsolatedSandbox``)."""

    def evaluate(self, expression: str, names: Mapping[str, Any]) -> Any: ...

    def execute(self, script: str, variables: dict[str, Any]) -> None: ...


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def __init__(self, sandbox: ScriptRunner) -> None:
        super().__init__({})
        self.sandbox = sandbox

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        names = {**context, **(external_context or {})}
        return self.sandbox.evaluate(expression, names)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.sandbox.execute(script, context)
        return True

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise ScriptError("不支持服务任务")


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Raises ``ScriptError`` (with the element id) instead of running anything unsafe."""

    def __init__(self, sandbox: ScriptRunner | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(sandbox or IsolatedSandbox(HELPERS)))

    def validate(self, expression: str) -> None:
        issues = check_script(expression, "exec", HELPERS)
        if issues:
            raise ScriptError("；".join(f"第 {i.line} 行：{i.message}" for i in issues))

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as exc:
            raise _with_task(exc, task) from None

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        try:
            return bool(self.environment.execute(script, task.data, external_context))
        except ScriptError as exc:
            raise _with_task(exc, task) from None


def _with_task(exc: ScriptError, task: Any) -> ScriptError:
    spec = task.task_spec
    element = getattr(spec, "bpmn_id", None) or spec.name
    wrapped = type(exc)(
        f"{element}（{getattr(spec, 'bpmn_name', None) or element}）：{exc.message}"
    )
    wrapped.context.update(exc.context, element_id=element)
    return wrapped
