"""Reports (报表): the county supervision office's monthly tables (效能监督月报) as an
Excel workbook or a zip of CSV files, and the townships' ranking (乡镇排名) by
satisfaction or on-time rate with the change from the period before.

Both are the supervision figures (``/api/v1/stats``) of the same period; docs/reports.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app

from engine import Engine, Principal, policy
from engine.labels import RANKING_MEASURES
from engine.policy import Action
from engine.records import CaseFilter, CaseScope
from engine.reports import (
    XLSX_MEDIA_TYPE,
    ZIP_MEDIA_TYPE,
    Ranking,
    csv_zip,
    monthly_tables,
    parse_period,
    rank_townships,
    xlsx_bytes,
)
from engine.reports.contact_card import VILLAGE_KINDS, CardSources, contact_card_pdf
from webapi.auth import current_principal, require_auth
from webapi.problems import ApiProblem, refused
from webapi.schemas.documents import PDF_SCHEMA
from webapi.schemas.reports import (
    XLSX_SCHEMA,
    ZIP_SCHEMA,
    MonthlyQuerySchema,
    RankingQuerySchema,
    RankingSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

PDF = "application/pdf"
blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="报表")

_DISPOSITION = {
    "Content-Disposition": {
        "description": "attachment，中文文件名（filename*，RFC 5987）",
        "schema": {"type": "string"},
    }
}


@blp.route("/monthly", methods=["GET"])
@require_auth
@blp.arguments(MonthlyQuerySchema, location="query")
@blp.response(200, XLSX_SCHEMA, content_type=XLSX_MEDIA_TYPE)  # in full: ``doc`` below
@blp.doc(  # the 200 answer in full: one of two media types, as ``format`` asks
    responses={
        "200": {
            "description": "效能监督月报：format=xlsx 为 Excel 工作簿，format=csv 为 zip",
            "headers": _DISPOSITION,
            "content": {
                XLSX_MEDIA_TYPE: {"schema": XLSX_SCHEMA},
                ZIP_MEDIA_TYPE: {"schema": ZIP_SCHEMA},
            },
        }
    }
)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def get_monthly(args: dict[str, Any]) -> Response:
    """效能监督月报：表1 全县办件情况（按乡镇）、表2 县级部门办件情况、表3 代办情况（按村、
    社区）、表4 好差评与整改、表5 问题台账与预警、表6 下放事项与代办事项办件情况

    每表有标题行、统计期、表头（含单位）与合计行；合计与同期 `/stats` 的 total 相同。
    `format=xlsx`（默认）为 Excel 工作簿，每表一个工作表；`format=csv` 为 zip，每表一个
    CSV（UTF-8 带 BOM）。范围同 `/stats`：效能监督人员为全县，乡镇工作人员为本乡镇……；
    `township` 只能是本人范围内的乡镇，否则 404。
    """
    principal = current_principal()
    engine = services().engine
    scope = _figures_scope(principal)
    township = args.get("township")
    if township is not None and not policy.scope_covers_township(scope, township):
        raise ApiProblem(404, "not_found", "没有这个乡镇，或不在您的查看范围内")
    month = parse_period(args["month"])
    where = CaseFilter(township=township)
    unit = report_unit_name(engine, scope, township)
    tables = monthly_tables(engine.stats, month.period, month.title, unit, scope, where)
    name = f"{unit}效能监督月报{month.title}"
    if args["format"] == "csv":
        return attachment(
            csv_zip(tables), ZIP_MEDIA_TYPE, f"{name}.zip", f"monthly-{month.code}.zip"
        )
    return attachment(
        xlsx_bytes(tables), XLSX_MEDIA_TYPE, f"{name}.xlsx", f"monthly-{month.code}.xlsx"
    )


@blp.route("/contact-cards/<village>.pdf", methods=["GET"])
@require_auth
@blp.response(
    200,
    PDF_SCHEMA,
    content_type=PDF,
    description="代办服务联系卡 PDF（A4，一村一页）",
    headers=_DISPOSITION,
)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def get_contact_card(village: str) -> Response:
    """村（社区）代办服务联系卡：代办员（姓名、电话、顶岗代办员）、乡镇便民服务中心窗口
    电话、可代办事项（全部代办服务职权及本村近一年常办的下放事项）、12345 与县效能监督
    投诉电话、办理进度查询二维码

    效能监督人员可取全县各村，乡镇工作人员取本乡镇各村，村代办员取本村；范围外 404；
    没有办件查看范围的角色（流程设计员、系统管理员）403。模板为
    processes/documents/contact_card.html，县里可在 DAIBAN_DOCUMENTS_DIR 中替换。
    """
    principal = current_principal()
    scope = _figures_scope(principal)
    engine = services().engine
    unit = engine.org.units.get(village)
    if (
        unit is None
        or unit.kind not in VILLAGE_KINDS
        or not policy.scope_covers_village(scope, unit.code)
    ):
        raise ApiProblem(404, "not_found", "没有这个村（社区），或不在您的查看范围内")
    data = contact_card_pdf(card_sources(engine), unit, engine.clock.now())
    township = engine.org.units.get(unit.parent or "")
    name = f"{township.name if township else ''}{unit.name}代办服务联系卡.pdf"
    return attachment(data, PDF, name, f"contact-card-{unit.code}.pdf")


@blp.route("/ranking", methods=["GET"])
@require_auth
@blp.arguments(RankingQuerySchema, location="query")
@blp.response(200, RankingSchema)
@blp.alt_response(403, response="FORBIDDEN")
def get_ranking(args: dict[str, Any]) -> dict[str, Any]:
    """乡镇排名：按满意率或按期办结率，名次、指标值及与上期（上月、上季度、上年）相比的
    名次变化和指标变化；并列同名次；件数少于 `min_cases` 的列出但不排名（`few_cases`）

    只有查看全县统计的效能监督人员可以查看（其他角色 403）。
    """
    principal = current_principal()
    scope = _figures_scope(principal)
    if not scope.everything:
        raise ApiProblem(403, "forbidden", "只有效能监督人员可以查看全县乡镇排名")
    period = parse_period(args["period"])
    ranking = rank_townships(
        services().engine.stats,
        args["measure"],
        period.period,
        period.previous.period,
        scope,
        args["min_cases"],
    )
    return ranking_json(ranking, period.code, period.previous.code)


def ranking_json(ranking: Ranking, code: str, previous_code: str) -> dict[str, Any]:
    """The ranking as the API (and ``daiban report ranking --json``) shows it."""
    return {
        "measure": ranking.measure,
        "measure_name": RANKING_MEASURES[ranking.measure],
        "period": code,
        "from_": ranking.period.first,
        "to": ranking.period.last,
        "previous_period": previous_code,
        "min_cases": ranking.min_cases,
        "rows": [vars(row) for row in ranking.rows],
    }


def card_sources(engine: Engine) -> CardSources:
    """What a contact card is made from, on ``engine``."""
    return CardSources(
        engine.org, engine.catalogue, engine.stats, engine.documents.templates, engine.public_url
    )


def report_unit_name(engine: Engine, scope: CaseScope, township: str | None) -> str:
    """Whose cases a report covers: the township asked for, the county, or the caller's
    units."""
    org = engine.org
    if township is not None:
        return org.units[township].name if township in org.units else township
    if scope.everything:
        return org.county.name
    codes = sorted(scope.townships | scope.villages | scope.departments)
    return "、".join(org.units[c].name if c in org.units else c for c in codes)


def attachment(data: bytes, media_type: str, name: str, ascii_name: str) -> Response:
    """A download with its Chinese file name (RFC 5987 ``filename*``) and an ASCII one."""
    response = current_app.response_class(data, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def _figures_scope(principal: Principal) -> CaseScope:
    refusal = policy.refusal(principal, Action.READ_FIGURES)
    if refusal is not None:
        raise refused(refusal)
    return policy.figures_scope(principal)
