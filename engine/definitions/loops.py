"""Loop and multi-instance activities whose every instance costs an engine step.

SpiffWorkflow creates a standard loop's next turn, or all of a parallel multi-instance's
instances, inside a single task transition: a dynamic cardinality of ten million would
build ten million tasks before the engine loop counts anything. These spec classes
charge the state change's step budget (:mod:`engine.runtime.bounds`) *before* each
instance is created, so the budget stops them at its limit.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.spiff.specs.defaults import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    StandardLoopTask,
)

from engine.runtime.bounds import charge_step


class BoundedStandardLoopTask(StandardLoopTask):  # type: ignore[misc]
    def create_child(self, my_task: Any) -> None:
        charge_step(my_task)
        super().create_child(my_task)


class BoundedParallelMultiInstanceTask(ParallelMultiInstanceTask):  # type: ignore[misc]
    def create_child(self, my_task: Any, item: Any, key_or_index: Any = None) -> None:
        charge_step(my_task)
        super().create_child(my_task, item, key_or_index)


class BoundedSequentialMultiInstanceTask(SequentialMultiInstanceTask):  # type: ignore[misc]
    def create_child(self, my_task: Any, item: Any, key_or_index: Any = None) -> None:
        charge_step(my_task)
        super().create_child(my_task, item, key_or_index)


def bounded_parser_classes(
    classes: dict[str, tuple[Any, Any]],
) -> dict[str, tuple[Any, Any]]:
    """The parser map with every task parser building the bounded loop classes.

    SpiffWorkflow picks the loop classes from class attributes of each task parser, so
    each one gets a subclass that names ours."""
    bounded: dict[str, tuple[Any, Any]] = {}
    for tag, (parser, spec) in classes.items():
        if isinstance(parser, type) and issubclass(parser, TaskParser):
            parser = type(
                f"Bounded{parser.__name__}",
                (parser,),
                {
                    "STANDARD_LOOP_CLASS": BoundedStandardLoopTask,
                    "PARALLEL_MI_CLASS": BoundedParallelMultiInstanceTask,
                    "SEQUENTIAL_MI_CLASS": BoundedSequentialMultiInstanceTask,
                },
            )
        bounded[tag] = (parser, spec)
    return bounded
