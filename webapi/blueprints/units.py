"""The county's units (组织机构), read-only: what a registration form offers for the
applicant's village (全县域通办: any village of the county) and what filters name."""

from __future__ import annotations

from typing import Any

from engine.labels import UNIT_KINDS
from processes.org import OrgUnit
from webapi.auth import require_auth
from webapi.schemas.units import UnitListSchema, UnitQuerySchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="组织机构")

_VILLAGES = ("village", "community")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(UnitQuerySchema, location="query")
@blp.response(200, UnitListSchema)
def list_units(args: dict[str, Any]) -> dict[str, Any]:
    """组织机构：县、乡镇（街道）、村（社区）、县级部门与基层站所的代码和名称，按代码排序

    公开的行政区划信息，不含人员；`kind=village` 列行政村与社区，`within` 只列某县或乡镇
    之内的单位（如 `kind=village&within=511725201` 为青丝乡的各村、社区）。"""
    org = services().engine.org
    kind, within = args.get("kind"), args.get("within")
    kinds = _VILLAGES if kind == "village" else (kind,) if kind else tuple(UNIT_KINDS)
    found = [
        unit
        for unit in org.of_kind(*kinds)
        if within is None or (unit.code != within and org.contains(within, unit.code))
    ]
    return {"items": [_shown(unit) for unit in sorted(found, key=lambda u: u.code)]}


def _shown(unit: OrgUnit) -> dict[str, Any]:
    township = services().engine.org.township_of(unit.code) if unit.kind != "department" else None
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "kind_name": UNIT_KINDS[unit.kind],
        "township": township.code if township is not None else None,
        "township_name": township.name if township is not None else None,
    }
