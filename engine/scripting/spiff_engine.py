"""The script engine handed to SpiffWorkflow: every script goes through the sandbox.

SpiffWorkflow's default ``PythonScriptEngine`` runs plain ``exec``/``eval``; this one
keeps its interface and replaces the environment with :class:`Sandbox`.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError
from engine.scripting.helpers import HELPERS
from engine.scripting.sandbox import Sandbox, check_script


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def __init__(self, sandbox: Sandbox) -> None:
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

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(sandbox or Sandbox(HELPERS)))

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
