"""Commands for operators: ``daiban init`` (schema, BPMN library, the first administrator),
``daiban db`` (the schema's migrations) and ``daiban backup`` (SQLite's online backup)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from engine.database import Database, default_files_dir
from webapi.cli.clock import flag_database
from webapi.cli.common import engine_for, settings_for
from webapi.cli.designer import deploy_library
from webapi.settings import Settings
from webapi.startup import check_start


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init", help="安装或升级：建库或迁移、部署流程库、设置第一个管理员的密码（可重复运行）"
    )
    init.set_defaults(handler=cmd_init)
    init.add_argument(
        "--admin", metavar="USER", help="第一个管理员：组织机构中有系统管理员（admin）角色的账号"
    )
    init.add_argument(
        "--print-password",
        action="store_true",
        help="不提示输入，生成随机密码并只显示这一次（标准输入不是终端时也如此）",
    )
    init.add_argument(
        "--demo",
        action="store_true",
        help="演示库：把新库标记为演示数据库，并给没有密码的账号演示密码 daiban-demo",
    )
    db = sub.add_parser("db", help="数据库结构的迁移：升级、降级、当前版本、历史")
    db.set_defaults(handler=cmd_db)
    actions = db.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="升级到某一版本（默认最新 head）")
    upgrade.add_argument("revision", nargs="?", default="head", metavar="REV")
    downgrade = actions.add_parser("downgrade", help="降级到某一版本（base：删除全部表）")
    downgrade.add_argument("revision", metavar="REV")
    actions.add_parser("current", help="数据库当前所在的迁移版本")
    actions.add_parser("history", help="全部迁移版本")
    backup = sub.add_parser("backup", help="在线备份 SQLite 数据库（PostgreSQL 用 pg_dump）")
    backup.set_defaults(handler=cmd_backup)
    backup.add_argument("--out", required=True, metavar="FILE", help="备份文件（不能已存在）")


def cmd_init(args: argparse.Namespace) -> int:
    """Create or migrate the schema, deploy the BPMN library (as ``daiban deploy``), give the
    first administrator a password; run again after an upgrade: it resets no password."""
    if not args.admin and not args.demo:
        print("错误：请用 --admin 账号 指定第一个管理员（演示库用 --demo）", file=sys.stderr)
        return 2
    settings = settings_for(args)
    engine = engine_for(args)  # creates or migrates the schema
    if args.admin and args.admin not in engine.org.users:
        print(
            f"错误：--admin：组织机构中没有账号 {args.admin}（{_org(settings)}）", file=sys.stderr
        )
        return 2
    print(f"数据库：迁移版本 {Database(settings.database_url).current()}（最新）")
    if args.demo:
        print(flag_database(args, "demo"))
    deployed = deploy_library(args)
    fresh = sum(1 for item in deployed if item.created)
    print(f"流程：{len(deployed)} 个（{settings.bpmn_dir}），其中新部署 {fresh} 个")
    print(f"组织机构：{_org(settings)}")
    if args.demo:
        seeded = engine.identity.seed_passwords()
        print(f"演示库：{seeded} 个账号的初始密码为 daiban-demo（仅演示用）")
    if args.admin and _first_admin(args) != 0:
        return 2
    check_start(engine, settings)
    print("完成：可以启动服务（gunicorn）和后台作业（daiban worker）")
    return 0


def _first_admin(args: argparse.Namespace) -> int:
    """Give ``--admin`` its first password (exit 2: the two entries differed)."""
    identity = engine_for(args).identity
    user = args.admin
    if identity.has_password(user):
        print(f"管理员 {user} 已有密码，未重置（重设：daiban users password {user} --temporary）")
        return 0
    password = None
    if sys.stdin.isatty() and not args.print_password:
        password = getpass.getpass(f"管理员 {user} 的密码（至少 8 个字符）：")
        if getpass.getpass("再输入一次：") != password:
            print("错误：两次输入的密码不一致，未设置", file=sys.stderr)
            return 2
    chosen = identity.first_admin(user, password)
    if chosen is None:  # another init was quicker
        print(f"管理员 {user} 已有密码，未重置")
    elif password is None:
        print(f"管理员 {user} 的初始密码（只显示这一次，请登录后修改）：{chosen}")
    else:
        print(f"已设置管理员 {user} 的密码")
    return 0


def _org(settings: Settings) -> str:
    if settings.demo_org:
        return "演示组织（未设置 DAIBAN_ORG_FILE，仅供试用）"
    return str(settings.org_file)


def cmd_db(args: argparse.Namespace) -> int:
    """The schema's migrations; never migrates by itself (no engine is built)."""
    database = Database(settings_for(args).database_url)
    head = database.head()
    if args.action == "history":
        now = database.current()
        for revision in database.history():
            marks = [
                m for m, on in (("当前", revision.id == now), ("最新", revision.id == head)) if on
            ]
            mark = f"  ← {'、'.join(marks)}" if marks else ""
            print(f"{revision.id}  {revision.title}{mark}")
        return 0
    if args.action == "current":
        print(_where(database.current(), head))
        return 0
    before = database.current()
    if args.action == "upgrade":
        after = database.upgrade(args.revision)
    else:
        after = database.downgrade(args.revision)
    print(f"数据库迁移：{before or '空库'} → {after or '空库（没有表）'}")
    print(_where(after, head))
    return 0


def _where(revision: str | None, head: str) -> str:
    if revision is None:
        return f"空数据库：没有表（daiban db upgrade 或 daiban init 建到最新版本 {head}）"
    if revision == head:
        return f"当前版本 {revision}（最新）"
    return f"当前版本 {revision}，最新为 {head}：请运行 daiban db upgrade"


def cmd_backup(args: argparse.Namespace) -> int:
    """SQLite's online backup of the database; the files folder is named, not copied."""
    settings = settings_for(args)
    target = Path(args.out)
    pages = Database(settings.database_url).backup(target)
    print(f"已备份数据库到 {target}（{pages} 页）")
    if settings.files_url:
        print(f"另需备份对象存储 {settings.files_url}（在数据库备份之后）")
    else:
        files = settings.files_dir or default_files_dir(settings.database_url)
        print(f"另需备份文件目录 {files}（在数据库备份之后复制，见 docs/operations.md）")
    return 0
