"""Commands on cases: start, show, complete, message, cancel, tick, replay, verify, demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from engine import Actor, VerifyReport, read_sources
from engine.labels import CASE_STATUSES, name_of
from engine.logs import get_logger
from engine.registration import started_outside_registration
from engine.routing import start_routing
from engine.worker import RoundReport, Worker, engine_round
from webapi.cli.common import engine_for, print_case, role_shown, settings_for
from webapi.cli.worker import run_loop

log = get_logger(__name__)


def cmd_start(args: argparse.Namespace) -> int:
    """Start a case of a process; every case gets a township (``--township``, else the
    applicant's village's, else the user's), so that the township's staff see it and have
    its tasks; a catalogue item's case its code and the data and deciding units
    registration gives (``engine.registration.started_outside_registration``), ``--data``
    taking precedence, or it is refused as registration refuses it."""
    engine = engine_for(args)
    item = engine.catalogue.by_process_id().get(args.process_id)
    data = dict(args.data)
    routing = start_routing(engine.org, args.user, data, args.township)
    if item is not None:
        data, routing = started_outside_registration(engine.org, item, data, routing)
    view = engine.cases.start(
        args.process_id,
        data,
        Actor(args.user),
        item_code=item.code if item else None,
        routing=routing,
    )
    print_case(view)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    print_case(engine_for(args).cases.get(args.case))
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    view = engine_for(args).cases.complete_task(args.case, args.task, args.data, Actor(args.user))
    print_case(view)
    return 0


def cmd_message(args: argparse.Namespace) -> int:
    view = engine_for(args).cases.deliver_message(args.case, args.name, args.data, Actor(args.user))
    print_case(view)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    print_case(engine_for(args).cases.cancel(args.case, args.reason, Actor(args.user)))
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    engine = engine_for(args)

    def show(report: RoundReport) -> None:
        tick = report.tick
        print(
            f"触发 {len(tick.fired)} 件，异常 {len(tick.incidents)} 件，冲突 {len(tick.conflicts)} 件，"
            f"预警 {len(tick.warnings)} 条，定期取送件批次 {report.runs} 个",
            flush=True,
        )

    worker = Worker(engine_round(engine, None), interval=args.loop or 0, on_round=show)
    if args.loop is None:
        worker.run_once()
        return 0
    run_loop(engine, worker)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    state = engine_for(args).audit.replay(args.case, args.at)
    status = f"{name_of(CASE_STATUSES, state.status)}（{state.status}）"
    print(f"办件 {state.case_id} 第 {state.seq} 号事件后：状态 {status}  摘要 {state.digest}")
    for task in state.tasks:
        print(f"  待办 {task.id}  {task.spec_id}  {task.name}  岗位 {role_shown(task.lane)}")
    print(json.dumps(state.data, ensure_ascii=False, indent=2, sort_keys=True, default=str))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    if args.case is not None:
        report = engine.audit.verify(args.case)
        print(report)
        return 0 if report.ok else 1
    total = engine.audit.count_cases()
    if args.workers < 1:
        print("错误：--workers 至少为 1", file=sys.stderr)
        return 2
    if args.workers == 1:
        batches: Iterator[tuple[list[VerifyReport], int]] = (
            ([report], report.case_id) for report in engine.audit.verify_all(after=args.after)
        )
    else:
        from engine.verify_parallel import verify_in_parallel

        try:
            batches = verify_in_parallel(
                engine.database_url,
                engine.audit.case_id_batches(args.after, 200),
                args.workers,
                engine.bounds,
                engine.holiday_file,
            )
        except ValueError:
            print("错误：内存数据库不能多进程校验，请去掉 --workers", file=sys.stderr)
            return 2
    failed = checked = reported = 0
    for reports, done_up_to in batches:
        for report in reports:
            checked += 1
            if not report.ok:
                failed += 1
                print(report)
        if checked - reported >= 1000 or checked == total:
            reported = checked
            print(
                f"进度：{checked}/{total}，办件 {done_up_to} 及之前已校验（中断后可用 --after {done_up_to} 续查）",
                file=sys.stderr,
            )
    print(f"共校验 {checked} 件，不一致 {failed} 件")
    log.info("verify_done", checked=checked, failed=failed, after=args.after, workers=args.workers)
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Deploy the sample process and walk one case from intake to the county's decision."""
    engine = engine_for(args)
    sample = settings_for(args).bpmn_dir / "sample"
    engine.definitions.deploy(read_sources([sample]), actor="demo")
    cases = engine.cases
    view = cases.start("sample_proxy_item", {"submitted_on": "2026-11-27"}, Actor("agent.zhang"))
    steps: list[tuple[str, dict[str, Any], str]] = [
        (
            "Task_intake",
            {
                "applicant_name": "李秀英",
                "applicant_id": "11010519491231002X",
                "materials": "complete",
            },
            "agent.zhang",
        ),
        ("Task_handover", {"handover_count": 3}, "agent.zhang"),
        ("Task_township_review", {"decision": "approve", "opinion": "符合条件"}, "window.wang"),
        (
            "Task_handover_to_county",
            {"county_department": "县民政局", "handover_items": 3},
            "window.wang",
        ),
    ]
    print_case(view)
    for spec_id, data, user in steps:
        task = next(t for t in view.tasks if t.spec_id == spec_id)
        view = cases.complete_task(view.id, task.id, data, Actor(user))
        print_case(view)
    view = cases.deliver_message(
        view.id, "county_decision", {"approved": True}, Actor("county.min")
    )
    print_case(view)
    print(engine.audit.verify(view.id))
    return 0
