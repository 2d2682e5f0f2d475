"""The issue ledger (问题台账) and its 三转.

Village staff collect residents' issues at the Monday meeting (碰头会), on their rounds
(下村“三带”, 下组“三听”), by phone or at the service point, and 汇总“三转”: record every
issue in the ledger (转录台账); answer at the village what the village can solve and tell
the resident the result (转反映群众); pass on to the township what it cannot (转乡上). The
township answers or resolves it, or passes it on to a county department.

An issue's life is an append-only list of entries, each with actor, time and note:

* ``recorded`` — at the village; the issue is ``open``.
* ``answer`` — whoever holds the issue tells the resident the result; ``answered``, waiting
  for the resident's word.
* ``transfer`` — village → its township, or township → a county department; ``open``
  there.
* ``resolve`` — the resident's problem is solved (from ``open`` or ``answered``);
  ``resolved``.
* ``reopen`` — the resident is not satisfied with the answer or the resolution; ``open``
  again where it was.

Status, level (village, township, county) and department are derived from the entries
(``derive``); the issue row keeps them for listing and scoping, written in the same
transaction as the entry. Entries are never changed: database triggers refuse UPDATE and
DELETE on them, and DELETE on issues.

Who sees and who handles an issue is decided by ``engine.policy`` (DESIGN invariant 8):
the scope is that of cases — a village agent sees its village's issues, township staff
(and mobile agents) their township's, a county officer those transferred to their
department, a supervisor all of them, read-only; designers and administrators none.
Outside the scope an issue does not exist (``NotFound``). Only who holds the issue's
current level may write: the village's agents, the township's staff, the department's
officers.

``LedgerService`` (``service``) is the entry; ``lifecycle`` holds the rules of an issue's
life and what callers get back, ``checks`` what a valid issue and entry are, ``counts``
the figures per unit.
"""

from __future__ import annotations

from engine.labels import ENTRY_TYPES
from engine.labels import ISSUE_CATEGORIES as CATEGORIES
from engine.labels import ISSUE_LEVELS as LEVELS
from engine.labels import ISSUE_SOURCES as SOURCES
from engine.labels import ISSUE_STATUSES as STATUSES
from engine.ledger.checks import MAX_CONTENT, MAX_NAME, MAX_NOTE, NewIssue
from engine.ledger.counts import GROUPS, LedgerCounts
from engine.ledger.lifecycle import ACTIONS, Derived, IssueView, actions_for, derive
from engine.ledger.service import NUMBER_PREFIX, LedgerService, NotHeldHere, ReadOnly

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "ENTRY_TYPES",
    "GROUPS",
    "LEVELS",
    "MAX_CONTENT",
    "MAX_NAME",
    "MAX_NOTE",
    "NUMBER_PREFIX",
    "SOURCES",
    "STATUSES",
    "Derived",
    "IssueView",
    "LedgerCounts",
    "LedgerService",
    "NewIssue",
    "NotHeldHere",
    "ReadOnly",
    "actions_for",
    "derive",
]
