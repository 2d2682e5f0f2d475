"""``daiban export-xes`` and ``daiban export-ocel``: the case histories of the whole county
(or a filtered part) as an IEEE 1849 XES or OCEL 2.0 JSON event log, streamed to a file
or to standard output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import IO

from engine.exports.common import ExportCounts
from engine.exports.ocel import ocel_chunks
from engine.exports.xes import xes_chunks
from engine.records import CaseScope
from webapi.blueprints.audit_export import export_filter
from webapi.cli.common import day_argument, engine_for


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, handler, what in (
        ("export-xes", cmd_export_xes, "导出 XES 事件日志（IEEE 1849，流程挖掘用）"),
        ("export-ocel", cmd_export_ocel, "导出 OCEL 2.0 JSON 对象中心事件日志"),
    ):
        command = sub.add_parser(name, help=f"{what}：全县办件，可按登记日期、事项、乡镇筛选")
        command.set_defaults(handler=handler)
        command.add_argument(
            "--from", dest="first", type=day_argument, metavar="YYYY-MM-DD", help="登记日期起（含）"
        )
        command.add_argument(
            "--to", dest="last", type=day_argument, metavar="YYYY-MM-DD", help="登记日期止（含）"
        )
        command.add_argument("--item", metavar="CODE", help="只导出该事项")
        command.add_argument("--township", metavar="CODE", help="只导出该乡镇承办的办件")
        command.add_argument("--village", metavar="CODE", help="只导出该村（社区）的办件")
        command.add_argument("--out", "-o", metavar="FILE", help="输出文件（默认标准输出）")
        command.add_argument(
            "--batch", type=int, default=200, metavar="N", help="每次读取的办件数（默认 200）"
        )


def cmd_export_xes(args: argparse.Namespace) -> int:
    return _export(args, "xes")


def cmd_export_ocel(args: argparse.Namespace) -> int:
    return _export(args, "ocel")


def _export(args: argparse.Namespace, kind: str) -> int:
    if args.first and args.last and args.last < args.first:
        print(f"错误：止日 {args.last} 早于起日 {args.first}", file=sys.stderr)
        return 2
    if args.batch < 1:
        print("错误：--batch 应为正整数", file=sys.stderr)
        return 2
    engine = engine_for(args)
    query = {
        "from_": args.first,
        "to": args.last,
        "item": args.item,
        "township": args.township,
        "village": args.village,
    }
    source = engine.export_source(CaseScope(everything=True), export_filter(query), args.batch)
    counts = ExportCounts()
    chunks: Iterator[bytes]
    if kind == "xes":
        about = {f"filter_{k.rstrip('_')}": str(v) for k, v in sorted(query.items()) if v}
        now = engine.clock.now()
        chunks = xes_chunks(source, org=engine.org, about=about, exported_at=now, counts=counts)
    else:
        chunks = ocel_chunks(source, org=engine.org, counts=counts)
    if args.out:
        with open(args.out, "wb") as out:
            _write(chunks, out)
    else:
        try:
            _write(chunks, sys.stdout.buffer)
        except BrokenPipeError:  # e.g. ``daiban export-xes | head``: the reader is gone
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    print(f"已导出 {counts.cases} 个办件、{counts.events} 个事件", file=sys.stderr)
    return 0


def _write(chunks: Iterator[bytes], out: IO[bytes]) -> None:
    for data in chunks:
        out.write(data)
    out.flush()
