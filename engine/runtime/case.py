"""Applying events to a case's workflow.

The same functions serve the live path and replay: an event carries everything its
application needs (its time, its data), the clock is pinned to the event's time and
task ids are derived from the case and the event's sequence number. Replaying the
events therefore rebuilds the state exactly, digest for digest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as AnyMessageDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import elements, labels
from engine.clock import ManualClock, using_clock
from engine.definitions.compiler import CompiledProcess
from engine.definitions.timers import parse_instant
from engine.errors import ConflictError, EngineError, InvalidState, NotFound, ScriptError
from engine.runtime.bounds import charge_step, step_budget
from engine.runtime.completion import check_ended, check_within_reach
from engine.runtime.ids import deterministic_ids
from engine.runtime.snapshot import StateDigests, workflow_from_dict, workflow_to_dict
from engine.runtime.walks import fast_ready_tasks
from engine.scripting.spiff_engine import SandboxScriptEngine

_T = TypeVar("_T")
OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
CLAIM_EVENTS = frozenset({"task_claimed", "task_released", "task_assigned"})
STATE_CHANGING = frozenset(
    {"case_started", "task_completed", "message_received", "timers_fired", "case_cancelled"}
    | CLAIM_EVENTS
)
_SCRIPT_ENGINE = SandboxScriptEngine()


_ELEMENT_STATES = {
    TaskState.COMPLETED: "completed",
    TaskState.READY: "active",
    TaskState.WAITING: "active",
    TaskState.STARTED: "active",
    TaskState.ERROR: "active",
    TaskState.CANCELLED: "cancelled",
}
_RANK = {"cancelled": 0, "completed": 1, "active": 2}


@dataclass(frozen=True)
class ReadyTask:
    """An open user or manual task, as the task index and the API see it."""

    id: str
    spec_id: str
    name: str
    process_id: str
    lane: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class EventInput:
    """What an event needs to be applied (the stored event row carries the same)."""

    seq: int
    type: str
    at: datetime
    payload: dict[str, Any]
    actor: str = "system"


class LiveCase:
    """A case's workflow in memory, with its status."""

    def __init__(
        self,
        workflow: Any,
        status: str,
        compiled: CompiledProcess,
        claims: dict[str, str] | None = None,
    ) -> None:
        self.workflow = workflow
        fast_ready_tasks(workflow)
        self.status = status
        self.compiled = compiled
        self.claims: dict[str, str] = dict(claims or {})  # ready task id -> user holding it
        self._ready: list[ReadyTask] | None = None  # memo, cleared by every transition
        self._digests = StateDigests()

    # -- state -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "claims": dict(sorted(self.claims.items())),
            "workflow": workflow_to_dict(self.workflow),
        }

    def digest(self) -> str:
        """``state_digest(self.state())``, from cached fragments of the unchanged tasks."""
        return self._digests.digest(self.status, self.claims, self.workflow)

    @classmethod
    def from_state(cls, state: dict[str, Any], compiled: CompiledProcess) -> LiveCase:
        workflow = workflow_from_dict(
            state["workflow"], compiled.spec, compiled.subprocess_specs, _SCRIPT_ENGINE
        )
        return cls(workflow, state["status"], compiled, state.get("claims"))

    def ready_tasks(self) -> list[ReadyTask]:
        if self._ready is None:
            self._ready = self._find_ready_tasks()
        return list(self._ready)

    def _find_ready_tasks(self) -> list[ReadyTask]:
        if self.status != OPEN:
            return []
        tasks = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            process_id = task.workflow.spec.name
            tasks.append(
                ReadyTask(
                    str(task.id),
                    spec.bpmn_id,
                    spec.bpmn_name or spec.bpmn_id,
                    process_id,
                    # the role code of its lane (``daiban:role``), never the lane's name
                    self.compiled.lane(process_id, spec.bpmn_id),
                    dict(task.data),
                )
            )
        return tasks

    def element_states(self) -> dict[str, dict[str, str]]:
        """Per process (the case's own and each shared activity it called), the BPMN
        elements the case has reached: ``active`` (ready, waiting or running),
        ``completed`` or ``cancelled``; an element reached more than once (a loop back)
        takes the liveliest state."""
        found: dict[str, dict[str, str]] = {}
        for task in self.workflow.get_tasks():
            element = task.task_spec.bpmn_id
            state = _ELEMENT_STATES.get(task.state)
            if element is None or state is None:
                continue
            states = found.setdefault(task.workflow.spec.name, {})
            if _RANK[state] > _RANK.get(states.get(element, ""), -1):
                states[element] = state
        return found

    def waiting_messages(self) -> list[str]:
        """Names of the messages the case is waiting for (sorted, each once)."""
        if self.status != OPEN:
            return []
        names = {
            definition.name
            for task in self.workflow.event_manager.tasks.values()
            for definition in _definitions(task)
            if isinstance(definition, AnyMessageDefinition)
        }
        return sorted(names)

    def next_timer_at(self) -> datetime | None:
        """When the earliest waiting timer of the case falls due."""
        if self.status != OPEN:
            return None
        times = []
        # every workflow's task table (the case's own and each called process): a walk of
        # the whole tree per change would grow with the case
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        waiting = [t for w in workflows for t in w.tasks.values() if t.state == TaskState.WAITING]
        for task in waiting:
            if not any(isinstance(d, TimerEventDefinition) for d in _definitions(task)):
                continue
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):
                value = value.get("next") if value.get("cycles") else None
            if value:
                times.append(parse_instant(value))
        return min(times) if times else None

    def data(self) -> dict[str, Any]:
        """The case data as of the latest completed task."""
        last = self.workflow.last_task
        return dict(last.data) if last is not None else dict(self.workflow.data)

    # -- transitions -------------------------------------------------------------------
    def task_key(self, task_id: str) -> tuple[str, str] | None:
        """(process id, spec id) of a task of the workflow, ready or done (None: not in
        it, as a task of a shared activity the workflow has let go of)."""
        task = self._task(task_id)
        return None if task is None else (task.workflow.spec.name, task.task_spec.bpmn_id)

    def _task(self, task_id: str) -> Any:
        """The workflow's task with this id (None: no such task, or not an id)."""
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, WorkflowException):
            return None

    def _run_engine(self) -> None:
        self._ready = None
        self.workflow.do_engine_steps(will_complete_task=charge_step)
        check_within_reach(self.workflow)
        if self.workflow.is_completed():
            check_ended(self.workflow)
            self.status = COMPLETED

    def _ready_task(self, task_id: str) -> Any:
        task = self._task(task_id)
        if task is None:
            raise NotFound("任务不存在", task_id=task_id)
        if not task.task_spec.manual or task.state != TaskState.READY:
            raise ConflictError("任务已办理或已不可办理", task_id=task_id)
        return task

    def _complete_task(self, payload: dict[str, Any], actor: str) -> None:
        task = self._ready_task(payload["task_id"])
        holder = self.claims.get(payload["task_id"])
        # ``acting_for``: the absent claimant a stand-in (B post) completes the task for.
        if holder is not None and holder not in (actor, payload.get("acting_for")):
            raise ConflictError(
                f"任务已由 {holder} 认领，只有认领人可以办理", task_id=payload["task_id"]
            )
        task.set_data(**payload.get("data", {}))
        task.run()
        self._run_engine()

    def _receive_message(self, payload: dict[str, Any]) -> None:
        event = BpmnEvent(MessageEventDefinition(payload["name"]), payload.get("payload", {}))
        try:
            self.workflow.send_event(event)
        except WorkflowException:
            raise InvalidState(self._not_waiting(payload["name"])) from None
        self._run_engine()

    def _not_waiting(self, name: str) -> str:
        """Why message ``name`` is refused: the case does not wait for it now."""
        if name == elements.COUNTY_DECISION and any(
            t.spec_id == elements.COUNTY_DECISION_TASK.task for t in self.ready_tasks()
        ):
            return (
                "本办件的县级决定由县级部门经办人在待办任务“县级部门审批决定”中办理，"
                "不接受县级系统回传（county_decision）"
            )
        waiting = "、".join(_message_shown(m) for m in self.waiting_messages())
        now = f"当前等待的消息：{waiting}" if waiting else "当前不等待任何消息"
        return f"办件当前不在等待消息{_message_shown(name)}（{now}）"

    def apply(self, event: EventInput) -> None:
        """Apply a state-changing event after the start event."""
        self._ready = None
        if self.status != OPEN:
            raise InvalidState("办件已结束", status=self.status)
        if event.type in CLAIM_EVENTS:
            self._claim(event)
            return
        if event.type == "task_completed":
            self._complete_task(event.payload, event.actor)
        elif event.type == "message_received":
            self._receive_message(event.payload)
        elif event.type == "timers_fired":
            self.workflow.refresh_timers()
            self._run_engine()
        elif event.type == "case_cancelled":
            self.workflow.cancel()
            self.status = CANCELLED
        else:
            raise InvalidState(f"未知的事件类型：{event.type}")
        if self.claims:
            open_ids = {task.id for task in self.ready_tasks()}
            self.claims = {
                task_id: user for task_id, user in self.claims.items() if task_id in open_ids
            }

    def _claim(self, event: EventInput) -> None:
        """Claim (认领), release or assign (指派) a ready task; no workflow step is taken."""
        task_id = event.payload["task_id"]
        self._ready_task(task_id)
        holder = self.claims.get(task_id)
        if event.type == "task_claimed":
            if holder is not None and holder != event.actor:
                raise ConflictError(f"任务已由 {holder} 认领", task_id=task_id)
            self.claims[task_id] = event.actor
        elif event.type == "task_released":
            if holder != event.actor:
                raise ConflictError("只有认领人可以放弃认领", task_id=task_id)
            del self.claims[task_id]
        else:
            self.claims[task_id] = event.payload["user"]


def start_case(compiled: CompiledProcess, case_uid: str, event: EventInput) -> LiveCase:
    """Create the workflow of a new case from its ``case_started`` event."""
    with _pinned(case_uid, event), step_budget(compiled.bounds.max_steps):
        return _guard(lambda: _begin(compiled, event))


def _begin(compiled: CompiledProcess, event: EventInput) -> LiveCase:
    # Inside the guard: building the workflow already runs its start task.
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=_SCRIPT_ENGINE)
    workflow.task_tree.data.update(event.payload.get("data", {}))
    live = LiveCase(workflow, OPEN, compiled)
    live._run_engine()
    return live


def apply_event(live: LiveCase, case_uid: str, event: EventInput) -> None:
    """Apply ``event``, within the step budget of one state change; a change the engine
    cannot finish properly raises a ``ScriptError`` (an incident; the case is unchanged)."""
    with _pinned(case_uid, event), step_budget(live.compiled.bounds.max_steps):
        _guard(lambda: live.apply(event))


def _definitions(task: Any) -> list[Any]:
    """The event definitions a waiting task listens for (an event-based gateway has several)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [] if definition is None else [definition]


@contextmanager
def _pinned(case_uid: str, event: EventInput) -> Iterator[None]:
    with deterministic_ids(case_uid, event.seq), using_clock(ManualClock(event.at)):
        yield


def _guard(action: Callable[[], _T]) -> _T:
    """Engine errors pass through; anything a process raises becomes a ScriptError."""
    try:
        return action()
    except EngineError:
        raise
    except SpiffWorkflowException as exc:
        raise ScriptError(f"流程执行出错：{exc}") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise ScriptError(f"流程执行出错：{type(exc).__name__}: {exc}") from None


def _message_shown(name: str) -> str:
    """``“申请人补正材料”（materials_resubmitted）``: the name people read, the code beside it."""
    return f"“{labels.name_of(labels.MESSAGES, name)}”（{name}）"
