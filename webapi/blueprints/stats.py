"""Supervision figures (效能监督统计) per county, township, village, item or department."""

from __future__ import annotations

from typing import Any

from engine import policy
from engine.clock import SHANGHAI
from engine.labels import FIGURES, name_of
from engine.labels import GROUPINGS as GROUP_NAMES
from engine.labels import RATING_LEVELS as RATING_NAMES
from engine.policy import Action
from engine.records import CaseFilter
from engine.stats import RATING_LEVELS, Period, Report
from webapi.auth import current_principal, require_auth
from webapi.problems import ApiProblem, refused
from webapi.schemas.stats import StatsQuerySchema, StatsSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="效能监督统计")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, StatsSchema)
@blp.alt_response(403, response="FORBIDDEN")
def get_stats(args: dict[str, Any]) -> dict[str, Any]:
    """效能监督统计：受理、办结、按期与提前办结率、超期（办件与环节）、平均办理时长、
    即办件占比、一次性通过率、补正率、退件率、村级停留与按时移交、代办件数、黄红牌预警、
    评价与满意率、差评整改率、问题台账解决率

    统计范围：效能监督人员为全县，乡镇工作人员为本乡镇，村代办员为本村（社区），
    县级部门经办人为转本部门办理的办件；流程设计员和系统管理员无权查看（403）。
    各项指标的口径见 docs/supervision.md。
    """
    principal = current_principal()
    refusal = policy.refusal(principal, Action.READ_FIGURES)
    if refusal is not None:
        raise refused(refusal)
    engine = services().engine
    today = engine.clock.now().astimezone(SHANGHAI).date()
    last = args.get("to") or today
    first = args.get("from_") or last.replace(day=1)
    if last < first:  # only ``from`` given, after today
        raise ApiProblem(
            422,
            "validation_failed",
            "请求数据有 1 处错误，见 errors",
            errors=[{"field": "to", "in": "query", "reason": "止日（默认今天）不能早于起日"}],
        )
    where = CaseFilter(
        township=args.get("township"),
        village=args.get("village"),
        item_code=args.get("item"),
        department=args.get("department"),
    )
    scope = policy.figures_scope(principal)
    return as_json(engine.stats.figures(Period(first, last), args["group_by"], scope, where))


def as_json(report: Report) -> dict[str, Any]:
    """The report as the API (and ``daiban stats --json``) shows it."""
    return {
        "from_": report.period.first,
        "to": report.period.last,
        "group_by": report.group_by,
        "group_by_name": name_of(GROUP_NAMES, report.group_by),
        "as_of": report.as_of,
        "warning_share": report.warning_share,
        "legend": LEGEND,
        "groups": [
            {"unit": g.unit, "name": g.name, "figures": g.figures.as_dict()} for g in report.groups
        ],
        "total": report.total.as_dict(),
    }


def _legend() -> list[dict[str, Any]]:
    levels = [{"code": level, "name": RATING_NAMES[level]} for level in RATING_LEVELS]
    return [
        {
            "code": code,
            "name": figure.name,
            "kind": figure.kind,
            "description": figure.description,
            "levels": levels if figure.kind == "levels" else None,
        }
        for code, figure in FIGURES.items()
    ]


# Every figure's code, name, kind and definition, in the order a report shows them.
LEGEND = _legend()
