"""Shared pieces of the command line: paths, argument types, the engine of a command."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from engine import Engine, EngineBounds
from webapi.config import environment_bounds
from webapi.schemas.common import FIRST_DAY, LAST_DAY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "daiban-demo"  # the demo organisation's accounts only
DEFAULT_BPMN = PROJECT_ROOT / "bpmn"


def json_arg(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"不是有效的 JSON：{exc.msg}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('应为 JSON 对象，例如 \'{"decision": "approve"}\'')
    return value


def paths(values: Sequence[str]) -> list[str]:
    return list(values) or [str(DEFAULT_BPMN)]


def engine_for(args: argparse.Namespace) -> Engine:
    """The command's engine, created once and closed by ``main``."""
    engine: Engine | None = getattr(args, "engine", None)
    if engine is None:
        engine = Engine(args.database_url, bounds=command_bounds())
        args.engine = engine
    return engine


def command_bounds() -> EngineBounds:
    """The engine bounds (``DAIBAN_ENGINE_MAX_STEPS``, ``DAIBAN_LOOP_MAXIMUM``), the same
    the app reads, so a command replays and lints cases as the server runs them."""
    return environment_bounds(os.environ)


def print_case(view: Any) -> None:
    print(f"办件 {view.id}  流程 {view.process_id}  状态 {view.status}  版本 {view.version}")
    for task in view.tasks:
        print(f"  待办 {task.id}  {task.spec_id}  {task.name}  角色 {task.lane}")
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
