"""Commands for process designers: lint, deploy, scaffold, simulate."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import DeployResult, lint, read_sources
from engine.clock import SHANGHAI
from engine.labels import LIMIT_UNITS
from processes.yamlfile import DataFileError
from webapi.cli.common import engine_for, paths, settings_for
from webapi.settings import build_engine


def cmd_lint(args: argparse.Namespace) -> int:
    """BPMN problems, then catalogue problems and catalogue ↔ BPMN consistency."""
    from engine.definitions.catalogue_lint import check_catalogue
    from processes.catalogue import load_catalogue
    from processes.org import ROLES

    settings = settings_for(args)
    sources = read_sources(paths(args, args.paths))
    result = lint(sources, loop_maximum=settings.loop_maximum)
    problems = [str(p) for p in result.problems]
    if not args.no_catalogue:
        try:
            catalogue = load_catalogue(settings.catalogue_dir)
        except DataFileError as error:
            problems.extend(error.problems)
        else:
            complete = not args.paths
            problems.extend(
                str(p)
                for p in check_catalogue(catalogue, result.outlines, ROLES, complete=complete)
            )
    for problem in problems:
        print(problem)
    # Warnings (an old-format lane, for instance) do not fail the check.
    for warning in result.warnings:
        print(
            f"{warning.path}:{warning.line or 0}: {warning.element_id or '-'}: 警告：{warning.message}"
        )
    count = len(problems)
    warned = f"，{len(result.warnings)} 个警告" if result.warnings else ""
    print(f"{len(sources)} 个文件，{count} 个问题{warned}", file=sys.stderr)
    return 1 if count else 0


def cmd_deploy(args: argparse.Namespace) -> int:
    deployed = deploy_library(args, args.paths)
    for item in deployed:
        state = "新版本" if item.created else "未变化"
        print(f"{item.process_id} v{item.version} {item.hash[:12]} {state}")
    return 0


def deploy_library(args: argparse.Namespace, files: Sequence[str] = ()) -> list[DeployResult]:
    """Lint (with the catalogue's lane and step checks) and deploy ``files``, else the BPMN
    library; processes they call but do not contain are taken from their deployed versions."""
    from engine.definitions.catalogue_lint import deploy_checks
    from processes.org import ROLES

    engine = engine_for(args)
    checks = deploy_checks(engine.catalogue, ROLES)
    sources = read_sources(paths(args, files))
    return engine.definitions.deploy(sources, actor=args.user, use_deployed=True, checks=checks)


def cmd_scaffold(args: argparse.Namespace) -> int:
    """Generate BPMN files from the catalogue (existing files are kept unless --force)."""
    from engine.design.scaffold import scaffold_common, scaffold_items
    from processes.catalogue import load_catalogue

    settings = settings_for(args)
    catalogue = load_catalogue(settings.catalogue_dir)
    out = Path(args.out) if args.out else settings.bpmn_dir
    written = scaffold_common(out, args.force) if args.common else []
    if args.all:
        items = list(catalogue)
    else:
        unknown = [code for code in args.codes if catalogue.get(code) is None]
        if unknown:
            print(f"错误：事项目录中没有：{'、'.join(unknown)}", file=sys.stderr)
            return 2
        items = [item for code in args.codes if (item := catalogue.get(code)) is not None]
    written += scaffold_items(items, out, args.force)
    for entry in written:
        print(f"{entry.path}  {'已生成' if entry.created else '已存在，未覆盖（用 --force 覆盖）'}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run one item's process on an in-memory database and print the path it takes."""
    import yaml

    from engine.batch.simulation import batch_scenario
    from engine.clock import ManualClock
    from engine.simulate import HAPPY_MESSAGES, Scenario, run
    from processes.catalogue import load_catalogue

    settings = settings_for(args)
    catalogue = load_catalogue(settings.catalogue_dir)
    item = catalogue.get(args.item_code)
    if item is None:
        print(f"错误：事项目录中没有 {args.item_code}", file=sys.stderr)
        return 2
    raw: dict[str, Any] = {}
    if args.scenario:
        loaded = yaml.safe_load(Path(args.scenario).read_text(encoding="utf-8"))
        if not isinstance(loaded, dict) or not set(loaded) <= {"start", "tasks", "messages", "at"}:
            print(
                "错误：场景文件应为包含 start、tasks、messages、at 的 YAML 字段表", file=sys.stderr
            )
            return 2
        raw = loaded
    start = {"item": item.process_data(), "via_proxy": item.proxy_allowed, "emergency": False}
    at = datetime.fromisoformat(str(raw.get("at", args.at))).replace(tzinfo=SHANGHAI)
    messages = raw.get("messages") or dict(HAPPY_MESSAGES)
    start.update(raw.get("start") or {})
    scenario = Scenario(start, raw.get("tasks") or {}, messages)
    clock = ManualClock(at)
    in_memory = dataclasses.replace(settings, database_url="sqlite://")
    engine = build_engine(in_memory, clock, catalogue=catalogue)
    args.engine = engine
    library = settings.bpmn_dir
    item_file = library / "items" / f"{item.process_id}.bpmn"
    engine.definitions.deploy(read_sources([library / "common", item_file]))
    if item.batch is not None:  # a yearly payout list: sample lines, an objection, payments
        batch_scenario(engine.batches, item, at.year, scenario)
    kind = (
        "年度发放清册：每村每年一份"
        if item.batch
        else f"承诺 {item.promised_limit} 个{LIMIT_UNITS[item.limit_unit]}"
    )
    print(f"{item.code} {item.name}（{item.decided_at}，{kind}）")
    trace = run(engine.cases, clock, item.process_id, scenario)
    for step in trace.steps:
        print(f"  {step}")
    case = trace.case
    print(
        f"结果：{case.status}；受理日 {case.data.get('accepted_on', '-')}；办结期限 {case.due_date or '-'}"
    )
    if item.batch is not None:
        totals = engine.batches.view(engine.cases.record(case.id)).list.totals()
        print(
            f"清册合计：{totals.lines} 户，{totals.area} 亩，{totals.amount} 元；"
            f"已发放 {totals.paid} 户 {totals.paid_amount} 元，失败 {totals.failed} 户 "
            f"{totals.failed_amount} 元；核减 {totals.struck} 行"
        )
    if case.tasks or case.waiting_messages:
        waiting = [t.name for t in case.tasks] + [f"消息 {m}" for m in case.waiting_messages]
        print(f"仍在等待：{'、'.join(waiting)}")
    return 0 if case.status == "completed" else 1
