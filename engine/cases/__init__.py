"""Case lifecycle: queries, commands and the timer job over one unit of work per change.

``CaseService`` (``service``) is the entry; ``queries``, ``commands`` and ``timers`` do
the work, ``changes`` applies one change, ``task_index`` builds a case's task rows,
``views`` what callers get back, ``cache`` keeps live workflows between requests.
"""

from __future__ import annotations

from engine.cases.commands import SYSTEM
from engine.cases.service import CaseService
from engine.cases.timers import TickReport
from engine.cases.views import CaseView, OpenTaskView, open_task, open_tasks
from engine.records import Actor

__all__ = [
    "SYSTEM",
    "Actor",
    "CaseService",
    "CaseView",
    "OpenTaskView",
    "TickReport",
    "open_task",
    "open_tasks",
]
