"""Dry runs of a process with scenario data (``daiban simulate``) and scenario tests.

A scenario answers every user task with data (form fields filled with valid sample
values, overridden per task), sends the messages it names when the case waits for
them, and otherwise moves the clock to the case's next timer. The trace records the
path taken: each step, its role and when it happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from engine import elements
from engine.cases import Actor, CaseService, CaseView
from engine.clock import SHANGHAI, ManualClock
from engine.definitions.forms import Form, FormField
from engine.errors import EngineError
from engine.runtime.case import ReadyTask

SAMPLE_ID_NUMBER = "11010519491231002X"
SAMPLE_USCC = "91350100M000100Y43"  # a unified social credit code with its check character
HAPPY_MESSAGES: dict[str, dict[str, Any]] = {
    "rating": {"level": "satisfied", "comment": "办事方便"},
    "pledge_fulfilled": {},
    "materials_resubmitted": {},
    # the county department's system, on the callback route
    "county_decision": {"approved": True, "opinion": "准予", "document_no": "示例〔2026〕1号"},
}


@dataclass
class Scenario:
    """What to answer: start data, per-task data by task spec id, messages by name."""

    start: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(HAPPY_MESSAGES))
    once: bool = True  # send each message at most once
    max_steps: int = 200
    # Done before a task is answered (a payout list's lines: engine.batch.simulation); what
    # it did, for the trace, or None.
    prepare: Callable[[CaseView, ReadyTask], str | None] | None = None
    item_code: str | None = None  # the case's item, for what reads it from the case row


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str  # task | message | timer
    name: str
    role: str | None
    detail: str = ""
    due: date | None = None  # the case's due date after this step

    def __str__(self) -> str:
        local = self.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        role = f"[{self.role}]" if self.role else ""
        due = f"（办结期限 {self.due.isoformat()}）" if self.due else ""
        return f"{local}  {self.kind:<7} {self.name} {role} {self.detail}{due}".rstrip()


@dataclass
class Trace:
    case: CaseView
    steps: list[Step] = field(default_factory=list)

    def names(self, kind: str | None = None) -> list[str]:
        return [s.name for s in self.steps if kind is None or s.kind == kind]


def sample_value(spec: FormField, today: str) -> Any:
    """A valid value for a form field: the first enum value, true, 1, today, ..."""
    samples: dict[str, Any] = {
        "boolean": True, "integer": 1, "number": 1, "date": today, "phone": "13800000000",
        "id_number": SAMPLE_ID_NUMBER, "uscc": SAMPLE_USCC, "string": "示例", "text": "示例",
    }  # fmt: skip
    if spec.type == "enum":
        return spec.values[0][0]
    sample = samples[spec.type]
    limits = spec.limits  # a sample within the field's bounds
    if spec.type in ("integer", "number") and limits.minimum is not None:
        sample = max(sample, limits.minimum)
    if spec.type in ("integer", "number") and limits.maximum is not None:
        sample = min(sample, limits.maximum)
    if isinstance(sample, str) and limits.max_length is not None:
        sample = sample[: limits.max_length]
    return sample


def fill_form(form: Form | None, overrides: dict[str, Any], today: str) -> dict[str, Any]:
    data = {} if form is None else {f.name: sample_value(f, today) for f in form.fields}
    for rule in form.rules if form is not None else ():
        if rule.check == "ne" and rule.field not in overrides:  # two different people
            data[rule.field] = f"{data[rule.field]}二"
    data.update(overrides)
    return data


def run(
    cases: CaseService,
    clock: ManualClock,
    process_id: str,
    scenario: Scenario,
    actor: str = "simulator",
) -> Trace:
    """Start a case and drive it to its end (or until nothing is left to do)."""
    view = cases.start(process_id, scenario.start, Actor(actor), item_code=scenario.item_code)
    trace = Trace(view)
    sent: set[str] = set()
    due = view.due_date
    for _ in range(scenario.max_steps):
        if view.status != "open":
            break
        if view.tasks:
            task = view.tasks[0]
            done = scenario.prepare(view, task) if scenario.prepare else None
            if done:
                trace.steps.append(Step(clock.now(), "note", done, task.lane))
            _wait_for_result(clock, task.spec_id, task.data)
            compiled = cases.registry.compiled(view.definition_hash)
            today = clock.now().astimezone(SHANGHAI).date().isoformat()
            form = compiled.form(task.process_id, task.spec_id)
            data = fill_form(
                form.narrowed(view.data) if form is not None else None,
                scenario.tasks.get(task.spec_id, {}),
                today,
            )
            view = cases.complete_task(view.id, task.id, data, Actor(actor))
            detail = "；".join(filter(None, (task.name, _moved(due, view.due_date))))
            trace.steps.append(
                Step(clock.now(), "task", task.spec_id, task.lane, detail, view.due_date)
            )
            due = view.due_date
            continue
        wanted = [
            m
            for m in view.waiting_messages
            if m in scenario.messages and not (scenario.once and m in sent)
        ]
        if wanted:
            name = wanted[0]
            view = cases.deliver_message(view.id, name, scenario.messages[name], Actor(actor))
            sent.add(name)
            detail = _moved(due, view.due_date)
            trace.steps.append(Step(clock.now(), "message", name, None, detail, view.due_date))
            due = view.due_date
            continue
        if view.next_timer_at is None:
            break  # waiting for something the scenario does not send
        clock.set(max(view.next_timer_at, clock.now()) + timedelta(minutes=1))
        cases.tick()
        view = cases.get(view.id)
        detail = _moved(due, view.due_date)
        trace.steps.append(Step(clock.now(), "timer", "tick", None, detail, view.due_date))
        due = view.due_date
    else:
        raise EngineError(f"模拟超过 {scenario.max_steps} 步仍未结束")
    trace.case = view
    return trace


# The tasks that record the result of work done outside (the experts', the laboratory's):
# a scenario does them on the last day of the time announced for it.
RESULT_TASKS = frozenset(result.task for result in elements.PERIOD_RESULTS.values())


def _wait_for_result(clock: ManualClock, spec_id: str, data: dict[str, Any]) -> None:
    """Before a period step's result task (``engine.elements.PERIOD_RESULTS``), the clock
    moves to 09:00 on the planned last day of the open excluded period, if later."""
    pause = data.get("limit_pause")
    if spec_id not in RESULT_TASKS or not isinstance(pause, dict) or not pause.get("until"):
        return
    until = date.fromisoformat(str(pause["until"]))
    at = datetime.combine(until, time(9), SHANGHAI)
    if at > clock.now():
        clock.set(at)


def _moved(before: date | None, after: date | None) -> str:
    """Says that an excluded period moved the due date (``engine.periods``)."""
    if before is None or after is None or after == before:
        return ""
    return f"扣除不计时期间，办结期限由 {before.isoformat()} 顺延"
