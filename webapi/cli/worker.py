"""``daiban worker``: the background worker — each round fires due timers and raises
warnings (as ``daiban tick``), makes the day's scheduled pickup and delivery runs
(``engine.runs``), then sends the notices due (短信通知); and ``daiban
notices``: the outbox for an operator (list, one sending round, send a dead one again)."""

from __future__ import annotations

import argparse
import os
import socket
import time

from engine.clock import SHANGHAI
from engine.notices import Channel, HttpGateway, LogChannel, SendPolicy, SendReport
from engine.records import NOTICE_KINDS, NOTICE_STATES, NoticeQuery
from webapi.cli.common import engine_for, settings_for
from webapi.settings import Settings
from webapi.startup import check_start


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = sub.add_parser("worker", help="后台作业：触发到期定时器、预警，发送短信通知")
    worker.set_defaults(handler=cmd_worker)
    worker.add_argument("--once", action="store_true", help="只做一轮")
    worker.add_argument(
        "--interval", type=_seconds, default=10.0, metavar="S", help="两轮之间的秒数（默认 10）"
    )
    notices = sub.add_parser("notices", help="短信通知：列出、发送一轮、重发失败的通知")
    notices.set_defaults(handler=cmd_notices)
    actions = notices.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="列出通知（新的在前，电话遮蔽）")
    listing.add_argument("--state", choices=list(NOTICE_STATES))
    listing.add_argument("--kind", choices=list(NOTICE_KINDS))
    listing.add_argument("--case", type=int, metavar="CASE_ID")
    listing.add_argument("--limit", type=int, default=50)
    actions.add_parser("send", help="发送到期的通知一轮（不触发定时器）")
    retry = actions.add_parser("retry", help="重发一条发送失败的通知（同一幂等编号）")
    retry.add_argument("notice", type=int, metavar="ID")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("应为 0 到 3600 之间的秒数")
    return value


def channel_of(settings: Settings) -> Channel:
    """The HTTP gateway when ``DAIBAN_SMS_URL`` is set, else the log."""
    if settings.sms_url is None:
        return LogChannel()
    return HttpGateway(
        settings.sms_url,
        settings.sms_sign_name,
        dict(settings.sms_templates or {}),
        settings.sms_key,
        settings.sms_timeout,
    )


def policy_of(settings: Settings) -> SendPolicy:
    return SendPolicy(
        max_attempts=settings.sms_max_attempts,
        retry_seconds=settings.sms_retry_seconds,
        lease_seconds=settings.sms_lease_seconds,
    )


def worker_name() -> str:
    """Who holds a claim: this host and process (several workers on one database)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def cmd_worker(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    settings = settings_for(args)
    check_start(engine, settings)  # it signs what it sends: no gateway without the key
    channel, policy, name = channel_of(settings), policy_of(settings), worker_name()
    engine.notices.templates  # noqa: B018 (a broken notices.yaml stops here, not a change)
    while True:
        report = engine.cases.tick()
        runs = engine.runs.make_due()  # 定期取件/定期送件: today's rounds, once per agent
        sent = engine.notices.send_due(channel, policy, name)
        busy = report.fired or report.warnings or runs or sent.sent or sent.retried or sent.dead
        if args.once or busy:
            print(
                f"触发 {len(report.fired)} 件，预警 {len(report.warnings)} 条，"
                f"定期取送件批次 {len(runs)} 个；{_sent_line(sent)}",
                flush=True,
            )
        if args.once:
            return 0
        time.sleep(args.interval)


def _sent_line(report: SendReport) -> str:
    return (
        f"通知发送 {len(report.sent)} 条，待重试 {len(report.retried)} 条，"
        f"失败 {len(report.dead)} 条"
    )


def cmd_notices(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    settings = settings_for(args)
    if args.action == "send":
        report = engine.notices.send_due(channel_of(settings), policy_of(settings), worker_name())
        print(_sent_line(report))
        return 0
    if args.action == "retry":
        notice = engine.notices.retry(args.notice, args.user)
        print(f"通知 {notice.id} 已重新排队发送")
        return 0
    query = NoticeQuery(args.state, args.case, args.kind)
    found, total = engine.notices.find(query, 0, max(args.limit, 1))
    for notice in found:
        at = notice.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        error = f"  {notice.last_error}" if notice.last_error else ""
        print(
            f"{notice.id}  办件 {notice.case_id}  {NOTICE_KINDS[notice.kind]}  "
            f"{notice.phone_masked}  {NOTICE_STATES[notice.state]}  尝试 {notice.attempts} 次  "
            f"{at}{error}"
        )
    print(f"共 {total} 条")
    return 0
