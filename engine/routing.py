"""Where a case and its tasks belong: the org units that may see and act on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.clock import SHANGHAI
from processes.org import ROLE_UNIT_KINDS

COUNTY_CODE_LENGTH = 6


@dataclass(frozen=True)
class Routing:
    """The competent township (or county), the resident's village, the county department
    that decides (T->C and C items) or the grassroots station that does (T->S items: the
    station serving the township, ``processes.org.Organization.station_for``) and, for county-wide handling (全县域通办), the
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


def case_number(routing: Routing, when: datetime, sequence: int) -> str:
    """Region code + yyyyMMdd (Beijing date) + a four-digit daily sequence."""
    return f"{routing.region}{when.astimezone(SHANGHAI):%Y%m%d}{sequence:04d}"
