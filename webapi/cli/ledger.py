"""``daiban ledger``: the issue ledger (问题台账) — list issues, show one with its entries."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta

from engine.clock import SHANGHAI
from engine.ledger import (
    CATEGORIES,
    ENTRY_TYPES,
    LEVELS,
    SOURCES,
    STATUSES,
)
from engine.records import LedgerQuery, LedgerScope
from processes.org import Organization
from processes.patterns import mask_phone
from webapi.cli.common import day_argument, engine_for


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = sub.add_parser("ledger", help="问题台账（三转）：列出问题、查看问题及其记录")
    ledger.set_defaults(handler=cmd_ledger)
    actions = ledger.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="列出问题（新登记的在前，电话遮蔽）")
    listing.add_argument("--status", choices=list(STATUSES), help="办理状态")
    listing.add_argument("--township", metavar="CODE", help="乡镇 9 位区划代码")
    listing.add_argument("--village", metavar="CODE", help="村（社区）12 位区划代码")
    listing.add_argument("--from", dest="start", type=day_argument, metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="end", type=day_argument, metavar="YYYY-MM-DD")
    listing.add_argument("--limit", type=int, default=50, help="最多列出条数（默认 50）")
    show = actions.add_parser("show", help="查看一个问题及其全部记录")
    show.add_argument("issue", type=int, metavar="ID")


def cmd_ledger(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    service = engine.ledger
    if args.action == "show":
        view = service.issue(args.issue)
        issue = view.issue
        print(
            f"问题 {issue.id}  编号 {issue.number}  {STATUSES.get(issue.status, issue.status)}"
            f"  在{LEVELS.get(issue.level, issue.level)}{_unit(engine.org, issue.department)}"
        )
        print(
            f"  村（社区） {_unit(engine.org, issue.village)}  乡镇 {_unit(engine.org, issue.township)}"
        )
        print(f"  反映人 {issue.resident_name}  电话 {issue.resident_phone or '-'}")
        print(
            f"  类别 {CATEGORIES.get(issue.category, issue.category)}"
            f"  来源 {SOURCES.get(issue.source, issue.source)}"
        )
        print(f"  内容 {issue.content}")
        for entry in view.entries:
            at = entry.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            kind = ENTRY_TYPES.get(entry.type, entry.type)
            where = LEVELS.get(entry.level, entry.level) + _unit(engine.org, entry.department)
            note = f"  {entry.note}" if entry.note else ""
            user = engine.org.users.get(entry.actor)
            actor = f"{user.name}（{entry.actor}）" if user is not None else entry.actor
            print(f"  {entry.seq}. {at}  {kind}  {actor}  → {where}{note}")
        return 0
    query = LedgerQuery(
        status=args.status,
        township=args.township,
        village=args.village,
        recorded_from=_start_of(args.start) if args.start and args.start.year > 1 else None,
        recorded_to=_start_of(args.end + timedelta(days=1))
        if args.end and args.end < date.max
        else None,
    )
    found, total = service.search(LedgerScope(everything=True), query, 0, max(args.limit, 0))
    for issue in found:
        phone = mask_phone(issue.resident_phone) if issue.resident_phone else "-"
        at = issue.recorded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d")
        print(
            f"{issue.id}  {issue.number}  {at}  {STATUSES.get(issue.status, issue.status)}"
            f"  {LEVELS.get(issue.level, issue.level)}  {issue.resident_name}  {phone}"
            f"  {_brief(issue.content)}"
        )
    print(f"共 {total} 件，列出 {len(found)} 件")
    return 0


def _unit(org: Organization, code: str | None) -> str:
    if not code:
        return ""
    unit = org.units.get(code)
    return f"{unit.name}（{code}）" if unit is not None else code


def _brief(text: str, width: int = 30) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
