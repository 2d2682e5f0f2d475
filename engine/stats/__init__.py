"""Supervision figures (效能监督): per county, township, village, item or department.

Every figure is defined in ``docs/supervision.md`` (numerator, denominator, the date that
puts a case in a period, working-day rules). In short: a count counts the events of its
kind that fall in the period (Beijing dates, both ends inclusive); a rate is a share of
the cases counted by one of those counts; "at the end of the period" means 24:00 of its
last day, or now if that is still to come.

The facts come from the case rows, the task index with the events that opened and closed
each task, and a few events (ratings, warnings), never from the case snapshots; cases are
read in batches, so memory stays flat however many there are. Counts that SQL can do
alone (step-level overdue, warnings) are done there.

``StatsService`` (``service``) is the entry; ``figures`` holds the values of a report,
``counting`` counts the cases, ``grouping`` turns them into groups, ``issue_ledger``
joins in the issue ledger's figures.
"""

from __future__ import annotations

from engine.stats.counting import MILESTONES
from engine.stats.figures import RATING_LEVELS, Figures, Group, Period, Report
from engine.stats.grouping import GROUPINGS
from engine.stats.issue_ledger import LEDGER_GROUPINGS
from engine.stats.service import StatsError, StatsService

__all__ = [
    "GROUPINGS",
    "LEDGER_GROUPINGS",
    "MILESTONES",
    "RATING_LEVELS",
    "Figures",
    "Group",
    "Period",
    "Report",
    "StatsError",
    "StatsService",
]
