"""Timer events that read the engine's injected clock instead of the wall clock.

SpiffWorkflow's timer definitions call ``datetime.now()`` and read naive times in the
server's local zone; here "now" comes from :func:`engine.clock.current_clock` and naive
times are Asia/Shanghai, so tests move time without sleeping and replay is deterministic.
Timer expressions are evaluated by the sandboxed script engine, so a designer can write
``deadline_working_days(3)`` as well as ``"P3D"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)

from engine.clock import current_clock, ensure_utc


def parse_instant(value: Any) -> datetime:
    """An ISO date or datetime (naive = Asia/Shanghai) as aware UTC."""
    if isinstance(value, datetime):
        return ensure_utc(value)
    return ensure_utc(datetime.fromisoformat(str(value)))


class ClockTimeDate(TimeDateEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = parse_instant(value).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if parse_instant(event_value) <= current_clock().now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDuration(DurationTimerEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            now = current_clock().now()
            event_value = (
                now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
            ).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if parse_instant(event_value) <= current_clock().now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockCycle(CycleTimerEventDefinition):  # type: ignore[misc]
    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = current_clock().now()
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = parse_cycle(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration}
        ready = False
        if event_value["cycles"] != 0:
            next_event = parse_instant(event_value["next"])
            if next_event <= now:
                step = timedelta(seconds=event_value["duration"])
                event_value["next"] = (next_event + step).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, float]:
    """``R[n]/DURATION`` or ``R[n]/START/DURATION``; the first firing is start (or now) + duration."""
    parts = expression.upper().strip("R").split("/")
    cycles = int(parts[0]) if parts[0] else -1
    if len(parts) == 2:
        parsed = TimerEventDefinition.parse_iso_duration(parts[1])
        delta = TimerEventDefinition.get_timedelta_from_start(parsed, now)
        return cycles, now + delta, delta.total_seconds()
    if len(parts) == 3:
        start = parse_instant(parts[1])
        parsed = TimerEventDefinition.parse_iso_duration(parts[2])
        delta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
        return cycles, start, delta.total_seconds()
    raise ValueError(f"无法识别的循环定时表达式：{expression}")


class _ClockTimerMixin:
    """Replaces ``parse_timer_event`` in the event parsers that can hold timers."""

    def parse_timer_event(self, event: Any) -> TimerEventDefinition:
        parser: Any = self  # a SpiffWorkflow event parser
        description = parser.get_event_description(event)
        name = parser.node.get("name", parser.node.get("id"))
        for tag, cls in (
            ("timeDate", ClockTimeDate),
            ("timeDuration", ClockDuration),
            ("timeCycle", ClockCycle),
        ):
            found = first(parser.xpath(f".//bpmn:{tag}"))
            if found is not None:
                return cls(name, (found.text or "").strip(), description=description)
        raise ValidationException(
            "定时事件缺少时间定义", node=parser.node, file_name=parser.filename
        )


class ClockStartEventParser(_ClockTimerMixin, SpiffStartEventParser):  # type: ignore[misc]
    pass


class ClockIntermediateCatchEventParser(_ClockTimerMixin, SpiffIntermediateCatchEventParser):  # type: ignore[misc]
    pass


class ClockBoundaryEventParser(_ClockTimerMixin, SpiffBoundaryEventParser):  # type: ignore[misc]
    pass
