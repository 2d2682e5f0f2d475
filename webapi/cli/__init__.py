"""The ``daiban`` command line (also ``python -m webapi``)."""

from __future__ import annotations

import argparse
import sys
import traceback
import uuid
from collections.abc import Callable, Sequence

from engine import EngineError, logs
from engine.errors import DataValidationError, DefinitionError
from processes.yamlfile import DataFileError
from webapi.cli.admin import cmd_serve, cmd_users
from webapi.cli.cases import (
    cmd_cancel,
    cmd_complete,
    cmd_demo,
    cmd_message,
    cmd_replay,
    cmd_show,
    cmd_start,
    cmd_tick,
    cmd_verify,
)
from webapi.cli.clock import add_mode_options
from webapi.cli.clock import add_parser as add_clock
from webapi.cli.common import json_arg, settings_for
from webapi.cli.designer import cmd_deploy, cmd_lint, cmd_scaffold, cmd_simulate
from webapi.cli.exports import add_parser as add_exports
from webapi.cli.ledger import add_parser as add_ledger
from webapi.cli.openapi import add_parser as add_openapi
from webapi.cli.ops import add_parser as add_ops
from webapi.cli.reports import add_parser as add_reports
from webapi.cli.stats import add_parser as add_stats
from webapi.cli.worker import add_parser as add_worker
from webapi.config import ConfigError
from webapi.settings import configure_logging
from webapi.startup import StartRefused

Handler = Callable[[argparse.Namespace], int]


# The widest an actor may be: the history's actor column (and every user-id column) holds
# 100 characters; PostgreSQL refuses more with an error the command could only call internal.
MAX_ACTOR = 100


def _actor(text: str) -> str:
    """``--user``: 1–100 characters, no control characters."""
    if not text.strip() or len(text) > MAX_ACTOR or not text.isprintable():
        raise argparse.ArgumentTypeError(f"应为 1–{MAX_ACTOR} 个可显示字符")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="daiban", description="乡镇下放事项与代办服务流程引擎")
    parser.add_argument(
        "--database-url",
        help="数据库地址（默认取 DAIBAN_DATABASE_URL 或 sqlite:///daiban.sqlite3）",
    )
    parser.add_argument(
        "--user", default="cli", type=_actor, help="操作人（写入办件历史；最多 100 个字符）"
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示完整堆栈")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(handler=handler)
        return command

    lint_cmd = add("lint", cmd_lint, "校验 BPMN 文件及事项目录（列出全部问题）")
    lint_cmd.add_argument(
        "paths", nargs="*", help="文件或目录（默认流程库 DAIBAN_BPMN_DIR，并检查每个事项都有流程）"
    )
    lint_cmd.add_argument("--no-catalogue", action="store_true", help="只校验 BPMN，不核对事项目录")
    add("deploy", cmd_deploy, "校验并部署 BPMN 文件").add_argument("paths", nargs="*")
    start = add("start", cmd_start, "发起办件")
    start.add_argument("process_id")
    start.add_argument("--data", type=json_arg, default={})
    start.add_argument(
        "--township",
        help="办理乡镇（街道）9 位区划代码（默认：申请人所在村所属乡镇，否则操作人所在乡镇）",
    )
    add("show", cmd_show, "查看办件").add_argument("case", type=int)
    complete = add("complete", cmd_complete, "办理待办任务")
    complete.add_argument("case", type=int)
    complete.add_argument("task")
    complete.add_argument("--data", type=json_arg, default={})
    message = add("message", cmd_message, "向办件发送消息（如县级部门办理结果）")
    message.add_argument("case", type=int)
    message.add_argument("name")
    message.add_argument("--data", type=json_arg, default={})
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
    verify.add_argument(
        "--workers", type=int, default=1, metavar="N", help="用 N 个进程并行校验（--all）"
    )
    scaffold = add("scaffold", cmd_scaffold, "由事项目录生成流程文件（BPMN）")
    scaffold.add_argument("codes", nargs="*", metavar="ITEM_CODE")
    scaffold.add_argument("--common", action="store_true", help="同时生成共用子流程（common/）")
    scaffold.add_argument("--all", action="store_true", help="目录中的全部事项")
    scaffold.add_argument("--force", action="store_true", help="覆盖已有文件")
    scaffold.add_argument("--out", help="输出目录（默认流程库 DAIBAN_BPMN_DIR）")
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
    secret = users.add_mutually_exclusive_group()
    secret.add_argument("--password", help="新密码（不填则交互输入）")
    secret.add_argument(
        "--temporary",
        action="store_true",
        help="生成临时密码（同重置密码接口：注销该用户全部令牌、解除锁定）",
    )
    users.add_argument("--hours", type=float, help="令牌有效小时数（默认 12）")
    add("demo", cmd_demo, "部署示例流程并走完一个办件")
    serve = add("serve", cmd_serve, "建库或升级、部署流程库，启动 HTTP 接口（开发用服务器）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    serve.add_argument("--port", type=int, default=5000, help="端口（默认 5000）")
    add_mode_options(serve)
    add_ledger(sub)
    add_stats(sub)
    add_reports(sub)
    add_exports(sub)
    add_clock(sub)
    add_openapi(sub)
    add_worker(sub)
    add_ops(sub)
    return parser


# The commands that are jobs or servers: their logs are the record of what they did.
LOGGED_COMMANDS = frozenset(
    {"serve", "tick", "verify", "deploy", "worker", "notices", "init", "db", "backup"}
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "verify" and args.case is None and not args.all:
        parser.error("请指定办件编号或 --all")
    try:
        # Jobs an operator schedules or watches log what they did; other commands only
        # warnings (their output is the answer). DAIBAN_LOG_LEVEL overrides both.
        default_level = "INFO" if args.command in LOGGED_COMMANDS else "WARNING"
        configure_logging(settings_for(args), default_level)
        # One id per run, as a request has one: in its log lines and the events it writes.
        with logs.bind_request_id(f"cli-{uuid.uuid4().hex}"):
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
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except StartRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：{exc.strerror}：{exc.filename}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A bug, not bad input: say so in one line; --debug shows the stack.
        if args.debug:
            traceback.print_exc()
        print(f"内部错误：{type(exc).__name__}（加 --debug 查看详情）", file=sys.stderr)
        return 3
    finally:
        engine = getattr(args, "engine", None)
        if engine is not None:
            engine.close()
