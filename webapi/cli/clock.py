"""``daiban clock``: the clock of a training or demo database (培训/演示库) — flag a new
database, show the clock, move it forward."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from engine.clock import DURATION_FORMAT, SHANGHAI, describe_offset, parse_duration
from engine.errors import DataValidationError
from engine.training import ClockStatus
from webapi.cli.common import engine_for


def duration_argument(text: str) -> timedelta:
    """``12h``, ``8d``, ``2w`` (``engine.clock.parse_duration``)."""
    try:
        return parse_duration(text)
    except DataValidationError as error:
        raise argparse.ArgumentTypeError(error.fields["by"]) from None


def add_mode_options(parser: argparse.ArgumentParser) -> None:
    """``--training`` / ``--demo``: flag the database (``serve``, ``clock init``)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--training",
        dest="mode",
        action="store_const",
        const="training",
        help="标记为培训数据库（时钟可前移；只能用于没有正式办件的新库）",
    )
    mode.add_argument(
        "--demo",
        dest="mode",
        action="store_const",
        const="demo",
        help="标记为演示数据库（同上）",
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    clock = sub.add_parser("clock", help="培训或演示数据库的时钟：标记新库、查看、前移")
    clock.set_defaults(handler=cmd_clock)
    actions = clock.add_subparsers(dest="action", required=True)
    init = actions.add_parser(
        "init", help="把新的空数据库标记为培训（--training）或演示（--demo）库"
    )
    add_mode_options(init)
    actions.add_parser("show", help="查看数据库是否为培训或演示库、时钟前移了多少")
    advance = actions.add_parser("advance", help="把培训或演示库的时钟前移（只能前移）")
    advance.add_argument("span", type=duration_argument, metavar="SPAN", help=DURATION_FORMAT)


def cmd_clock(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    if args.action == "init":
        if args.mode is None:
            print("错误：请指定 --training（培训）或 --demo（演示）", file=sys.stderr)
            return 2
        print(flag_database(args, args.mode))
        return 0
    if args.action == "advance":
        report = engine.advance_clock(args.span, args.user)  # and fires what became due
        print(f"时钟已前移 {describe_offset(int(args.span.total_seconds()))}")
        print(describe(engine.training.status()))
        print(
            f"随即触发到期定时器 {len(report.fired)} 件，异常 {len(report.incidents)} 件，"
            f"预警 {len(report.warnings)} 条"
        )
        return 0
    print(describe(engine.training.status()))
    return 0


def flag_database(args: argparse.Namespace, mode: str) -> str:
    """Flag the command's database for ``mode``; what to tell (refusals raise)."""
    setting, new = engine_for(args).training.flag(mode, args.user)
    if new:
        return f"已将数据库标记为{setting.mode_name}数据库：时钟可用 daiban clock advance 前移"
    return f"数据库已是{setting.mode_name}数据库（{_local(setting.flagged_at)} 由 {setting.flagged_by} 标记）"


def describe(status: ClockStatus) -> str:
    """The clock as ``daiban clock show`` and ``serve`` print it."""
    setting = status.setting
    if setting is None:
        return f"生产数据库：时钟为系统时钟（{_local(status.now)}），不能调整"
    lines = [
        f"{setting.mode_name}数据库（{_local(setting.flagged_at)} 由 {setting.flagged_by} 标记）",
        f"  当前时间 {_local(status.now)}（北京时间，{setting.mode_name}时钟）",
        f"  系统时间 {_local(status.wall)}",
        f"  累计前移 {describe_offset(setting.offset_seconds)}"
        + (
            f"（最近一次 {_local(setting.advanced_at)} 由 {setting.advanced_by} 调整）"
            if setting.advanced_at is not None
            else ""
        ),
    ]
    return "\n".join(lines)


def _local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
