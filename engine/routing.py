"""Where a case and its tasks belong: the org units that may see and act on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import SHANGHAI
from engine.errors import DataValidationError
from processes.org import ROLE_UNIT_KINDS, Organization

COUNTY_CODE_LENGTH = 6


@dataclass(frozen=True)
class Routing:
    """The competent township (or county), the resident's village, the county department
    that decides (T->C and C items) and, for county-wide handling (全县域通办), the
    township whose window registered the case."""

    township: str | None = None
    village: str | None = None
    department: str | None = None
    registered_unit: str | None = None

    def unit_for(self, role: str | None) -> str | None:
        """The org unit whose staff in ``role`` act on a task of that role."""
        kinds = ROLE_UNIT_KINDS.get(role or "", ())
        if "village" in kinds:
            return self.village or self.township
        if "department" in kinds:
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
