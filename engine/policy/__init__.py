"""Access policy: the one place that decides what a caller sees, what it may do, whether
personal data is masked for it, and in which role its acts are recorded (DESIGN
invariant 8).

Callers ask and never look at roles themselves. A ``Refusal`` names the ``Action``, a
stable ``Reason`` and a Chinese message; the HTTP API turns it into its problem response
(``webapi.problems.refused``). Out of scope is answered as "not found", so nothing can be
probed. Every refusal is logged (``policy_refused action=… user=… reason=…``, identifiers
only).

Role families (``roles``), by what they mean here:

* operating roles act where their unit is: ``village_agent`` in its village or community;
  ``mobile_agent`` and the township staff (window A post, back office B post, leader) in
  their township; ``county_officer`` in its department, on cases handed to it;
  ``station_officer`` in its grassroots station (基层站所: 派出所, 市场监管所, 人武部…),
  on the cases handed to it (T->S items, routed to the station serving the township);
* ``COUNTY_READERS`` (the supervisor) read the whole county and change nothing;
* ``CASE_BLIND`` (designers, administrators) see no case, issue or figure.

Scope (``scopes``) is one notion, ``case_scope``: the caller's village; or its township,
plus what its window (or the county centre) registered for another township (全县域通办,
read-only); or the cases handed to its department or station; the supervisor everything; designers
and administrators nothing. ``figures_scope`` leaves out what was registered elsewhere;
``issue_scope`` keeps the same units for the issue ledger. People (``people``) have a
scope of their own, ``people_scope``: the administrator everyone, a township leader the
people of its township, anyone else nobody.

Rights per action (``Action`` → rule; the function that applies it):

==================  =====================================================================
SEE_CASE            the case lies in the case scope (``case_refusal``, ``sees_case``)
CHANGE_CASE         cancel, and every write on a case: the case lies in the caller's own
                    village, township or (once handed over) department — seeing it
                    county-wide or as its registering window is not enough
                    (``case_refusal``, ``may_change_case``)
DELIVER_MESSAGE     CHANGE_CASE; the county's decision (``county_decision``) only an officer
                    of the department the case was handed to; the rating (``rating``)
                    nobody: the resident rates through its link (``case_refusal``,
                    reason ``resident_only``)
ENTER_RATING        a rating given on paper or on the rating pad: CHANGE_CASE
                    (``rating_refusal``; ``engine.policy.ratings``)
APPEAL_RATING       the township staff of the case's own township (``rating_refusal``)
DECIDE_APPEAL       the supervisor (``rating_refusal``)
SEE_TASK            works the task, or sees its case (``task_refusal``)
WORK_TASK           claim, release, complete: an unclaimed task whoever holds its lane's
                    role in a unit containing the task's, or stands in for such a holder
                    who is absent; a claimed one its holder, or the holder's stand-in on a
                    day of absence (``task_refusal``, ``acts_on_task``; who may take it
                    now, absent people left out: ``candidates``)
ASSIGN_TASK         the township leader of the case's township; the assignee must be able
                    to work the task's lane in its unit (``task_refusal``, ``may_take``)
REGISTER_CASE       the channel's role: a village point for the agent's own village, a
                    mobile post for the villages of its township, a window in a township,
                    a park window (工业园小窗口) for any village, the county centre for
                    county officers (``registration_refusal``)
SEE_ISSUE           the issue lies in the issue scope (``issue_refusal``)
RECORD_ISSUE        a village agent, for its own village (``recording_refusal``)
HANDLE_ISSUE        answer, transfer, resolve, reopen: who acts at the issue's current
                    level, in the unit holding it (``issue_refusal``, ``holds_issue``)
READ_FIGURES        a non-empty figures scope (``refusal``)
EXPORT_CASES        a non-empty case scope (``refusal``)
DEPLOY_DEFINITIONS  the designer; reading definitions is open to every signed-in user
                    (``refusal``)
MANAGE_CLOCK        see and move the clock of a training or demo database: the
                    administrator (``refusal``; ``engine.training``)
SEE_PEOPLE          list users and their absences (离岗登记): the administrator everyone,
                    a township leader the people of its township (``refusal``,
                    ``people_scope``, ``absence_refusal``)
MANAGE_ABSENCES     register an absence and its return (返岗): as SEE_PEOPLE, for the
                    people it sees (``refusal``, ``absence_refusal``; ``engine.absences``)
ATTACH_SCAN         attach a scanned material (材料附件): CHANGE_CASE, or the unit that
                    registered the case (``attach_refusal``; ``scans``)
SEE_SCAN            open the scans: CHANGE_CASE; others who see the case get the list only
                    (``scan_refusal``, ``withholds_scans``)
MANAGE_ACCOUNTS     see an account's password, lock and tokens, reset a password, revoke
                    a user's tokens: the administrator (``refusal``); a user changes its
                    own password with the old one (no right needed)
OPEN_BATCH          open a yearly payout list (年度发放清册): the village's agent, the
                    township's window or back office (``batch_open_refusal``; ``batch``)
CHANGE_BATCH        add, strike, correct lines, record 一卡通 results: CHANGE_CASE in a role
                    the list's open step admits (``batch_line_refusal``; ``batch``)
MANAGE_NOTICES      see the notice outbox (短信通知, phones masked) and send a dead notice
                    again: the administrator (``refusal``; ``engine.notices``)
SEE_RUNS            the scheduled pickup and delivery runs (定期取件/定期送件): the mobile
                    agents and staff of the run's township, the supervisor all (``refusal``,
                    ``run_scope``, ``run_refusal``; ``engine.runs``)
COMPLETE_RUN        complete a run: a mobile agent of the run's township (``run_refusal``)
==================  =====================================================================

Personal data: ID numbers and phones are shown in clear only to who may change the case
(``masks_personal_data``) or holds the issue (``masks_resident_phone``); lists mask them
always.

The acting role (``acting``), recorded with the caller's unit in every event: a task act
in the task's lane; assigning in the leader's role; registering in the channel's role; an
act on the case as a whole (cancel, messages) in the county officer's role for the
county's decision, else in the caller's role that lets it change this case, the front desk
first (``DESK_ORDER``) — chosen by rule, never picked from a set.
"""

from __future__ import annotations

from engine.policy.acting import (
    assigning_actor,
    case_actor,
    case_role,
    registering_actor,
    task_actor,
)
from engine.policy.batch import STEP_ROLES as BATCH_STEP_ROLES
from engine.policy.batch import (
    batch_line_refusal,
    batch_open_refusal,
    line_actor,
    may_change_lines,
    opening_actor,
)
from engine.policy.issues import (
    holds_issue,
    issue_refusal,
    masks_resident_phone,
    recording_refusal,
)
from engine.policy.people import PeopleScope, absence_refusal, people_scope, sees_person
from engine.policy.ratings import rating_actor, rating_refusal
from engine.policy.refusals import Action, Reason, Refusal
from engine.policy.rights import (
    Candidate,
    QueueReach,
    acts_on_task,
    candidates,
    case_refusal,
    masks_personal_data,
    may,
    may_deliver,
    may_take,
    queue_reach,
    refusal,
    registration_refusal,
    task_refusal,
)
from engine.policy.roles import CASE_BLIND, COUNTY_READERS, DESK_ORDER
from engine.policy.runs import RunScope, run_refusal, run_scope
from engine.policy.scans import (
    attach_refusal,
    attaching_actor,
    registered_here,
    scan_refusal,
    withholds_scans,
)
from engine.policy.scopes import (
    case_scope,
    changing_roles,
    figures_scope,
    issue_scope,
    may_change_case,
    scope_covers_township,
    scope_covers_village,
    sees_case,
    sees_issue,
)

__all__ = [
    "BATCH_STEP_ROLES",
    "CASE_BLIND",
    "COUNTY_READERS",
    "DESK_ORDER",
    "Action",
    "Candidate",
    "PeopleScope",
    "QueueReach",
    "Reason",
    "Refusal",
    "RunScope",
    "absence_refusal",
    "acts_on_task",
    "assigning_actor",
    "attach_refusal",
    "attaching_actor",
    "batch_line_refusal",
    "batch_open_refusal",
    "candidates",
    "case_actor",
    "case_refusal",
    "case_role",
    "case_scope",
    "changing_roles",
    "figures_scope",
    "holds_issue",
    "issue_refusal",
    "issue_scope",
    "line_actor",
    "masks_personal_data",
    "masks_resident_phone",
    "may",
    "may_change_case",
    "may_change_lines",
    "may_deliver",
    "may_take",
    "opening_actor",
    "people_scope",
    "queue_reach",
    "rating_actor",
    "rating_refusal",
    "recording_refusal",
    "refusal",
    "registered_here",
    "registering_actor",
    "registration_refusal",
    "run_refusal",
    "run_scope",
    "scan_refusal",
    "scope_covers_township",
    "scope_covers_village",
    "sees_case",
    "sees_issue",
    "sees_person",
    "task_actor",
    "task_refusal",
    "withholds_scans",
]
