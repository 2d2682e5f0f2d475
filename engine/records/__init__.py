"""Plain records passed between the engine's services and its store.

The store maps tables to these and back; services, the API and the command line use them
without importing the store. One module per subject; all of them are re-exported here.
"""

from __future__ import annotations

from engine.records.absences import (
    ABSENCE_SOURCES,
    ABSENCE_STATUSES,
    AbsenceRecord,
    absence_status,
)
from engine.records.cases import (
    UNKNOWN_TASK,
    Actor,
    CaseFilter,
    CaseRecord,
    CaseScope,
    ClosedTask,
    EventRecord,
    IndexChange,
    OpenState,
    OpenTasks,
    TaskKey,
    TaskRecord,
)
from engine.records.definitions import ProcessVersionRecord, StoredFile
from engine.records.exports import ExportCase
from engine.records.figures import (
    CaseFacts,
    CaseFigures,
    DayCounts,
    EventFacts,
    LateStep,
    Milestone,
    TaskFacts,
)
from engine.records.ledger import (
    EntryRecord,
    IssueRecord,
    LedgerQuery,
    LedgerScope,
    UnitFigures,
)
from engine.records.logins import AccountStatus, Admission, Counter, LockRow
from engine.records.notices import (
    NOTICE_KINDS,
    NOTICE_STATES,
    NoticeQuery,
    NoticeRecord,
)
from engine.records.operations import Backlog, PoolStatus, SchemaStatus
from engine.records.ratings import RatingInvitation
from engine.records.runs import RUN_KINDS, RUN_STATUSES, RunCase, RunRecord
from engine.records.settings import TrainingSetting

__all__ = [
    "ABSENCE_SOURCES",
    "ABSENCE_STATUSES",
    "NOTICE_KINDS",
    "NOTICE_STATES",
    "RUN_KINDS",
    "RUN_STATUSES",
    "UNKNOWN_TASK",
    "AbsenceRecord",
    "AccountStatus",
    "Actor",
    "Admission",
    "Backlog",
    "CaseFacts",
    "CaseFigures",
    "CaseFilter",
    "CaseRecord",
    "CaseScope",
    "ClosedTask",
    "Counter",
    "DayCounts",
    "EntryRecord",
    "EventFacts",
    "EventRecord",
    "ExportCase",
    "IndexChange",
    "IssueRecord",
    "LateStep",
    "LedgerQuery",
    "LedgerScope",
    "LockRow",
    "Milestone",
    "NoticeQuery",
    "NoticeRecord",
    "OpenState",
    "OpenTasks",
    "PoolStatus",
    "ProcessVersionRecord",
    "RatingInvitation",
    "RunCase",
    "RunRecord",
    "SchemaStatus",
    "StoredFile",
    "TaskFacts",
    "TaskKey",
    "TaskRecord",
    "TrainingSetting",
    "UnitFigures",
    "absence_status",
]
