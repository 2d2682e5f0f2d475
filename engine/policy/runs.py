"""Scheduled pickup and delivery runs (定期取件/定期送件, ``engine.runs``): who sees a run,
who completes it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.identity import Principal
from engine.policy.refusals import Action, Reason, Refusal, refuse
from engine.policy.roles import reads_county
from engine.records import RunRecord
from processes.org import TOWNSHIP_STAFF_ROLES

RUNNING_ROLE = "mobile_agent"  # goes on the round and completes the run
SEE_RUNS_REFUSED = "只有流动代办员、乡镇工作人员和效能监督可以查看定期取送件批次"


@dataclass(frozen=True)
class RunScope:
    """The runs a caller sees: every township's (the supervisor) or its own township's
    (mobile agents and township staff); empty for anyone else."""

    everything: bool = False
    townships: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.townships

    def reaches(self, township: str) -> bool:
        return self.everything or township in self.townships


def run_scope(principal: Principal) -> RunScope:
    if reads_county(principal):
        return RunScope(everything=True)
    if principal.has_role(RUNNING_ROLE, *TOWNSHIP_STAFF_ROLES):
        return RunScope(townships=frozenset({principal.unit}))
    return RunScope()


def run_refusal(principal: Principal, run: RunRecord, action: Action) -> Refusal | None:
    """Why the caller may not see (``SEE_RUNS``) or complete (``COMPLETE_RUN``) ``run``:
    out of its scope it does not exist; completing is for the township's mobile agents
    (the round's agent, or the other standing in). None: it may."""
    if not run_scope(principal).reaches(run.township):
        return refuse(action, principal, Reason.OUT_OF_SCOPE, run=run.id)
    if action is Action.COMPLETE_RUN and not (
        principal.has_role(RUNNING_ROLE) and principal.unit == run.township
    ):
        text = "只有本乡镇的流动代办员可以完成定期取送件批次"
        return refuse(action, principal, Reason.WRONG_ROLE, text, run=run.id)
    return None
