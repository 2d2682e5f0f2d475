"""``daiban report``: the monthly tables (效能监督月报) as .xlsx or a zip of CSV files,
and the townships' ranking (乡镇排名), for the whole county (docs/reports.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.labels import RANKING_MEASURES, choices
from engine.records import CaseFilter, CaseScope
from engine.reports import (
    MEASURES,
    PeriodError,
    ReportPeriod,
    csv_zip,
    monthly_tables,
    parse_period,
    rank_townships,
    xlsx_bytes,
)
from engine.reports.contact_card import VILLAGE_KINDS, contact_card_pdf
from engine.reports.ranking import MIN_CASES
from webapi.blueprints.reports import card_sources, ranking_json, report_unit_name
from webapi.cli.common import engine_for
from webapi.schemas.reports import RankingSchema


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="报表：效能监督月报（xlsx、csv）、乡镇排名")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    monthly = kinds.add_parser("monthly", help="效能监督月报（表1–表6）")
    monthly.set_defaults(handler=cmd_monthly)
    monthly.add_argument("--month", required=True, type=_period, metavar="YYYY-MM")
    monthly.add_argument(
        "--format", choices=("xlsx", "csv"), default="xlsx", help="xlsx（默认）或 csv（zip）"
    )
    monthly.add_argument("--township", metavar="CODE", help="只统计该乡镇办理的办件")
    monthly.add_argument("--out", required=True, metavar="FILE", help="输出文件")
    ranking = kinds.add_parser("ranking", help="乡镇排名（满意率、按期办结率）及与上期比较")
    ranking.set_defaults(handler=cmd_ranking)
    ranking.add_argument(
        "--period", required=True, type=_period, metavar="PERIOD", help="2026-11、2026-Q4 或 2026"
    )
    ranking.add_argument(
        "--measure",
        choices=tuple(MEASURES),
        default="satisfaction",
        help=f"{choices(RANKING_MEASURES)}（默认 satisfaction）",
    )
    ranking.add_argument(
        "--min-cases", type=int, default=MIN_CASES, help=f"参加排名的最少件数（默认 {MIN_CASES}）"
    )
    ranking.add_argument("--json", action="store_true", help="以 JSON 输出")
    card = kinds.add_parser("contact-card", help="村（社区）代办服务联系卡（PDF，每村一页）")
    card.set_defaults(handler=cmd_contact_card)
    card.add_argument("--village", required=True, metavar="CODE", help="村（社区）代码")
    card.add_argument("--out", required=True, metavar="FILE", help="输出文件（.pdf）")


def cmd_monthly(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    month: ReportPeriod = args.month
    if month.kind != "month":
        print("错误：--month 应为月份，如 2026-11")
        return 2
    if args.township is not None and args.township not in engine.org.units:
        print(f"错误：没有这个乡镇：{args.township}")
        return 2
    scope = CaseScope(everything=True)
    unit = report_unit_name(engine, scope, args.township)
    tables = monthly_tables(
        engine.stats, month.period, month.title, unit, scope, CaseFilter(township=args.township)
    )
    data = xlsx_bytes(tables) if args.format == "xlsx" else csv_zip(tables)
    Path(args.out).write_bytes(data)
    print(f"{unit}效能监督月报{month.title}：{len(tables)} 张表，已写入 {args.out}")
    return 0


def cmd_ranking(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    period: ReportPeriod = args.period
    ranking = rank_townships(
        engine.stats, args.measure, period.period, period.previous.period, None, args.min_cases
    )
    shown = ranking_json(ranking, period.code, period.previous.code)
    if args.json:
        print(json.dumps(RankingSchema().dump(shown), ensure_ascii=False, indent=2))
        return 0
    name = RANKING_MEASURES[args.measure]
    print(
        f"乡镇{name}排名 {period.title}（与 {period.previous.title} 比较；"
        f"少于 {ranking.min_cases} 件的不排名）"
    )
    for row in ranking.rows:
        rank = f"第{row.rank}名" if row.rank is not None else "不排名"
        figure = f"{row.figure * 100:.2f}%" if row.figure is not None else "-"
        change = f"{row.rank_change:+d}" if row.rank_change is not None else "-"
        delta = f"{row.figure_change * 100:+.2f}" if row.figure_change is not None else "-"
        before = f"第{row.previous_rank}名" if row.previous_rank is not None else "-"
        flag = "（件数不足）" if row.few_cases else ""
        print(
            f"  {rank} {row.name}（{row.unit}）{name} {figure}（{row.cases} 件）{flag}"
            f"  上期 {before}  名次变化 {change}  指标变化 {delta} 个百分点"
        )
    return 0


def cmd_contact_card(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    village = engine.org.units.get(args.village)
    if village is None or village.kind not in VILLAGE_KINDS:
        print(f"错误：没有这个村（社区）：{args.village}")
        return 2
    Path(args.out).write_bytes(contact_card_pdf(card_sources(engine), village, engine.clock.now()))
    print(f"{village.name}代办服务联系卡，已写入 {args.out}")
    return 0


def _period(text: str) -> ReportPeriod:
    try:
        return parse_period(text)
    except PeriodError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
