"""``daiban stats``: the supervision figures (效能监督统计) of the whole county, by group."""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.clock import SHANGHAI
from engine.labels import FIGURES, choices
from engine.labels import GROUPINGS as GROUP_NAMES
from engine.records import CaseFilter
from engine.stats import GROUPINGS, Period
from webapi.blueprints.stats import as_json
from webapi.cli.common import day_argument, engine_for
from webapi.schemas.stats import StatsSchema

# What the plain-text report shows of each group, line by line (names: engine/labels.py).
LINES: tuple[tuple[str, ...], ...] = (
    ("registered", "accepted", "completed", "on_time_rate", "early_rate"),
    ("overdue_completed", "overdue_open", "overdue_rate", "step_overdue", "avg_handling_days"),
    ("on_the_spot_share", "first_time_right_rate", "supplement_rate", "return_rate"),
    ("proxy_cases", "handed_over", "handover_on_time_rate", "avg_village_holding_days"),
    (
        "yellow_warnings",
        "red_warnings",
        "ratings",
        "satisfaction_rate",
        "bad_ratings",
        "rectification_rate",
    ),
    ("ledger_recorded", "ledger_resolved", "ledger_resolution_rate"),
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser(
        "stats",
        help="效能监督统计：全县，按乡镇、村（社区）、事项、县级部门或事项类别（下放/代办）分组",
    )
    stats.set_defaults(handler=cmd_stats)
    stats.add_argument(
        "--from", dest="first", type=day_argument, metavar="YYYY-MM-DD", help="起日（含）"
    )
    stats.add_argument(
        "--to", dest="last", type=day_argument, metavar="YYYY-MM-DD", help="止日（含）"
    )
    stats.add_argument(
        "--group-by",
        choices=GROUPINGS,
        default="county",
        help=f"分组：{choices(GROUP_NAMES)}（默认全县）",
    )
    stats.add_argument("--township", metavar="CODE", help="只统计该乡镇办理的办件")
    stats.add_argument("--village", metavar="CODE", help="只统计该村（社区）的办件")
    stats.add_argument("--item", metavar="CODE", help="只统计该事项")
    stats.add_argument("--department", metavar="CODE", help="只统计该县级部门的事项")
    stats.add_argument("--json", action="store_true", help="以 JSON 输出全部指标")
    stats.add_argument(
        "--rebuild",
        action="store_true",
        help="按全部办件的历史重新计算统计用数据（如调整节假日后）；期间统计数不全，宜在停机维护时运行",
    )


def cmd_stats(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    if args.rebuild:
        shown = [0]

        def progress(done: int) -> None:
            if done >= shown[0] + 10_000:
                shown[0] = done
                print(f"已计算 {done} 件", flush=True)

        written = engine.rebuild_figures(progress)
        print(f"已按历史重新计算 {written} 件办件的统计用数据")
        return 0
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
        f"  分组：{report['group_by_name']}"
    )
    for group in [*report["groups"], {"unit": None, "name": "合计", "figures": report["total"]}]:
        unit = f"（{group['unit']}）" if group["unit"] else ""
        print(f"\n{group['name']}{unit}")
        for line in LINES:
            print("  " + "  ".join(_shown(group["figures"], code) for code in line))
    return 0


def _shown(figures: dict[str, Any], code: str) -> str:
    figure, value = FIGURES[code], figures[code]
    if value is None:
        text = "-"
    elif figure.kind == "rate":
        text = f"{value * 100:.1f}%"
    elif figure.kind == "days" and isinstance(value, float):
        text = f"{value:.2f} 个工作日"
    elif figure.kind == "days":
        text = f"{value} 个工作日"
    else:
        text = str(value)
    return f"{figure.name} {text}"
