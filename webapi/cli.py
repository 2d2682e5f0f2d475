"""The ``daiban`` command line (also ``python -m webapi``)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import Actor, Engine, EngineError, lint, read_sources
from engine.clock import SHANGHAI
from engine.errors import DataValidationError, DefinitionError
from processes.org import ORG_ENV
from processes.yamlfile import DataFileError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "daiban-demo"  # the demo organisation's accounts only
DEFAULT_BPMN = PROJECT_ROOT / "bpmn"


def _json_arg(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"不是有效的 JSON：{exc.msg}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('应为 JSON 对象，例如 \'{"decision": "approve"}\'')
    return value


def _paths(values: Sequence[str]) -> list[str]:
    return list(values) or [str(DEFAULT_BPMN)]


def cmd_lint(args: argparse.Namespace) -> int:
    """BPMN problems, then catalogue problems and catalogue ↔ BPMN consistency."""
    from engine.definitions.catalogue_lint import check_catalogue
    from processes.catalogue import load_catalogue
    from processes.org import ROLES

    sources = read_sources(_paths(args.paths))
    result = lint(sources)
    problems = [str(p) for p in result.problems]
    if not args.no_catalogue:
        try:
            catalogue = load_catalogue()
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
    count = len(problems)
    print(f"{len(sources)} 个文件，{count} 个问题", file=sys.stderr)
    return 1 if count else 0


def _engine(args: argparse.Namespace) -> Engine:
    """The command's engine, created once and closed by ``main``."""
    engine: Engine | None = getattr(args, "engine", None)
    if engine is None:
        engine = Engine(args.database_url)
        args.engine = engine
    return engine


def cmd_deploy(args: argparse.Namespace) -> int:
    engine = _engine(args)
    for item in engine.definitions.deploy(read_sources(_paths(args.paths)), actor=args.user):
        state = "新版本" if item.created else "未变化"
        print(f"{item.process_id} v{item.version} {item.hash[:12]} {state}")
    return 0


def _print_case(view: Any) -> None:
    print(f"办件 {view.id}  流程 {view.process_id}  状态 {view.status}  版本 {view.version}")
    for task in view.tasks:
        print(f"  待办 {task.id}  {task.spec_id}  {task.name}  角色 {task.lane}")
    if view.has_incident:
        print("  注意：办件有未处理的异常（incident），见 daiban replay")


def cmd_start(args: argparse.Namespace) -> int:
    view = _engine(args).cases.start(args.process_id, args.data, Actor(args.user))
    _print_case(view)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    _print_case(_engine(args).cases.get(args.case))
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    view = _engine(args).cases.complete_task(args.case, args.task, args.data, Actor(args.user))
    _print_case(view)
    return 0


def cmd_message(args: argparse.Namespace) -> int:
    view = _engine(args).cases.deliver_message(args.case, args.name, args.data, Actor(args.user))
    _print_case(view)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    _print_case(_engine(args).cases.cancel(args.case, args.reason, Actor(args.user)))
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    engine = _engine(args)
    while True:
        report = engine.cases.tick()
        print(
            f"触发 {len(report.fired)} 件，异常 {len(report.incidents)} 件，冲突 {len(report.conflicts)} 件"
        )
        if args.loop is None:
            return 0
        time.sleep(args.loop)


def cmd_replay(args: argparse.Namespace) -> int:
    state = _engine(args).audit.replay(args.case, args.at)
    print(f"办件 {state.case_id} 第 {state.seq} 号事件后：状态 {state.status}  摘要 {state.digest}")
    for task in state.tasks:
        print(f"  待办 {task.id}  {task.spec_id}  {task.name}  角色 {task.lane}")
    print(json.dumps(state.data, ensure_ascii=False, indent=2, sort_keys=True, default=str))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    engine = _engine(args)
    if args.case is not None:
        report = engine.audit.verify(args.case)
        print(report)
        return 0 if report.ok else 1
    with engine.store.unit_of_work(write=False) as uow:
        total = uow.count_cases()
    failed = checked = 0
    for report in engine.audit.verify_all(after=args.after):
        checked += 1
        if not report.ok:
            failed += 1
            print(report)
        if checked % 1000 == 0 or checked == total:
            print(
                f"进度：{checked}/{total}，最后办件 {report.case_id}（中断后可用 --after {report.case_id} 续查）",
                file=sys.stderr,
            )
    print(f"共校验 {checked} 件，不一致 {failed} 件")
    return 1 if failed else 0


def cmd_scaffold(args: argparse.Namespace) -> int:
    """Generate BPMN files from the catalogue (existing files are kept unless --force)."""
    from engine.definitions.scaffold import scaffold_common, scaffold_items
    from processes.catalogue import load_catalogue

    catalogue = load_catalogue()
    out = Path(args.out)
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

    from engine.clock import SHANGHAI, ManualClock
    from engine.simulate import HAPPY_MESSAGES, Scenario, run
    from processes.catalogue import load_catalogue

    item = load_catalogue().get(args.item_code)
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
    start.update(raw.get("start") or {})
    scenario = Scenario(start, raw.get("tasks") or {}, raw.get("messages") or dict(HAPPY_MESSAGES))
    at = datetime.fromisoformat(str(raw.get("at", args.at))).replace(tzinfo=SHANGHAI)
    clock = ManualClock(at)
    engine = Engine("sqlite://", clock)
    args.engine = engine
    item_file = DEFAULT_BPMN / "items" / f"{item.process_id}.bpmn"
    engine.definitions.deploy(read_sources([DEFAULT_BPMN / "common", item_file]))
    print(f"{item.code} {item.name}（{item.decided_at}，承诺 {item.promised_limit} 个工作日）")
    trace = run(engine.cases, clock, item.process_id, scenario)
    for step in trace.steps:
        print(f"  {step}")
    case = trace.case
    print(
        f"结果：{case.status}；受理日 {case.data.get('accepted_on', '-')}；办结期限 {case.due_date or '-'}"
    )
    if case.tasks or case.waiting_messages:
        waiting = [t.name for t in case.tasks] + [f"消息 {m}" for m in case.waiting_messages]
        print(f"仍在等待：{'、'.join(waiting)}")
    return 0 if case.status == "completed" else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """Deploy the sample process and walk one case from intake to the county's decision."""
    engine = _engine(args)
    engine.definitions.deploy(read_sources([DEFAULT_BPMN / "sample"]), actor="demo")
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
    _print_case(view)
    for spec_id, data, user in steps:
        task = next(t for t in view.tasks if t.spec_id == spec_id)
        view = cases.complete_task(view.id, task.id, data, Actor(user))
        _print_case(view)
    view = cases.deliver_message(
        view.id, "county_decision", {"approved": True}, Actor("county.min")
    )
    _print_case(view)
    print(engine.audit.verify(view.id))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Create or migrate the database, deploy bpmn/ (unchanged processes are kept), serve."""
    from webapi.app import create_app

    engine = _engine(args)
    folders = [DEFAULT_BPMN / "common", DEFAULT_BPMN / "items", DEFAULT_BPMN / "sample"]
    deployed = engine.definitions.deploy(read_sources(folders), actor=args.user)
    fresh = sum(1 for item in deployed if item.created)
    print(f"流程：{len(deployed)} 个，其中新部署 {fresh} 个")
    if not os.environ.get(ORG_ENV):
        seeded = engine.identity.seed_passwords(DEMO_PASSWORD)
        if seeded:
            print(f"演示组织：{seeded} 个演示账号的初始密码为 {DEMO_PASSWORD}（仅演示用）")
    app = create_app({"ENGINE": engine})
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"接口文档：http://{host}:{args.port}/api/docs")
    app.run(host=args.host, port=args.port)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """Accounts of the organisation: list, set a password, issue or revoke tokens."""
    engine = _engine(args)
    identity = engine.identity
    if args.action == "list":
        for user in sorted(engine.org.users.values(), key=lambda u: u.id):
            password = "已设密码" if identity.has_password(user.id) else "未设密码"
            print(
                f"{user.id:<16} {user.name:<6} {','.join(user.roles):<40} {user.unit:<14} {password}"
            )
        return 0
    if not args.user_id:
        print("错误：请指定用户", file=sys.stderr)
        return 2
    if args.action == "password":
        password = args.password or getpass.getpass("新密码：")
        identity.set_password(args.user_id, password)
        print(f"已设置 {args.user_id} 的密码")
    elif args.action == "token":
        issued = identity.issue_token(args.user_id, hours=args.hours)
        print(issued.token)
        print(
            f"有效期至 {issued.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）",
            file=sys.stderr,
        )
    else:
        print(f"已注销 {identity.revoke_all(args.user_id)} 个令牌")
    return 0


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="daiban", description="乡镇下放事项与代办服务流程引擎")
    parser.add_argument(
        "--database-url",
        help="数据库地址（默认取 DAIBAN_DATABASE_URL 或 sqlite:///daiban.sqlite3）",
    )
    parser.add_argument("--user", default="cli", help="操作人（写入办件历史）")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整堆栈")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(handler=handler)
        return command

    lint_cmd = add("lint", cmd_lint, "校验 BPMN 文件及事项目录（列出全部问题）")
    lint_cmd.add_argument(
        "paths", nargs="*", help="文件或目录（默认 bpmn/，并检查每个事项都有流程）"
    )
    lint_cmd.add_argument("--no-catalogue", action="store_true", help="只校验 BPMN，不核对事项目录")
    add("deploy", cmd_deploy, "校验并部署 BPMN 文件").add_argument("paths", nargs="*")
    start = add("start", cmd_start, "发起办件")
    start.add_argument("process_id")
    start.add_argument("--data", type=_json_arg, default={})
    add("show", cmd_show, "查看办件").add_argument("case", type=int)
    complete = add("complete", cmd_complete, "办理待办任务")
    complete.add_argument("case", type=int)
    complete.add_argument("task")
    complete.add_argument("--data", type=_json_arg, default={})
    message = add("message", cmd_message, "向办件发送消息（如县级部门办理结果）")
    message.add_argument("case", type=int)
    message.add_argument("name")
    message.add_argument("--data", type=_json_arg, default={})
    cancel = add("cancel", cmd_cancel, "撤销办件")
    cancel.add_argument("case", type=int)
    cancel.add_argument("--reason", required=True)
    add("tick", cmd_tick, "触发到期定时器").add_argument("--loop", type=float, metavar="SECONDS")
    replay = add("replay", cmd_replay, "由事件重建办件状态")
    replay.add_argument("case", type=int)
    replay.add_argument("--at", type=int, metavar="SEQ")
    verify = add("verify", cmd_verify, "校验办件历史（哈希链、状态摘要、快照）")
    verify.add_argument("case", type=int, nargs="?")
    verify.add_argument("--all", action="store_true")
    verify.add_argument("--after", type=int, default=0, metavar="CASE_ID")
    scaffold = add("scaffold", cmd_scaffold, "由事项目录生成流程文件（BPMN）")
    scaffold.add_argument("codes", nargs="*", metavar="ITEM_CODE")
    scaffold.add_argument("--common", action="store_true", help="同时生成共用子流程 bpmn/common")
    scaffold.add_argument("--all", action="store_true", help="目录中的全部事项")
    scaffold.add_argument("--force", action="store_true", help="覆盖已有文件")
    scaffold.add_argument("--out", default=str(DEFAULT_BPMN), help="输出目录（默认 bpmn/）")
    simulate = add("simulate", cmd_simulate, "在内存数据库中试运行一个事项的流程")
    simulate.add_argument("item_code", metavar="ITEM_CODE")
    simulate.add_argument(
        "--scenario", metavar="FILE", help="场景文件（YAML：start、tasks、messages、at）"
    )
    simulate.add_argument(
        "--at", default="2026-09-24T09:00", help="开始时间（北京时间，默认 2026-09-24T09:00）"
    )
    users = add("users", cmd_users, "账号：列出、设置密码、签发或注销令牌")
    users.add_argument("action", choices=["list", "password", "token", "revoke"])
    users.add_argument("user_id", nargs="?")
    users.add_argument("--password", help="新密码（不填则交互输入）")
    users.add_argument("--hours", type=float, help="令牌有效小时数（默认 12）")
    add("demo", cmd_demo, "部署示例流程并走完一个办件")
    serve = add("serve", cmd_serve, "建库或升级、部署 bpmn/，启动 HTTP 接口（开发用服务器）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    serve.add_argument("--port", type=int, default=5000, help="端口（默认 5000）")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "verify" and args.case is None and not args.all:
        parser.error("请指定办件编号或 --all")
    try:
        code: int = args.handler(args)
        return code
    except DefinitionError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except DataValidationError as exc:
        for name, reason in exc.fields.items():
            print(f"  {name}: {reason}", file=sys.stderr)
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except EngineError as exc:
        print(f"错误（{exc.code}）：{exc.message}", file=sys.stderr)
        return 2
    except DataFileError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        print("错误：数据文件有误", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：{exc.strerror}：{exc.filename}", file=sys.stderr)
        return 2
    finally:
        engine = getattr(args, "engine", None)
        if engine is not None:
            engine.close()
