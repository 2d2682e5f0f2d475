"""Shared pieces of the command line: argument types, the settings and the engine of a command."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from engine import Engine
from engine.labels import CASE_STATUSES, ROLES, name_of
from webapi.schemas.common import FIRST_DAY, LAST_DAY
from webapi.settings import Settings, build_engine


def json_arg(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"不是有效的 JSON：{exc.msg}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('应为 JSON 对象，例如 \'{"decision": "approve"}\'')
    return value


def paths(args: argparse.Namespace, values: Sequence[str]) -> list[str]:
    """The files or folders given, else the BPMN library (``DAIBAN_BPMN_DIR``)."""
    return list(values) or [str(settings_for(args).bpmn_dir)]


def settings_for(args: argparse.Namespace) -> Settings:
    """The command's settings: ``DAIBAN_*`` variables, ``--database-url`` over its own;
    the same the app reads, so a command lints, replays and verifies as the server runs."""
    settings: Settings | None = getattr(args, "settings", None)
    if settings is None:
        settings = Settings.from_environ(os.environ, {"DATABASE_URL": args.database_url})
        args.settings = settings
    return settings


def engine_for(args: argparse.Namespace) -> Engine:
    """The command's engine, created once and closed by ``main``."""
    engine: Engine | None = getattr(args, "engine", None)
    if engine is None:
        engine = build_engine(settings_for(args))
        args.engine = engine
    return engine


def print_case(view: Any) -> None:
    status = name_of(CASE_STATUSES, view.status)
    print(
        f"办件 {view.id}  流程 {view.process_id}  状态 {status}（{view.status}）  版本 {view.version}"
    )
    if getattr(view, "org_unit", None) or getattr(view, "due_date", None):
        print(f"  办理乡镇 {view.org_unit or '-'}  办结期限 {view.due_date or '-'}")
    for task in view.tasks:
        print(f"  待办 {task.id}  {task.spec_id}  {task.name}  岗位 {role_shown(task.lane)}")
    if view.has_incident:
        print("  注意：办件有未处理的异常（incident），见 daiban replay")


def day_argument(text: str) -> date:
    """A ``YYYY-MM-DD`` command-line day within the range the API accepts."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是有效的日期（YYYY-MM-DD）：{text}") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间：{text}")
    return value


def role_shown(role: str | None) -> str:
    """A role as the command line prints it: 名称 [code]."""
    return f"{name_of(ROLES, role)} [{role}]" if role else "-"
