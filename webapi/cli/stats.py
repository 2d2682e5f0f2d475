"""``daiban stats``: the supervision figures (效能监督统计) of the whole county, by group."""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.clock import SHANGHAI
from engine.records import CaseFilter
from engine.stats import GROUPINGS, Period
from webapi.blueprints.stats import as_json
from webapi.cli.common import day_argument, engine_for
from webapi.schemas.stats import StatsSchema

# What the plain-text report shows of each group: (figure, label, kind).
LINES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (
        ("registered", "收件", "n"),
        ("accepted", "受理", "n"),
        ("completed", "办结", "n"),
        ("on_time_rate", "按期办结率", "%"),
        ("early_rate", "提前办结率", "%"),
    ),
    (
        ("overdue_completed", "超期办结", "n"),
        ("overdue_open", "超期未办结", "n"),
        ("overdue_rate", "超期率", "%"),
        ("step_overdue", "环节超期", "n"),
        ("avg_handling_days", "平均办理时长（工作日）", "d"),
    ),
    (
        ("on_the_spot_share", "即办件占比", "%"),
        ("first_time_right_rate", "一次性通过率", "%"),
        ("supplement_rate", "补正率", "%"),
        ("return_rate", "退件率", "%"),
    ),
    (
        ("proxy_cases", "代办件", "n"),
        ("handed_over", "代办移交", "n"),
        ("handover_on_time_rate", "按时移交率", "%"),
        ("avg_village_holding_days", "平均村级停留（工作日）", "d"),
    ),
    (
        ("yellow_warnings", "黄牌", "n"),
        ("red_warnings", "红牌", "n"),
        ("ratings", "评价", "n"),
        ("satisfaction_rate", "满意率", "%"),
        ("bad_ratings", "差评", "n"),
        ("rectification_rate", "差评整改率", "%"),
    ),
    (
        ("ledger_recorded", "台账登记", "n"),
        ("ledger_resolved", "台账解决", "n"),
        ("ledger_resolution_rate", "台账解决率", "%"),
    ),
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser(
        "stats", help="效能监督统计：全县，按乡镇、村（社区）、事项或县级部门分组"
    )
    stats.set_defaults(handler=cmd_stats)
    stats.add_argument(
        "--from", dest="first", type=day_argument, metavar="YYYY-MM-DD", help="起日（含）"
    )
    stats.add_argument(
        "--to", dest="last", type=day_argument, metavar="YYYY-MM-DD", help="止日（含）"
    )
    stats.add_argument("--group-by", choices=GROUPINGS, default="county", help="分组（默认全县）")
    stats.add_argument("--township", metavar="CODE", help="只统计该乡镇办理的办件")
    stats.add_argument("--village", metavar="CODE", help="只统计该村（社区）的办件")
    stats.add_argument("--item", metavar="CODE", help="只统计该事项")
    stats.add_argument("--department", metavar="CODE", help="只统计该县级部门的事项")
    stats.add_argument("--json", action="store_true", help="以 JSON 输出全部指标")


def cmd_stats(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    today = engine.clock.now().astimezone(SHANGHAI).date()
    last = args.last or today
    first = args.first or last.replace(day=1)
    if last < first:
        print(f"错误：止日 {last} 早于起日 {first}")
        return 2
    where = CaseFilter(
        township=args.township,
        village=args.village,
        item_code=args.item,
        department=args.department,
    )
    report = as_json(engine.stats.figures(Period(first, last), args.group_by, where=where))
    if args.json:
        print(json.dumps(StatsSchema().dump(report), ensure_ascii=False, indent=2))
        return 0
    print(
        f"效能监督统计 {first} 至 {last}（截至 {report['as_of'].astimezone(SHANGHAI):%Y-%m-%d %H:%M}）"
    )
    for group in [*report["groups"], {"unit": None, "name": "合计", "figures": report["total"]}]:
        unit = f"（{group['unit']}）" if group["unit"] else ""
        print(f"\n{group['name']}{unit}")
        for line in LINES:
            print("  " + "  ".join(_shown(group["figures"], *spec) for spec in line))
    return 0


def _shown(figures: dict[str, Any], name: str, label: str, kind: str) -> str:
    value = figures[name]
    if value is None:
        text = "-"
    elif kind == "%":
        text = f"{value * 100:.1f}%"
    elif kind == "d":
        text = f"{value:.2f}"
    else:
        text = str(value)
    return f"{label} {text}"
