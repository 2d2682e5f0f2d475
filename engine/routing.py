"""Where a case and its tasks belong: the org units that may see and act on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import elements
from engine.clock import SHANGHAI
from engine.errors import DataValidationError
from processes.channels import PROXY_LANES
from processes.org import ROLE_UNIT_KINDS, STATION_ROLES, Organization, OrgUnit

COUNTY_CODE_LENGTH = 6
SCHEDULED = "scheduled"  # the pickup and delivery mode of a mobile post's rounds


@dataclass(frozen=True)
class Routing:
    """The competent township (or county), the resident's village, the county department
    that decides (T->C and C items) or the grassroots station that does (T->S items: the
    station serving the township, ``processes.org.Organization.station_for``) and, for county-wide handling (全县域通办), the
    township whose window registered the case; for a 残疾人证 case, the designated hospital
    (残疾评定定点医院) serving the township, whose doctors assess (``assessment``)."""

    township: str | None = None
    village: str | None = None
    department: str | None = None
    registered_unit: str | None = None
    assessment: str | None = None

    def unit_for(self, role: str | None) -> str | None:
        """The org unit whose staff in ``role`` act on a task of that role."""
        if role in STATION_ROLES:
            return self.assessment
        kinds = ROLE_UNIT_KINDS.get(role or "", ())
        if "village" in kinds:
            return self.village or self.township
        if "department" in kinds or "station" in kinds:
            return self.department
        if "county" in kinds:
            return self.county
        return self.township

    @property
    def county(self) -> str | None:
        base = self.township or self.village
        return base[:COUNTY_CODE_LENGTH] if base else None

    @property
    def region(self) -> str:
        """The 12-digit region code of case numbers: village, else township + 000."""
        code = self.village or self.township or ""
        return code.ljust(12, "0")[:12] if code.isdigit() else "0" * 12


def start_routing(
    org: Organization, user: str, data: Mapping[str, Any], township: str | None = None
) -> Routing:
    """Where a case started outside registration (``daiban start``) belongs: ``township``
    when given, else the township of the applicant's village (``applicant.village``), else
    the township of ``user``'s unit; no township when none of them names one."""
    applicant = data.get("applicant")
    village = applicant.get("village") if isinstance(applicant, Mapping) else None
    place = org.units.get(village) if isinstance(village, str) else None
    village = place.code if place is not None and place.kind in ("village", "community") else None
    if township is not None:
        unit = org.units.get(township)
        if unit is None or unit.kind != "township":
            raise DataValidationError(
                "乡镇不正确", {"township": "应为本县一个乡镇（街道）的 9 位区划代码"}
            )
        if village is not None and not org.contains(township, village):
            raise DataValidationError(
                "乡镇不正确", {"township": "申请人所在村（社区）不属于该乡镇"}
            )
        return Routing(township=township, village=village)
    person = org.users.get(user)
    where = village or (person.unit if person is not None else None)
    found = org.township_of(where) if where else None
    return Routing(township=found.code if found else None, village=village)


def case_number(routing: Routing, when: datetime, sequence: int) -> str:
    """Region code + yyyyMMdd (Beijing date) + a four-digit daily sequence."""
    return f"{routing.region}{when.astimezone(SHANGHAI):%Y%m%d}{sequence:04d}"


def competent_township(
    org: Organization, item_code: str, home: OrgUnit, registering: str | None
) -> OrgUnit | None:
    """The township a case of ``item_code`` goes to (事项适用范围, ``Organization.
    item_applies``): the resident's (``home``) when the item is devolved there; else, for
    a window registering county-wide (全县域通办, ``registering``: the registering unit),
    the window's own township when the item is devolved to it; None: to neither."""
    if org.item_applies(item_code, home.code):
        return home
    own = org.township_of(registering) if registering is not None else None
    return own if own is not None and org.item_applies(item_code, own.code) else None


def not_applicable(org: Organization, item_code: str, item_name: str, township: OrgUnit) -> str:
    """Why a case of the item cannot go to ``township``, naming where it applies."""
    where = "、".join(t.name for t in org.townships_for(item_code))
    text = f"“{item_name}”（{item_code}）未下放到{township.name}"
    return f"{text}，只能在{where}办理" if where else f"{text}，本县没有乡镇承接该事项"


def task_lane(
    lane: str | None, process_id: str, spec_id: str, data: Mapping[str, Any]
) -> str | None:
    """The lane (role) a ready task is worked in: the templates' lane, except that

    * the proxy tasks (every task of ``common_proxy``; the delivery to the home) of a case
      a mobile agent took in go to the mobile post (``processes.channels.PROXY_LANES``);
    * the handover of materials left for scheduled pickup (定期取件, ``pickup_mode``
      ``scheduled``) goes to the mobile post, which collects them on its round and hands
      them over (``engine.runs``)."""
    task = (process_id, spec_id)
    if task == elements.HANDOVER and data.get("pickup_mode") == SCHEDULED:
        return PROXY_LANES["mobile_post"].get(lane or "", lane)
    channel = data.get("channel")
    if not (process_id == elements.PROXY or task == elements.HOME_DELIVERY):
        return lane
    if not isinstance(channel, str):
        return lane
    return PROXY_LANES.get(channel, {}).get(lane or "", lane)
