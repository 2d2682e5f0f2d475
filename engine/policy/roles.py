"""Role families by what they mean for access, not by rank (see ``engine.policy``)."""

from __future__ import annotations

from engine.identity import ADMIN_ROLE as ADMIN_ROLE  # the one definition (an account right)
from engine.identity import Principal
from processes.org import ROLE_UNIT_KINDS, STATION_ROLES

# The supervisor (效能监督/审计) reads the whole county — cases, issues, figures — and
# changes nothing.
COUNTY_READERS = frozenset({"supervisor"})
# Designers and administrators work on processes and accounts, not on residents' cases:
# they see no case, issue or figure (least privilege; the supervisor is the county's reader).
CASE_BLIND = frozenset({"designer", "admin"})

# The doctors of a designated hospital (残疾评定定点医院) assess the cases handed to it; no
# other role of theirs reaches a case (``processes.org.STATION_ROLES``).
ASSESSING_ROLES = frozenset(STATION_ROLES)

DEPLOYING_ROLE = "designer"
ASSIGNING_ROLE = "township_leader"  # also keeps its township's absence register
DECIDING_ROLE = "county_officer"  # the county's decision on a case handed to it
RECORDING_ROLE = "village_agent"  # the issue ledger is kept at the village
# The role a case-level act (cancel, a message) is recorded in when the caller holds
# several that let it change the case: the front desk first — the window (A post) takes an
# applicant's withdrawal, resubmitted materials and objections; the mobile agent carries
# them in on its rounds; then the leader, then the back office (B post).
DESK_ORDER = (
    "village_agent",
    "township_window",
    "mobile_agent",
    "township_leader",
    "township_backoffice",
    "county_officer",
    "station_officer",
    "assessment_doctor",
)


def unit_kinds(role: str) -> frozenset[str]:
    """The kinds of unit a holder of ``role`` acts in (none for an unknown role)."""
    return frozenset(ROLE_UNIT_KINDS.get(role, ()))


def roles_acting_in(kind: str) -> frozenset[str]:
    """Every role whose holders act in units of ``kind``."""
    return frozenset(role for role, kinds in ROLE_UNIT_KINDS.items() if kind in kinds)


def reads_county(principal: Principal) -> bool:
    return principal.has_role(*COUNTY_READERS)
