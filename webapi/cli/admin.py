"""Commands for administrators: serve, users."""

from __future__ import annotations

import argparse
import getpass
import sys

from engine import read_sources
from engine.clock import SHANGHAI
from engine.errors import DatabaseInUse
from engine.identity import DEMO_PASSWORD
from webapi.cli.clock import describe, flag_database
from webapi.cli.common import engine_for, settings_for
from webapi.startup import StartRefused


def cmd_serve(args: argparse.Namespace) -> int:
    """Create or migrate the database (``--training``/``--demo``: flag it, see
    ``engine.training``), deploy the BPMN library (unchanged processes are kept), serve.
    With the demo organisation (``DAIBAN_ORG_FILE`` unset) the database must be a demo or
    training one — a new one is flagged as a demo database first (the README's quick
    start) — and its accounts without a password get the demo password; a county's own
    organisation never does."""
    from webapi import heap
    from webapi.app import create_app
    from webapi.headers import QuietRequestHandler

    settings = settings_for(args)
    engine = engine_for(args)
    if args.mode is not None:
        print(flag_database(args, args.mode))
    elif settings.demo_org and engine.training.status().setting is None:
        _flag_new_demo_database(args)
    training = engine.training.status()
    if training.setting is not None:
        print(describe(training))
    deployed = engine.definitions.deploy(read_sources([settings.bpmn_dir]), actor=args.user)
    fresh = sum(1 for item in deployed if item.created)
    print(f"流程：{len(deployed)} 个（{settings.bpmn_dir}），其中新部署 {fresh} 个")
    if settings.demo_org:
        seeded = engine.identity.seed_passwords(DEMO_PASSWORD)
        print("组织机构：演示组织（未设置 DAIBAN_ORG_FILE，仅供试用）")
        if seeded:
            print(f"演示组织：{seeded} 个演示账号的初始密码为 {DEMO_PASSWORD}（仅演示用）")
    else:
        print(f"组织机构：{settings.org_file}")
    app = create_app({"ENGINE": engine})
    heap.freeze()  # what the server holds for life leaves the full collections (webapi/heap.py)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"接口文档：http://{host}:{args.port}/api/docs")
    app.run(host=args.host, port=args.port, request_handler=QuietRequestHandler)
    return 0


def _flag_new_demo_database(args: argparse.Namespace) -> None:
    """The demo organisation on a database not flagged: a new one becomes a demo database
    (as ``serve --demo``); one set up otherwise (passwords given, cases) is refused."""
    engine = engine_for(args)
    accounts = engine.identity.accounts(sorted(engine.org.users))
    if not any(account.has_password for account in accounts.values()):
        try:
            print(flag_database(args, "demo") + "（新库使用演示组织，同 daiban serve --demo）")
            return
        except DatabaseInUse:
            pass  # real cases: refused below, with what to do
    raise StartRefused(
        "未设置 DAIBAN_ORG_FILE（演示组织），但本数据库不是新库，也不是演示或培训数据库，"
        "拒绝启动。生产环境请把 DAIBAN_ORG_FILE 设为本县的组织机构文件；只为试用，请换一个新的"
        "数据库（如 daiban --database-url sqlite:///demo.sqlite3 serve）"
    )


def cmd_users(args: argparse.Namespace) -> int:
    """Accounts of the organisation: list, set a password, issue or revoke tokens."""
    engine = engine_for(args)
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
    if args.action == "password" and args.temporary:
        # the same reset as POST /api/v1/users/{id}/password
        reset = identity.reset_password(args.user_id)
        print(reset.password)
        print(
            f"已为 {args.user_id} 生成临时密码（只显示这一次），注销其 {reset.revoked_tokens} 个令牌"
            "并解除登录锁定；请告知本人登录后修改",
            file=sys.stderr,
        )
    elif args.action == "password":
        password = args.password or getpass.getpass("新密码：")
        identity.set_password(args.user_id, password)
        print(f"已设置 {args.user_id} 的密码，并解除该账号的登录锁定")
    elif args.action == "token":
        issued = identity.issue_token(args.user_id, hours=args.hours)
        print(issued.token)
        print(
            f"有效期至 {issued.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）",
            file=sys.stderr,
        )
    else:  # the same as POST /api/v1/users/{id}/revoke
        print(f"已注销 {identity.revoke_all(args.user_id)} 个令牌")
    return 0
